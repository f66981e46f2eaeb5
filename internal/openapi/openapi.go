// Package openapi serves Hookline's OpenAPI document at /api/v1/openapi.json and lists its
// operations, so that tests can hold the router to the document.
//
// The document is generated, never edited by hand: gen/ reads the Svix server's spec from
// the github.com/svix/svix-webhooks module that go.mod requires, corrects it (package build)
// and merges Hookline's own resources from additions.json. It also lists, in
// unsupported.json, the calls of the Svix SDKs' larger spec that the document lacks, so
// that the API can answer them by name. Run `go generate ./internal/openapi` after changing
// additions.json or the Svix version.
package openapi

//go:generate go run ./gen

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed openapi.json
var document []byte

//go:embed unsupported.json
var unsupportedDoc []byte

// etag is strong and derived from the content, so it changes exactly when a new build
// ships a different document.
var etag = sync.OnceValue(func() string {
	sum := sha256.Sum256(document)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
})

// Document returns the OpenAPI document. The caller must not modify it.
func Document() []byte { return document }

// Handler serves the document to GET and HEAD, answering If-None-Match with 304.
// Cache-Control asks caches to revalidate every time: the ETag makes that a cheap 304, and
// a client never keeps an older server's document after an upgrade.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("ETag", etag())
		h.Set("Cache-Control", "no-cache")
		// ServeContent handles HEAD, If-None-Match and Range; a zero modtime omits
		// Last-Modified, leaving the ETag as the only validator.
		http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(document))
	})
}

// Operation is one operation of the document.
type Operation struct {
	Method      string // upper case, e.g. "POST"
	Path        string // exactly as in the document, e.g. "/api/v1/app/{app_id}/msg"
	OperationID string
}

// Pattern returns the operation as a net/http ServeMux pattern, e.g.
// "POST /api/v1/app/{app_id}/msg", the form the router's routes use.
func (o Operation) Pattern() string { return o.Method + " " + o.Path }

// httpMethods are the path-item keys that hold operations (OpenAPI 3.1, Path Item Object).
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var operations = sync.OnceValues(func() ([]Operation, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(document, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	var ops []Operation
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		item := doc.Paths[path]
		for _, m := range httpMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("parse operation %s %s: %w", strings.ToUpper(m), path, err)
			}
			ops = append(ops, Operation{Method: strings.ToUpper(m), Path: path, OperationID: op.OperationID})
		}
	}
	return ops, nil
})

// Operations lists every operation of the document, sorted by path and then method.
// The slice is the caller's own.
func Operations() ([]Operation, error) {
	ops, err := operations()
	return slices.Clone(ops), err
}

var unsupported = sync.OnceValues(func() ([]Operation, error) {
	var list []struct {
		Method      string `json:"method"`
		Path        string `json:"path"`
		OperationID string `json:"operationId"`
	}
	if err := json.Unmarshal(unsupportedDoc, &list); err != nil {
		return nil, fmt.Errorf("parse unsupported operations: %w", err)
	}
	ops := make([]Operation, len(list))
	for i, o := range list {
		ops[i] = Operation{Method: o.Method, Path: o.Path, OperationID: o.OperationID}
	}
	return ops, nil
})

// Unsupported lists the calls of the Svix SDKs that Hookline does not serve: the operations
// of Svix's cloud spec (streams, connectors, integrations, statistics, ...) that the
// document lacks. The slice is the caller's own.
func Unsupported() ([]Operation, error) {
	ops, err := unsupported()
	return slices.Clone(ops), err
}
