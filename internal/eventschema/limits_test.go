package eventschema

import (
	"fmt"
	"regexp/syntax"
	"runtime/metrics"
	"strings"
	"testing"
)

// nested is a schema of depth levels of {"items": ...}.
func nested(depth int) string {
	return strings.Repeat(`{"items":`, depth-1) + `{}` + strings.Repeat(`}`, depth-1)
}

// properties is a schema with n properties, each the given subschema.
func properties(n int, sub func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"p%d":%s`, i, sub(i))
	}
	return `{"properties":{` + strings.Join(parts, ",") + `}}`
}

func allocatedBy(fn func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	fn()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// TestSchemaLimits checks each limit on a submitted JSON Schema: the
// largest schema of each shape compiles within a few tens of MiB, one
// past the limit is refused before the compiler runs. Without them, the
// refused shapes below took minutes and gigabytes (see schema_limits.go).
func TestSchemaLimits(t *testing.T) {
	bigPattern := strings.Repeat("a{1000}", 5)
	tests := []struct {
		name    string
		schema  string
		wantErr string // "" to compile
	}{
		{"32 levels", nested(maxSchemaDepth), ""},
		{"33 levels", nested(maxSchemaDepth + 1), "nest at most 32 levels"},
		{"5,000 nested items (105 s, 250 GB of allocations before)", nested(5000), "nest at most 32 levels"},
		{"3,999 subschemas", properties(maxSchemaNodes-2, func(int) string { return `{}` }), ""},
		{"4,001 subschemas", properties(maxSchemaNodes, func(int) string { return `{}` }), "at most 4000 objects, arrays and booleans"},
		{"4,001 boolean subschemas", properties(maxSchemaNodes, func(int) string { return `true` }), "at most 4000 objects"},
		{"100,000 boolean subschemas (148 s before)", properties(100_000, func(int) string { return `true` }), "at most 4000 objects"},
		{"chains of 30 levels, 4,000 in all", properties(maxSchemaNodes/30-1, func(int) string { return nested(29) }), ""},
		{"80,000 required names", `{"required":[` + strings.Join(strings.Split(strings.Repeat("\"r\" ", 80000), " ")[:80000], ",") + `]}`, "not valid against metaschema"},
		{"a pattern at the limit", `{"pattern":"` + strings.Repeat("a{1000}", 4) + `"}`, ""},
		{"a pattern past the limit", `{"pattern":"` + bigPattern + `"}`, "a pattern may compile to at most 5000 instructions"},
		{"a pattern property past the limit", `{"patternProperties":{"` + bigPattern + `":{}}}`, "a pattern may compile to at most 5000 instructions"},
		{"patterns past the limit together", properties(20, func(i int) string { return fmt.Sprintf(`{"pattern":"%s%d"}`, strings.Repeat("a{1000}", 3), i) }),
			"patterns of a JSON Schema may compile to at most 50000 instructions together"},
		{"one pattern 2,000 times", properties(2000, func(int) string { return `{"pattern":"` + strings.Repeat("a{1000}", 4) + `"}` }), ""},
		{"300 patterns of 400,000 instructions (82 s and 6.7 GB before)",
			properties(300, func(i int) string { return fmt.Sprintf(`{"pattern":"%s%d"}`, strings.Repeat("a{1000}", 400), i) }), "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			allocated := allocatedBy(func() { err = Check([]byte(tt.schema)) })
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check = %.300v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check = %.300v, want an error containing %q", err, tt.wantErr)
			}
			if err != nil && len(err.Error()) > maxSchemaErrorText+200 {
				t.Errorf("the error is %d bytes long, want at most about %d", len(err.Error()), maxSchemaErrorText)
			}
			if allocated > 96<<20 {
				t.Errorf("Check allocated %d MiB, want at most 96 MiB", allocated>>20)
			}
			t.Logf("%d KiB of schema, %d MiB allocated: %.120v", len(tt.schema)>>10, allocated>>20, err)
		})
	}
}

// TestProgSizeBoundsTheCompiler checks that patternSize is never below
// the number of instructions Go's regexp compiler makes, nor far above.
func TestProgSizeBoundsTheCompiler(t *testing.T) {
	patterns := []string{``, `a`, `abc`, `a*`, `a+`, `a?`, `(a)`, `(?:ab)+`, `a|b|c`, `a{3}`, `a{2,5}`, `a{2,}`, `(a{3}){4}`,
		`[a-z]{10}`, `(?i)hello`, `^\d{4}-\d{2}-\d{2}$`, `(foo|bar){1,100}`, `((a|b)*c){0,7}`, `\p{L}+\b`, `.{1000}`, `x{0}`,
		`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, `(a?){1000}`, `(?s).*`, `[^a]|[b-c]{2,3}?`}
	for _, p := range patterns {
		re, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			t.Fatalf("Parse(%q): %v", p, err)
		}
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			t.Fatalf("Compile(%q): %v", p, err)
		}
		if got := patternSize(re, 1<<30); got < len(prog.Inst) || got > 3*len(prog.Inst) {
			t.Errorf("patternSize(%q) = %d, but it compiles to %d instructions", p, got, len(prog.Inst))
		}
	}
}

// FuzzPatternSize checks on any pattern that patternSize is never below
// what Go's regexp compiler makes of it.
func FuzzPatternSize(f *testing.F) {
	for _, p := range []string{`a{2,5}`, `(a|bc){3,}`, `x{0}y?`, `(?i)[a-z]+(foo|bar)*?\b`, `((a{2}){3}){4}`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		re, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			return
		}
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			return
		}
		if got := patternSize(re, 1<<30); got < len(prog.Inst) {
			t.Fatalf("patternSize(%q) = %d, but it compiles to %d instructions", p, got, len(prog.Inst))
		}
	})
}
