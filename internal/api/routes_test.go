package api

import (
	"net/http/httptest"
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
