package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/openapi"
)

// TestEveryDocumentedOperationIsRouted checks the served OpenAPI document
// against routes.go: each operation, sent through the API's handler (which
// trims a trailing slash), must reach a route of its own, not the JSON 404
// catch-all.
func TestEveryDocumentedOperationIsRouted(t *testing.T) {
	ops, err := openapi.Operations()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := routeTable(t)
	for _, op := range ops {
		path := op.Path
		for _, p := range []string{"{app_id}", "{endpoint_id}", "{msg_id}", "{attempt_id}", "{event_type_name}"} {
			path = strings.ReplaceAll(path, p, "x")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(op.Method, path, nil))
		if pattern := rec.Header().Get("X-Routed-Pattern"); rec.Code != 299 || pattern == "" {
			t.Errorf("%s %s (%s) is not routed (answered %d)", op.Method, op.Path, op.OperationID, rec.Code)
		}
	}
}

// TestUnsupportedCallsAnswerByName checks that every call of the Svix SDKs that Hookline
// does not serve reaches a route of its own and is answered 404 not_supported naming it,
// and that a path in neither spec stays a plain not_found.
func TestUnsupportedCallsAnswerByName(t *testing.T) {
	ops, err := openapi.Unsupported()
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) < 50 {
		t.Fatalf("openapi.Unsupported() = %d calls, want the SDK spec's many", len(ops))
	}
	a := &API{unsupported: ops}
	h := a.Handler()
	for _, op := range ops {
		path := templateParam.ReplaceAllString(op.Path, "x")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(op.Method, path, nil))
		var body struct{ Code, Detail string }
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusNotFound || body.Code != "not_supported" || !strings.Contains(body.Detail, op.OperationID) {
			t.Errorf("%s %s = %d %s, want 404 not_supported naming %s", op.Method, path, rec.Code, rec.Body, op.OperationID)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/no-such-thing", nil))
	if !strings.Contains(rec.Body.String(), `"not_found"`) {
		t.Errorf("GET /api/v1/no-such-thing = %d %s, want not_found", rec.Code, rec.Body)
	}
}

var templateParam = regexp.MustCompile(`\{[^{}]+\}`)
