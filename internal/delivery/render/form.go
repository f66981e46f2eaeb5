package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
)

// MaxFormBody bounds a form body. Flattening repeats each key's path for
// every leaf under it, so a small payload with long keys and many leaves
// could otherwise grow many times over.
const MaxFormBody = 1 << 20

// maxFormDepth bounds nesting: the brackets of a deeper key are not
// something a form parser on the other side is likely to take.
const maxFormDepth = 64

// Form flattens a JSON object into application/x-www-form-urlencoded,
// keeping the payload's key order: `{"contact":{"email":"a@b.c"},
// "tags":["x"]}` becomes `contact[email]=a%40b.c&tags[0]=x`. Names and
// values are escaped with url.QueryEscape (so a bracket inside a key is
// %5B and cannot be mistaken for nesting); the brackets added for nesting
// are not escaped. Strings are sent unquoted, numbers as written in the
// JSON, true and false as such, null as an empty value; an empty object
// or array adds nothing. A payload that is not an object is an error.
func Form(payload []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("form: payload is not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("form: the payload must be a JSON object to be sent as a form, got %s", kind(tok))
	}
	// About the payload's size, but never more than the cap: a server
	// may take payloads far larger than a form body may be.
	f := formWriter{dec: dec, out: make([]byte, 0, min(len(payload)+len(payload)/4, MaxFormBody))}
	if err := f.members(1, true); err != nil {
		return nil, fmt.Errorf("form: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("form: the payload has data after its object")
	}
	return f.out, nil
}

// formWriter walks the decoder's tokens, keeping the current key path in
// key so each leaf appends its name without building strings per level.
type formWriter struct {
	dec *json.Decoder
	key []byte
	out []byte
}

// members walks an object's members or an array's elements up to its
// closing delimiter, adding each one's part to the key path while its
// value is written.
func (f *formWriter) members(depth int, object bool) error {
	if depth > maxFormDepth {
		return fmt.Errorf("the payload nests deeper than %d levels", maxFormDepth)
	}
	for i := 0; f.dec.More(); i++ {
		n := len(f.key)
		if object {
			tok, err := f.dec.Token()
			if err != nil {
				return err
			}
			name, _ := tok.(string) // the decoder only gives strings as object keys
			if depth == 1 {
				f.key = append(f.key, url.QueryEscape(name)...)
			} else {
				f.key = append(append(append(f.key, '['), url.QueryEscape(name)...), ']')
			}
		} else {
			f.key = append(strconv.AppendInt(append(f.key, '['), int64(i), 10), ']')
		}
		if err := f.value(depth); err != nil {
			return err
		}
		f.key = f.key[:n]
	}
	_, err := f.dec.Token() // the closing brace or bracket
	return err
}

func (f *formWriter) value(depth int) error {
	tok, err := f.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		return f.members(depth+1, v == '{')
	case string:
		return f.pair(url.QueryEscape(v))
	case json.Number:
		return f.pair(url.QueryEscape(string(v)))
	case bool:
		return f.pair(strconv.FormatBool(v))
	default: // nil: JSON null
		return f.pair("")
	}
}

func (f *formWriter) pair(value string) error {
	if len(f.out) > 0 {
		f.out = append(f.out, '&')
	}
	f.out = append(append(append(f.out, f.key...), '='), value...)
	if len(f.out) > MaxFormBody {
		return fmt.Errorf("the form body is larger than %d bytes", MaxFormBody)
	}
	return nil
}

// kind names a JSON token's type for an error text.
func kind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}
