package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/openapi/build"
)

// specDoc is the part of the document these tests look at.
type specDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title string `json:"title"`
	} `json:"info"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type specParam struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

type specOp struct {
	OperationID string      `json:"operationId"`
	Parameters  []specParam `json:"parameters"`
}

func parseDocument(t *testing.T) specDoc {
	t.Helper()
	var doc specDoc
	if err := json.Unmarshal(Document(), &doc); err != nil {
		t.Fatalf("parse embedded document: %v", err)
	}
	return doc
}

func TestDocumentParses(t *testing.T) {
	doc := parseDocument(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Info.Title != "Hookline" {
		t.Errorf("info.title = %q, want Hookline", doc.Info.Title)
	}
	if bytes.Contains(Document(), []byte(`"nullable"`)) {
		t.Error("document uses nullable, which OpenAPI 3.1 removed")
	}
}

var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

func TestPathParamsDeclared(t *testing.T) {
	ops, err := Operations()
	if err != nil {
		t.Fatal(err)
	}
	doc := parseDocument(t)
	for _, o := range ops {
		var op specOp
		if err := json.Unmarshal(doc.Paths[o.Path][strings.ToLower(o.Method)], &op); err != nil {
			t.Fatalf("parse %s: %v", o.Pattern(), err)
		}
		declared := map[string]bool{}
		for _, p := range op.Parameters {
			if p.In == "path" {
				declared[p.Name] = true
			}
		}
		for _, m := range templateParam.FindAllStringSubmatch(o.Path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %q not declared", o.Pattern(), m[1])
			}
		}
	}
}

func TestOperationIDsUnique(t *testing.T) {
	ops, err := Operations()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, o := range ops {
		if o.OperationID == "" {
			t.Errorf("%s: no operationId", o.Pattern())
			continue
		}
		if prev, dup := seen[o.OperationID]; dup {
			t.Errorf("%s: operationId %q already used by %s", o.Pattern(), o.OperationID, prev)
		}
		seen[o.OperationID] = o.Pattern()
	}
}

func TestOperations(t *testing.T) {
	ops, err := Operations()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, o := range ops {
		if o.Method != strings.ToUpper(o.Method) {
			t.Errorf("%s: method not upper case", o.Pattern())
		}
		have[o.Pattern()] = o.OperationID
	}
	for pattern, id := range map[string]string{
		"POST /api/v1/app/{app_id}/msg":                              "v1.message.create",
		"GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}": "v1.message-attempt.get",
		"GET /api/v1/app":                 "v1.application.list",
		"GET /api/v1/health":              "v1.health.get",
		"HEAD /api/v1/health":             "v1.health.get-head",
		"GET /api/v1/health/":             "hookline.health.get",
		"GET /api/v1/app/{app_id}/health": "hookline.application.health.list",
		"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/health":                    "hookline.endpoint.health.get",
		"POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/ping":                     "hookline.endpoint.ping",
		"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options":          "hookline.delivery-options.get",
		"PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options":          "hookline.delivery-options.update",
		"PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options":        "hookline.delivery-options.patch",
		"POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/delivery-options/preview": "hookline.delivery-options.preview",
	} {
		got, ok := have[pattern]
		if !ok {
			t.Errorf("Operations() lacks %s", pattern)
		} else if got != id {
			t.Errorf("%s: operationId = %q, want %q", pattern, got, id)
		}
	}
	// Every operation Svix v1.99.1 ships is here, the four it removed, and Hookline's.
	if len(ops) < 47 {
		t.Errorf("len(Operations()) = %d, want at least 47", len(ops))
	}
	ops[0].Path = "changed"
	if again, _ := Operations(); again[0].Path == "changed" {
		t.Error("Operations() returns a shared slice")
	}
}

func TestHandler(t *testing.T) {
	h := Handler()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET: status %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("GET: Content-Type = %q, want application/json", got)
	}
	if got := rec.Header().Get("Cache-Control"); got == "" {
		t.Error("GET: no Cache-Control")
	}
	if !bytes.Equal(rec.Body.Bytes(), Document()) {
		t.Error("GET: body differs from Document()")
	}
	tag := rec.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`) {
		t.Fatalf("GET: ETag = %q, want a strong quoted tag", tag)
	}

	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", tag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET If-None-Match: status %d, want 304", rec.Code)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("ETag") != tag {
		t.Errorf("HEAD: status %d, body %d bytes, ETag %q; want 200, empty, %q",
			rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), tag)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
}

// TestFresh rebuilds the document and the unsupported list from the Svix module and
// additions.json and compares them with the committed files, so a change to either, or to
// package build, that was not followed by `go generate ./internal/openapi` fails here.
func TestFresh(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec, lib, err := build.SvixSpecs(ctx)
	if err != nil {
		// Only when the module can't be had (offline, empty cache); in CI it is cached
		// because it is a dependency.
		t.Skipf("svix module not available, freshness not checked: %v", err)
	}
	additions, err := os.ReadFile("additions.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := build.Document(spec, additions)
	if err != nil {
		t.Fatalf("build.Document: %v", err)
	}
	if !bytes.Equal(Document(), want) {
		t.Error("openapi.json is stale: run `go generate ./internal/openapi` and commit the result")
	}
	wantUnsupported, err := build.Unsupported(lib, want)
	if err != nil {
		t.Fatalf("build.Unsupported: %v", err)
	}
	if !bytes.Equal(unsupportedDoc, wantUnsupported) {
		t.Error("unsupported.json is stale: run `go generate ./internal/openapi` and commit the result")
	}
}

// TestSvixVersionMatchesGoMod keeps the generator on the Svix version the module builds with.
func TestSvixVersionMatchesGoMod(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(build.SvixModule) + `\s+(\S+)`)
	m := re.FindSubmatch(gomod)
	if m == nil {
		t.Fatalf("go.mod does not require %s", build.SvixModule)
	}
	if string(m[1]) != build.SvixVersion {
		t.Errorf("go.mod requires %s %s, build.SvixVersion = %s; update it and regenerate",
			build.SvixModule, m[1], build.SvixVersion)
	}
}
