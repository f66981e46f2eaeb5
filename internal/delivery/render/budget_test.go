package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// allocCeiling is what one execution may allocate in all, transient
// buffers and text/template's own work included: the run's budget of
// values (maxTemplateAlloc) several times over. Before the budget, the
// templates below allocated gigabytes.
const allocCeiling = 48 << 20

// heapAllocated is every byte the process has allocated on the heap so
// far (runtime/metrics counts a span's worth of small objects at once,
// which is far below the ceiling).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// hostilePayload is a payload as large as the API takes by default
// (1 MiB), shaped for blowups: a 900 KiB string, a 200 KiB one, a list
// and an object of 5,000 entries each, a value nested 1,000 deep and a
// format string longer than the output cap.
var hostileData = sync.OnceValue(func() map[string]any {
	p := map[string]any{
		"s":    strings.Repeat("x", 900<<10),
		"half": strings.Repeat("y", 200<<10),
		"fmt":  strings.Repeat("%[1]s", 60_000),
		"n":    json.Number("12.50"),
	}
	list := make([]any, 5000)
	obj := make(map[string]any, 5000)
	for i := range list {
		list[i] = fmt.Sprintf("item-%d", i)
		obj[fmt.Sprintf("k%05d", i)] = []any{json.Number("1"), nil, true}
	}
	p["list"], p["obj"] = list, obj
	var deep any = "bottom"
	for range 1000 {
		deep = []any{deep}
	}
	p["deep"] = deep
	raw, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	data, err := Data("msg_1", "user.created", 1700000000, raw)
	if err != nil {
		panic(err)
	}
	return data
})

// executeMeasured runs src over the hostile payload and says what it
// allocated.
func executeMeasured(t testing.TB, src string) ([]byte, error, uint64) {
	t.Helper()
	c, err := CompileTemplate(src)
	if err != nil {
		t.Fatalf("CompileTemplate(%.60q) = %v", src, err)
	}
	data := hostileData()
	before := heapAllocated()
	out, err := c.Execute(data)
	return out, err, heapAllocated() - before
}

