package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookline/hookline/internal/httpmw"
	"github.com/hookline/hookline/internal/store"
)

// Error is an error with what the client may see: a status, Svix's error
// code and a safe detail. Cause, when set, is logged and never shown.
type Error struct {
	Status int
	Code   string
	Detail string
	Cause  error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Detail, e.Cause)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

func (e *Error) Unwrap() error { return e.Cause }

// The client-facing errors, with Svix's codes and wording.
func errNotFound() *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Detail: "Entity not found"}
}

func errConflict(detail string) *Error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Detail: detail}
}

func errBadRequest(code, detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Detail: detail}
}

func errUnauthorized() *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "authentication_failed", Detail: "Invalid token"}
}

func errForbidden() *Error {
	return &Error{Status: http.StatusForbidden, Code: "insufficient access", Detail: "Insufficient access for the given operation."}
}

func errTooLarge() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large", Detail: "Request payload is too large."}
}

// ValidationError is Svix's 422 body: a list of problems, each located by
// its path, e.g. ["body", "url"].
type ValidationError struct {
	Detail []ValidationItem `json:"detail"`
}

// ValidationItem is one problem with the request.
type ValidationItem struct {
	Loc  []string `json:"loc"`
	Msg  string   `json:"msg"`
	Type string   `json:"type"`
}

func (e *ValidationError) Error() string {
	b, _ := json.Marshal(e.Detail)
	return "validation: " + string(b)
}

// problems collects validation failures so that one response reports all.
type problems []ValidationItem

// add records that the value at loc is wrong. loc is relative to the body.
func (p *problems) add(msg string, loc ...string) {
	*p = append(*p, ValidationItem{Loc: append([]string{"body"}, loc...), Msg: msg, Type: "value_error"})
}

// addErr records err, a rule's refusal (webhook.Validate...), at loc;
// nothing when err is nil.
func (p *problems) addErr(err error, loc ...string) {
	if err != nil {
		p.add(err.Error(), loc...)
	}
}

// nest adds sub's problems, found in an object the body holds at field,
// as problems of the body: ["body", "uid"] becomes ["body", field, "uid"].
func (p *problems) nest(field string, sub problems) {
	for _, it := range sub {
		it.Loc = append([]string{it.Loc[0], field}, it.Loc[1:]...)
		*p = append(*p, it)
	}
}

// addQuery records a bad query parameter.
func (p *problems) addQuery(name, msg string) {
	*p = append(*p, ValidationItem{Loc: []string{"query", name}, Msg: msg, Type: "value_error"})
}

// err returns the collected problems as an error, or nil when none.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Detail: p}
}

// writeError maps err to a status and body. Store sentinels map to Svix's
// answers; anything unknown is a 500 whose cause is logged, not shown.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var verr *ValidationError
	if errors.As(err, &verr) {
		writeJSON(w, http.StatusUnprocessableEntity, verr)
		return
	}
	var maxErr *http.MaxBytesError
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr):
	case errors.As(err, &maxErr):
		apiErr = errTooLarge()
	case errors.Is(err, store.ErrNotFound):
		apiErr = errNotFound()
	case errors.Is(err, store.ErrConflict):
		apiErr = errConflict("A conflict has occurred")
	case errors.Is(err, store.ErrUnavailable):
		apiErr = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Detail: "The database is unavailable; nothing was changed. Retry later.", Cause: err}
	default:
		apiErr = &Error{Status: http.StatusInternalServerError, Code: "server_error", Detail: "Internal Server Error", Cause: err}
	}
	if apiErr.Status >= 500 {
		a.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "status", apiErr.Status, "err", err)
		if apiErr.Status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
	}
	writeJSON(w, apiErr.Status, map[string]string{"code": apiErr.Code, "detail": apiErr.Detail})
}

// handle adapts a handler that returns an error, and names its route for
// the server's access log.
func (a *API) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpmw.SetRoute(r)
		if err := fn(w, r); err != nil {
			a.writeError(w, r, err)
		}
	}
}
