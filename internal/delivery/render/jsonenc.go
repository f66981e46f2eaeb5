package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"unicode/utf8"
)

// json encodes v as encoding/json's Encoder does with SetEscapeHTML(false),
// without its final newline: numbers as written, object keys sorted (a
// decoded object is a map), <, > and & not escaped. encoding/json builds
// the whole encoding in memory before returning any of it, so this
// writes the encoding itself and stops as soon as it passes the cap.
func (r *run) json(v any) (string, error) {
	e := jsonEncoder{run: r, max: min(MaxTemplateOutput, r.left)}
	if err := e.value(v); err != nil {
		return "", fmt.Errorf("json: %w", err)
	}
	return string(e.b), r.spend(len(e.b))
}

type jsonEncoder struct {
	run *run
	b   []byte
	max int
}

// full is the error for an encoding that passed max: the cap, or the
// run's budget when that is lower.
func (e *jsonEncoder) full() error {
	if e.max < MaxTemplateOutput {
		return ErrTooMuchMemory
	}
	return ErrValueTooLarge
}

func (e *jsonEncoder) value(v any) error {
	switch v := v.(type) {
	case nil:
		e.b = append(e.b, "null"...)
	case string:
		return e.string(v)
	case json.Number:
		if !json.Valid([]byte(v)) {
			return fmt.Errorf("invalid number literal %q", v)
		}
		e.b = append(e.b, v...)
	case map[string]any:
		return e.object(v)
	case []any:
		return e.list(v)
	default:
		if !scalar(reflect.ValueOf(v).Kind()) {
			return fmt.Errorf("cannot encode a value of type %T", v)
		}
		b, err := json.Marshal(v) // a number or a boolean: a few bytes
		if err != nil {
			return err
		}
		e.b = append(e.b, b...)
	}
	if len(e.b) > e.max {
		return e.full()
	}
	return nil
}

func (e *jsonEncoder) object(m map[string]any) error {
	if m == nil {
		e.b = append(e.b, "null"...)
		return nil
	}
	// The sorted keys are a string header (16 bytes) each.
	if err := e.run.charge(16 * len(m)); err != nil {
		return err
	}
	e.b = append(e.b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		if err := e.string(k); err != nil {
			return err
		}
		e.b = append(e.b, ':')
		if err := e.value(m[k]); err != nil {
			return err
		}
	}
	e.b = append(e.b, '}')
	return nil
}

func (e *jsonEncoder) list(l []any) error {
	if l == nil {
		e.b = append(e.b, "null"...)
		return nil
	}
	e.b = append(e.b, '[')
	for i, v := range l {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		if err := e.value(v); err != nil {
			return err
		}
	}
	e.b = append(e.b, ']')
	return nil
}

// string appends s quoted. Its encoding is at least len(s)+2 bytes, so a
// string that cannot fit is refused before it is escaped, and one that
// can grows by at most 6 times (\u00XX) while it is.
func (e *jsonEncoder) string(s string) error {
	if len(e.b)+len(s)+2 > e.max {
		return e.full()
	}
	e.b = appendJSONString(e.b, s)
	if len(e.b) > e.max {
		return e.full()
	}
	return nil
}

// appendJSONString quotes s as encoding/json does with HTML escaping
// off: \" \\ \b \f \n \r \t, other control characters as \u00XX,
// invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped (JavaScript
// reads them as line ends).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
