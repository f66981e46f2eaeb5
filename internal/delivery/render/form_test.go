package render

import (
	"net/url"
	"strings"
	"testing"
)

func TestForm(t *testing.T) {
	tests := []struct {
		payload, want string
	}{
		{`{}`, ``},
		{`{"a":"x"}`, `a=x`},
		{`{"contact":{"email":"a@b.c"},"tags":["x"]}`, `contact[email]=a%40b.c&tags[0]=x`},
		{`{"z":1,"a":2,"m":3}`, `z=1&a=2&m=3`}, // order as received
		{`{"n":12.50,"e":1e+3,"neg":-0}`, `n=12.50&e=1e%2B3&neg=-0`},
		{`{"t":true,"f":false,"nul":null}`, `t=true&f=false&nul=`},
		{`{"sp ace":"a b&c=d","br[k]":"é"}`, `sp+ace=a+b%26c%3Dd&br%5Bk%5D=%C3%A9`},
		{`{"a":{"b":{"c":[1,{"d":"e"},[true]]}}}`, `a[b][c][0]=1&a[b][c][1][d]=e&a[b][c][2][0]=true`},
		{`{"empty":{},"list":[],"x":"y"}`, `x=y`},
		{`{"dup":1,"dup":2}`, `dup=1&dup=2`},
		{`{"":{"a":1}}`, `[a]=1`},
		{` {"a" : "\u00e9\n"} `, `a=%C3%A9%0A`},
	}
	for _, tt := range tests {
		got, err := Form([]byte(tt.payload))
		if err != nil || string(got) != tt.want {
			t.Errorf("Form(%s) = %q, %v; want %q, nil", tt.payload, got, err, tt.want)
		}
	}
}

func TestFormRefuses(t *testing.T) {
	deep := strings.Repeat(`{"a":`, maxFormDepth+1) + "1" + strings.Repeat("}", maxFormDepth+1)
	// Long keys repeated for every leaf: a small payload, a huge form.
	wide := `{"` + strings.Repeat("k", 4096) + `":[` + strings.Repeat("1,", 400) + `1]}`
	tests := []struct {
		payload, wantErr string
	}{
		{`[1,2]`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{`3`, "must be a JSON object"},
		{`null`, "must be a JSON object"},
		{``, "not JSON"},
		{`{"a":1} {"b":2}`, "data after its object"},
		{`{"a":}`, "invalid character"},
		{deep, "nests deeper than 64"},
		{wide, "larger than"},
	}
	for _, tt := range tests {
		got, err := Form([]byte(tt.payload))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Form(%.40s) = %.40q, %v; want an error containing %q", tt.payload, got, err, tt.wantErr)
		}
	}
	shallow := strings.Repeat(`{"a":`, maxFormDepth) + "1" + strings.Repeat("}", maxFormDepth)
	if _, err := Form([]byte(shallow)); err != nil {
		t.Errorf("Form(%d levels) = %v, want no error", maxFormDepth, err)
	}
}

// FuzzForm checks that any object flattens into a body that parses as a
// form, one pair per leaf, without panicking.
func FuzzForm(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":{"b":[1,"x",null,true]}}`, `{"k[0]":"v&w","":""}`, `{"a":[[[]]],"b":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := Form(payload)
		if err != nil {
			return
		}
		if len(got) == 0 {
			return
		}
		for _, pair := range strings.Split(string(got), "&") {
			name, value, ok := strings.Cut(pair, "=")
			if !ok {
				t.Fatalf("Form(%q) pair %q has no '='", payload, pair)
			}
			// Brackets added for nesting are the only unescaped ones.
			if _, err := url.QueryUnescape(strings.NewReplacer("[", "", "]", "").Replace(name)); err != nil {
				t.Fatalf("Form(%q) name %q: %v", payload, name, err)
			}
			if _, err := url.QueryUnescape(value); err != nil || strings.ContainsAny(value, "&=[]") {
				t.Fatalf("Form(%q) value %q is not escaped", payload, value)
			}
		}
	})
}

// TestFormMemoryBounded flattens payloads far larger than a form body may
// be, as a server with a raised --max-body-bytes takes them: each fails
// at the cap, having allocated what the cap bounds (garbage of the tokens
// read before it) or what the payload's one string does (the decoder's
// buffer, the string, its escaping; the gate counts on 4 times it live),
// never a buffer sized on the whole payload up front.
func TestFormMemoryBounded(t *testing.T) {
	many := `{"a":[` + strings.Repeat("1,", 8<<20) + `1]}` // 16 MiB
	long := `{"s":"` + strings.Repeat("x", 16<<20) + `"}`
	for name, p := range map[string]string{"16 MiB of numbers": many, "a 16 MiB string": long} {
		before := heapAllocated()
		_, err := Form([]byte(p))
		allocated := heapAllocated() - before
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("%s: Form = %v, want the size refused", name, err)
		}
		if limit := uint64(8*len(p) + 8<<20); allocated > limit || name == "16 MiB of numbers" && allocated > 40<<20 {
			t.Errorf("%s: Form allocated %d MiB", name, allocated>>20)
		}
		t.Logf("%s: allocated %d MiB", name, allocated>>20)
	}
}