// TestTemplateMemoryBounded runs templates that make huge values, by
// every function that builds a string, and checks each fails with its
// reason having allocated a few megabytes at most.
func TestTemplateMemoryBounded(t *testing.T) {
	defer func(d time.Duration) { timeLimit = d }(timeLimit)
	timeLimit = time.Hour // the memory limits must stop these, not the clock
	rep := func(s string, n int) string { return strings.Repeat(s, n) }
	tests := []struct {
		name string
		src  string
		want error // nil: an error containing text
		text string
	}{
		// The template: 2,000 references to one 900 KiB operand.
		{"printf reuse", `{{printf "` + rep("%[1]s", 2000) + `" .payload.s}}`, ErrValueTooLarge, ""},
		{"printf many operands", `{{printf "` + rep("%s", 2000) + `"` + rep(" .payload.half", 2000) + `}}`, ErrValueTooLarge, ""},
		{"print", `{{print` + rep(" .payload.s", 2000) + `}}`, ErrValueTooLarge, ""},
		{"println", `{{println` + rep(" .payload.half", 2000) + `}}`, ErrValueTooLarge, ""},
		{"print of the payload", `{{print .payload .payload}}`, ErrValueTooLarge, ""},
		{"output of the payload", `{{.payload}}`, ErrValueTooLarge, ""},
		{"json of the payload", `{{json .payload}}`, ErrValueTooLarge, ""},
		{"json of the payload, many times", rep(`{{$x := json .payload.obj}}`, 500), ErrTooMuchMemory, ""},
		{"nested printf", `{{printf "%[1]s%[1]s" (printf "%[1]s%[1]s" (printf "%[1]s%[1]s" .payload.half))}}`, ErrValueTooLarge, ""},
		{"printf wide padding", `{{printf "` + rep("%0999999[1]d", 2000) + `" 1}}`, ErrValueTooLarge, ""},
		{"printf padding of every leaf", `{{printf "%999999v" .payload.list}}`, ErrTooMuchMemory, ""},
		{"printf hex", `{{printf "% #x" .payload.s}}`, ErrTooMuchMemory, ""},
		{"printf Go syntax", `{{printf "%#v" .payload}}`, ErrTooMuchMemory, ""},
		{"printf format from the payload", `{{printf .payload.fmt .payload.s}}`, ErrValueTooLarge, ""},
		{"printf * width", `{{printf "%*d" 999999 1}}`, nil, "* for a width"},
		{"printf extra operands", `{{printf ""` + rep(" .payload.s", 2000) + `}}`, nil, "2000 operands but the format uses 0"},
		{"range of printf", `{{range .payload.list}}{{printf "%[1]s%[1]s" $.payload.s}}{{end}}`, ErrValueTooLarge, ""},
		{"range keeping values", `{{range 100000}}{{$x := printf "%s." $.payload.half}}{{end}}`, ErrTooMuchMemory, ""},
		{"variables keeping values", rep(`{{$x := printf "%s." .payload.half}}`, 100), ErrTooMuchMemory, ""},
		{"doubling in a range", `{{$s := .payload.half}}{{range 20}}{{$s = print $s $s}}{{end}}`, ErrValueTooLarge, ""},
		{"join with a long separator", `{{join .payload.s .payload.list}}`, ErrValueTooLarge, ""},
		{"join, many times", `{{range 1000}}{{$x := join $.payload.half (slice $.payload.list 0 2)}}{{end}}`, ErrTooMuchMemory, ""},
		{"urlquery", `{{urlquery .payload.s}}`, ErrValueTooLarge, ""},
		{"html of many", `{{html` + rep(" .payload.half", 2000) + `}}`, ErrValueTooLarge, ""},
		{"js", `{{js .payload.half .payload.half}}`, ErrValueTooLarge, ""},
		{"upper", `{{upper .payload.s}}`, ErrValueTooLarge, ""},
		{"trim of the payload", `{{trim .payload}}`, ErrValueTooLarge, ""},
		{"nested ranges over an object", `{{range .payload.obj}}{{range $.payload.obj}}{{range $.payload.obj}}{{end}}{{end}}{{end}}`, nil, "template"},
		{"ranges over an object, sorted again and again", rep(`{{range .payload.obj}}{{break}}{{end}}`, 2000), ErrTooMuchMemory, ""},
		{"range over a string", `{{range .payload.s}}{{end}}`, nil, "range can't iterate over a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err, allocated := executeMeasured(t, tt.src)
			switch {
			case err == nil:
				t.Fatalf("Execute = %d bytes, nil; want an error", len(out))
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("Execute = %.300v, want %v", err, tt.want)
			case tt.want == nil && !strings.Contains(err.Error(), tt.text):
				t.Errorf("Execute = %.300v, want an error containing %q", err, tt.text)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error text is %d bytes long, want a short reason: %.200s...", len(err.Error()), err)
			}
			if allocated > allocCeiling {
				t.Errorf("Execute allocated %d MiB, want at most %d MiB", allocated>>20, allocCeiling>>20)
			}
			t.Logf("allocated %d KiB: %.160v", allocated>>10, err)
		})
	}
}

