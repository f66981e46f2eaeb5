package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/openapi"
)

// TestEveryDocumentedOperationIsRouted checks the served OpenAPI document
// against routes.go: each operation must reach a route of its own, not the
// JSON 404 catch-all.
func TestEveryDocumentedOperationIsRouted(t *testing.T) {
	ops, err := openapi.Operations()
	if err != nil {
		t.Fatal(err)
	}
	a := &API{}
	mux := newMuxForTest(a)
	for _, op := range ops {
		path := op.Path
		for _, p := range []string{"{app_id}", "{endpoint_id}", "{msg_id}", "{attempt_id}", "{event_type_name}"} {
			path = strings.ReplaceAll(path, p, "x")
		}
		req := httptest.NewRequest(op.Method, path, nil)
		_, pattern := mux.Handler(req)
		if pattern == "" || pattern == "/api/" {
			t.Errorf("%s %s (%s) is not routed (matched %q)", op.Method, op.Path, op.OperationID, pattern)
		}
	}
}
