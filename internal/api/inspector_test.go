package api

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestBinDocsExample creates a bin from each JSON example of the "## The
// request inspector" section of docs/inbound.md, so the documented body
// stays one the API takes, and checks the rules it documents refuse what
// they say.
func TestBinDocsExample(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	doc, err := os.ReadFile("../../docs/inbound.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## The request inspector\n")
	if !ok {
		t.Fatal("docs/inbound.md has no ## The request inspector section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	n := 0
	for rest := section; ; n++ {
		_, block, ok := strings.Cut(rest, "\n```json\n")
		if !ok {
			break
		}
		block, rest, _ = strings.Cut(block, "\n```\n")
		rec := f.do(f.admin, "POST", "/api/v1/inspector/bin", block)
		if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"catchUrl":"`) {
			t.Errorf("POST /api/v1/inspector/bin with the docs' example %s = %d %s, want 201 with a catchUrl", block, rec.Code, rec.Body)
		}
	}
	if n == 0 {
		t.Error("the ## The request inspector section of docs/inbound.md has no JSON example")
	}
	for _, tc := range []struct{ body, names string }{
		{`{"keep":0}`, "keep"},
		{`{"keep":10001}`, "keep"},
		{`{"retention":"30s"}`, "retention"},
		{`{"retention":"a week"}`, "retention"},
		{`{"response":{"delay":"31s"}}`, "response.delay"},
		{`{"response":{"status":99}}`, "response.status"},
		{`{"response":{"headers":{"Content-Length":"1"}}}`, "Content-Length"},
		{`{"response":{"headers":{"X-A":"a\r\nX-B: b"}}}`, "control character"},
		{`{"colour":"blue"}`, "colour"},
	} {
		rec := f.do(f.admin, "POST", "/api/v1/inspector/bin", tc.body)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "validation_failed") || !strings.Contains(rec.Body.String(), tc.names) {
			t.Errorf("POST bin %s = %d %s, want 422 validation_failed naming %s", tc.body, rec.Code, rec.Body, tc.names)
		}
	}
	if rec := f.do(f.admin, "GET", "/api/v1/inspector/bin/bin_nope", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET a malformed bin ID = %d, want 404", rec.Code)
	}
}
