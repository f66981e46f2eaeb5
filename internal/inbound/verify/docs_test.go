package verify

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// docsPath is the scheme reference whose examples TestDocsExamples runs.
const docsPath = "../../../docs/inbound.md"

// example is one settings block and the curl example after it.
type example struct {
	section, settings, script string
}

// docExamples returns, for each "### " section of "## Verification
// schemes", its ```json blocks paired in order with its ```sh blocks.
func docExamples(t *testing.T) []example {
	t.Helper()
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	_, schemes, ok := strings.Cut(string(doc), "\n## Verification schemes\n")
	if !ok {
		t.Fatalf("%s has no ## Verification schemes section", docsPath)
	}
	if next := strings.Index(schemes, "\n## "); next >= 0 {
		schemes = schemes[:next]
	}
	var out []example
	for _, section := range strings.Split(schemes, "\n### ")[1:] {
		title, _, _ := strings.Cut(section, "\n")
		jsons, shs := fenced(section, "json"), fenced(section, "sh")
		if len(jsons) != len(shs) {
			t.Fatalf("%s: section %q has %d settings blocks and %d examples", docsPath, title, len(jsons), len(shs))
		}
		for i := range jsons {
			out = append(out, example{title, jsons[i], shs[i]})
		}
	}
	return out
}

// fenced returns the contents of the ```lang blocks of s.
func fenced(s, lang string) []string {
	var blocks []string
	for {
		_, rest, ok := strings.Cut(s, "\n```"+lang+"\n")
		if !ok {
			return blocks
		}
		block, after, _ := strings.Cut(rest, "\n```\n")
		blocks = append(blocks, block)
		s = after
	}
}

// TestDocsExamples runs every curl example of docs/inbound.md in bash,
// with openssl computing the signature as the reader's shell would, curl
// replaced by a function that prints its arguments, and checks that the
// request it would send passes Verify with the settings shown beside it,
// and fails once its body changes by a byte.
func TestDocsExamples(t *testing.T) {
	for _, tool := range []string{"bash", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the docs' examples need %s: %v", tool, err)
		}
	}
	examples := docExamples(t)
	t.Logf("%d examples", len(examples))
	schemes := map[string]bool{}
	for _, ex := range examples {
		var cfg Config
		dec := json.NewDecoder(strings.NewReader(ex.settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			t.Errorf("%s: settings %s: %v", ex.section, ex.settings, err)
			continue
		}
		if err := cfg.Check(); err != nil {
			t.Errorf("%s: settings %s: Check = %v", ex.section, ex.settings, err)
			continue
		}
		schemes[cfg.Scheme] = true
		req := runCurl(t, ex)
		if got := Verify(cfg, req, time.Now()); !got.OK {
			t.Errorf("%s: the example's request fails Verify(%s): %s\n%s", ex.section, ex.settings, got.Reason, ex.script)
		}
		if cfg.Scheme == SchemeNone || cfg.Scheme == SchemeBasic || cfg.Scheme == SchemeAPIKey {
			continue
		}
		req.Body = append([]byte{}, req.Body...)
		req.Body[len(req.Body)/2] ^= 1
		if got := Verify(cfg, req, time.Now()); got.OK {
			t.Errorf("%s: the example's request with a changed body passes Verify(%s)", ex.section, ex.settings)
		}
	}
	for _, s := range Schemes {
		if !schemes[s] {
			t.Errorf("%s has no example of the %s scheme", docsPath, s)
		}
	}
}

// runCurl runs an example's script and returns the request its curl call
// would send.
func runCurl(t *testing.T, ex example) Request {
	t.Helper()
	const base = "https://hookline.example/in/hkin_test"
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", `curl() { printf '%s\0' "$@"; }`+"\n"+ex.script)
	cmd.Env = append(os.Environ(), "HOOKLINE=https://hookline.example", "TOKEN=hkin_test")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: the example fails: %v\n%s\n%s", ex.section, err, stderr.String(), ex.script)
	}
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	req := Request{Method: "POST", Header: http.Header{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		next := func() string {
			i++
			if i >= len(args) {
				t.Fatalf("%s: curl option %s has no value", ex.section, arg)
			}
			return args[i]
		}
		switch {
		case arg == "-sS":
		case arg == "-H":
			name, value, ok := strings.Cut(next(), ":")
			if !ok {
				t.Fatalf("%s: curl -H %q is not Name: value", ex.section, args[i])
			}
			req.Header.Add(name, strings.TrimLeft(value, " "))
		case arg == "-u":
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(next())))
		case arg == "--data-binary":
			req.Body = []byte(next())
		case arg == "-X":
			req.Method = next()
		case strings.HasPrefix(arg, base):
			u, err := url.Parse(arg)
			if err != nil {
				t.Fatal(err)
			}
			req.Path, req.Query = strings.TrimPrefix(u.Path, "/in/hkin_test"), u.RawQuery
		default:
			t.Fatalf("%s: curl argument %q: the test does not know it", ex.section, arg)
		}
	}
	return req
}