// TestTemplateBudgetKeepsWhatFits checks that the bounds refuse nothing
// a template could print within the caps: values just under them, and
// every function used over the whole of a realistic payload.
func TestTemplateBudgetKeepsWhatFits(t *testing.T) {
	tests := []struct {
		src     string
		wantLen int
	}{
		{`{{printf "%s" .payload.half}}`, 200 << 10},
		{`{{printf "%[1]s%[1]s%[1]s%[1]s" (slice .payload.half 0 65536)}}`, 256 << 10},
		{`{{print (slice .payload.s 0 100000) (slice .payload.s 0 100000)}}`, 200000},
		{`{{printf "%q" (slice .payload.half 0 200000)}}`, 200002},
		{`{{printf "%x" (slice .payload.half 0 100000)}}`, 200000},
		{`{{json .payload.list}}`, len(mustJSON(t, hostileData()["payload"].(map[string]any)["list"]))},
		{`{{join "," .payload.list}}`, len(strings.Join(stringsOf(hostileData()["payload"].(map[string]any)["list"]), ","))},
		{`{{range .payload.list}}{{.}},{{end}}`, len(strings.Join(stringsOf(hostileData()["payload"].(map[string]any)["list"]), ",")) + 1},
		{`{{range $k, $v := .payload.obj}}{{$k}}={{json $v}}&{{end}}`, 5000 * len("k00000=[1,null,true]&")},
		{`{{printf "%v" .payload.deep}}`, 2000 + len("bottom")},
		{`{{urlquery (slice .payload.half 0 200000)}}`, 200000},
	}
	for _, tt := range tests {
		out, err, allocated := executeMeasured(t, tt.src)
		if err != nil || len(out) != tt.wantLen {
			t.Errorf("Execute(%.60q) = %d bytes, %.200v; want %d bytes", tt.src, len(out), err, tt.wantLen)
		}
		if allocated > allocCeiling {
			t.Errorf("Execute(%.60q) allocated %d MiB, want at most %d MiB", tt.src, allocated>>20, allocCeiling>>20)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func stringsOf(v any) []string {
	var s []string
	for _, e := range v.([]any) {
		s = append(s, e.(string))
	}
	return s
}

// printValues are operands of every kind a template handles.
func printValues(t *testing.T) []any {
	data, err := Data("msg_1", "t", 1, []byte(`{"s":"a \"b\"\n<&>\u2028é\u0001","n":-1.5e+3,"z":0,"t":true,"f":false,"nul":null,"l":["x",1,null,[],{}],"o":{"b":{"c":[true]},"a":"","":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := data["payload"].(map[string]any)
	vals := []any{nil, "", "plain", 0, -7, 3.25, 1e21, complex(1, -2), true, false, data}
	for _, k := range []string{"s", "n", "z", "t", "f", "nul", "l", "o"} {
		vals = append(vals, p[k])
	}
	return vals
}

// TestFunctionsPrintAsFmt checks that the bounded functions print what
// fmt and encoding/json print, and that each bound holds.
func TestFunctionsPrintAsFmt(t *testing.T) {
	vals := printValues(t)
	r := newRun()
	for _, v := range vals {
		if got, want := textLen(v, math.MaxInt), len(fmt.Sprint(v)); v != nil && got != want {
			t.Errorf("textLen(%#v) = %d, want %d", v, got, want)
		}
		if got, err := r.sprint([]any{v, v}, false); err != nil || got != fmt.Sprint(noNils([]any{v, v})...) {
			t.Errorf("print %#v twice = %q, %v; want %q", v, got, err, fmt.Sprint(noNils([]any{v, v})...))
		}
		if got, err := r.sprint([]any{v, "s", v}, true); err != nil || got != fmt.Sprintln(v, "s", v) {
			t.Errorf("println %#v = %q, %v; want %q", v, got, err, fmt.Sprintln(v, "s", v))
		}
		if _, isComplex := v.(complex128); !isComplex {
			if got, err := r.json(v); err != nil || got != string(mustJSON(t, v)) {
				t.Errorf("json %#v = %q, %v; want %q", v, got, err, mustJSON(t, v))
			}
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%+q", "%#q", "%x", "% #X", "%d", "%08.3f", "%-12v|", "%t", "%e", "%c", "%U", "%[1]v %[1]q", "%v %v"} {
			got, err := r.sprintf(verb, v)
			if want := fmt.Sprintf(verb, v); err != nil || got != want {
				t.Errorf("printf %q %#v = %q, %v; want %q", verb, v, got, err, want)
			}
			_ = fmt.Sprintf(verb, boundChecker{t: t, v: v})
		}
		r = newRun() // each value with the whole budget
	}
	if got, err := r.sprint([]any{nil, 1, nil, 2, "a", 3}, false); err != nil || got != fmt.Sprint("", 1, "", 2, "a", 3) {
		t.Errorf("print with missing values = %q, %v", got, err)
	}
	if s := `{{printf "%T" 1}} {{printf "%p" .}}`; !strings.Contains(fmt.Sprint(renderErr(t, s)), "%T and %p are not available") {
		t.Errorf("Execute(%q) = %v, want %%T refused", s, renderErr(t, s))
	}
}

func renderErr(t *testing.T, src string) error {
	_, err := render(t, src, samplePayload)
	return err
}

// boundChecker checks, for whatever verb fmt calls it with, that
// formatBound is at least what fmt prints.
type boundChecker struct {
	t testing.TB
	v any
}

func (b boundChecker) Format(f fmt.State, verb rune) {
	directive := fmt.FormatString(f, verb)
	printed := fmt.Sprintf(directive, b.v)
	if bound := formatBound(b.v, verb, f, math.MaxInt); bound < len(printed) {
		b.t.Errorf("formatBound(%#v, %q) = %d, but fmt prints %d bytes: %q", b.v, directive, bound, len(printed), printed)
	}
}

// FuzzPrintMatchesFmt decodes any JSON as a payload is and checks that
// the sizes and encodings of the bounded functions are fmt's and
// encoding/json's.
func FuzzPrintMatchesFmt(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,"x",null,true,{"b":"\u2028\n\t\"<>&"}]}`, `"\u0000\u001f\u007f\ud800"`, `[[],{},""]`, `"\xff\xfe"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		r := newRun()
		if got, want := textLen(v, math.MaxInt), len(fmt.Sprint(v)); v != nil && got != want {
			t.Fatalf("textLen(%s) = %d, want %d", raw, got, want)
		}
		if got, err := r.json(v); err == nil && got != string(mustJSON(t, v)) {
			t.Fatalf("json(%s) = %s, want %s", raw, got, mustJSON(t, v))
		}
		for _, verb := range []string{"%v", "%#v", "%q", "% #x", "%-5d"} {
			_ = fmt.Sprintf(verb, boundChecker{t: t, v: v})
		}
	})
}

// TestTemplateDeepPayload renders a payload nested as deep as the API's
// JSON decoding allows (10,000 levels) with every function that walks a
// value: each prints it whole, within the ceiling.
func TestTemplateDeepPayload(t *testing.T) {
	const depth = 9990
	raw := `{"d":` + strings.Repeat("[", depth) + `"x"` + strings.Repeat("]", depth) + `}`
	data, err := Data("msg_1", "t", 1, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]int{
		`{{json .payload.d}}`:            2*depth + 3,
		`{{printf "%v" .payload.d}}`:     2*depth + 1,
		`{{.payload.d}}`:                 2*depth + 1,
		`{{print .payload.d 1}}`:         2*depth + 3, // a space between two operands that are not strings
		`{{printf "%#v" .payload.d}}`:    len(fmt.Sprintf("%#v", data["payload"].(map[string]any)["d"])),
		`{{len (printf "%q" .payload)}}`: len(strconv.Itoa(len(fmt.Sprintf("%q", data["payload"])))),
	} {
		c, err := CompileTemplate(src)
		if err != nil {
			t.Fatal(err)
		}
		before := heapAllocated()
		out, err := c.Execute(data)
		if allocated := heapAllocated() - before; err != nil || len(out) != want || allocated > allocCeiling {
			t.Errorf("Execute(%q) = %d bytes, %v, %d MiB allocated; want %d bytes", src, len(out), err, allocated>>20, want)
		}
	}
}
