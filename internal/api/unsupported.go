package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/openapi"
)

// notSupported is the answer to a request no route took when it is a call of the Svix
// SDKs that Hookline does not serve (openapi.Unsupported: streams, connectors,
// integrations, statistics, ...): a 404 that names the call, so that a user of a newer SDK
// learns at once that the feature is missing, not that an ID is wrong. It is nil for any
// other request. 404 rather than 501: the SDKs retry every 5xx, and no retry can help.
//
// The calls are matched here rather than registered as ServeMux patterns: several of them
// overlap ambiguously (PATCH /stream/{stream_id}/alert-email and PATCH
// /stream/event-type/{name}), which ServeMux refuses, and they all get the same answer.
func (a *API) notSupported(r *http.Request) error {
	op, ok := unsupportedCall(a.unsupported, r.Method, r.URL.Path)
	if !ok {
		return nil
	}
	return &Error{
		Status: http.StatusNotFound,
		Code:   "not_supported",
		Detail: fmt.Sprintf("%s (%s %s) is not supported by Hookline; see docs/api-compatibility.md", op.OperationID, op.Method, op.Path),
	}
}

// unsupportedCall returns the operation of ops that method and path call, preferring the
// one with the fewest {parameters} when several templates match, as ServeMux prefers the
// most specific pattern. (The router has trimmed one trailing slash already.)
func unsupportedCall(ops []openapi.Operation, method, path string) (openapi.Operation, bool) {
	segs := strings.Split(path, "/")
	var best openapi.Operation
	bestParams := -1
	for _, op := range ops {
		if op.Method != method && !(method == http.MethodHead && op.Method == http.MethodGet) {
			continue
		}
		tmpl := strings.Split(op.Path, "/")
		if len(tmpl) != len(segs) {
			continue
		}
		params, ok := 0, true
		for i, t := range tmpl {
			switch {
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
				params++
				ok = segs[i] != ""
			default:
				ok = t == segs[i]
			}
			if !ok {
				break
			}
		}
		if ok && (bestParams < 0 || params < bestParams) {
			best, bestParams = op, params
		}
	}
	return best, bestParams >= 0
}
