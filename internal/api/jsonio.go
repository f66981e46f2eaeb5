package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// timeFormat is RFC 3339 in UTC with milliseconds, as Svix answers.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// Time is a time.Time that encodes in timeFormat.
type Time time.Time

// MarshalJSON encodes t in UTC with milliseconds.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(timeFormat)+2)
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, timeFormat)
	return append(b, '"'), nil
}

// timePtr returns nil for a nil or zero time, so optional times are omitted.
func timePtr(t *time.Time) *Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := Time(*t)
	return &v
}

// emptyResponse is Svix's EmptyResponse, the body of answers that carry
// nothing but must still be JSON.
var emptyResponse = []byte(`{}`)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON writes v as the response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"code":"server_error","detail":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, body)
}

// writeRaw writes an already-encoded JSON body.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// readBody reads the request body up to the configured limit. A body over
// the limit yields *http.MaxBytesError, which writeError answers with 413.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > a.maxBody {
		return nil, errTooLarge()
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, a.maxBody)); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, errTooLarge()
		}
		return nil, errBadRequest("bad_request", "could not read the request body")
	}
	return bytes.Clone(buf.Bytes()), nil
}

// decode reads the body as JSON into v. Unknown fields are ignored, as
// Svix's server does; malformed JSON is a 422 like Svix's.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &ValidationError{Detail: []ValidationItem{{Loc: []string{"body"}, Msg: "request body is empty, expected a JSON object", Type: "value_error.jsondecode"}}}
	}
	if err := checkUTF8(body); err != nil {
		return &ValidationError{Detail: []ValidationItem{{Loc: []string{"body"}, Msg: err.Error(), Type: "value_error.jsondecode"}}}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &ValidationError{Detail: []ValidationItem{{Loc: jsonErrorLoc(err), Msg: jsonErrorMsg(err), Type: "value_error.jsondecode"}}}
	}
	// A field the input type does not know is refused, not ignored (fields.go).
	var p problems
	unknownFields(&p, body, fieldsOf(reflect.TypeOf(v).Elem()))
	return p.err()
}

// checkUTF8 refuses a body that is not UTF-8, as JSON must be (RFC 8259
// section 8.1) and as Svix's parser requires. encoding/json would read
// such bytes in a string as U+FFFD without a word, and the payload, kept
// as received, would later be served as invalid JSON.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("the request body is not valid UTF-8: invalid byte 0x%02x at offset %d", body[i], i)
		}
		i += size
	}
	return errors.New("the request body is not valid UTF-8")
}

func jsonErrorLoc(err error) []string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return []string{"body", typeErr.Field}
	}
	return []string{"body"}
}

func jsonErrorMsg(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("expected %s, got JSON %s", typeErr.Type, typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", syntaxErr.Offset, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "invalid JSON: unexpected end of input"
	}
	return "invalid JSON: " + err.Error()
}

// Optional distinguishes a JSON field that is absent from one set to null,
// which PATCH needs: absent leaves a field alone, null clears it.
type Optional[T any] struct {
	Set   bool // the field was present
	Null  bool // the field was present and null
	Value T
}

// valued reports whether the field was set to a value, not to null.
func (o Optional[T]) valued() bool { return o.Set && !o.Null }

// notNull reports whether the field was set to a value. Set to null, which
// the field does not allow, it adds a problem at name and reports false.
func (o Optional[T]) notNull(p *problems, name string) bool {
	if o.Set && o.Null {
		p.add(name+" may not be null", name)
		return false
	}
	return o.Set
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}
