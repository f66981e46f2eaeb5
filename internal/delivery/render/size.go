package render

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// The values a template handles are the decoded payload (map[string]any,
// []any, string, json.Number, bool, nil), the constants of the template
// (strings, numbers, booleans) and what functions return (strings,
// numbers, booleans). These functions size their printed form without
// building it, so a function can refuse before it allocates.

// argLen is the length of a as one operand of fmt.Sprint, a missing
// value (nil) counting as nothing. It stops counting past limit, and is
// an error for a type a template cannot print.
func argLen(a any, limit int) (int, error) {
	if a == nil {
		return 0, nil
	}
	n := textLen(a, limit)
	if n < 0 {
		return 0, fmt.Errorf("cannot print a value of type %T", a)
	}
	return n, nil
}

// textLen is len(fmt.Sprint(v)), counted without printing; past limit it
// returns a number above limit (not the exact length); -1 for a type
// outside those a template handles.
func textLen(v any, limit int) int {
	switch v := v.(type) {
	case string:
		return len(v)
	case json.Number:
		return len(v)
	case nil:
		return len("<nil>") // only inside a list or an object
	case bool:
		if v {
			return len("true")
		}
		return len("false")
	case map[string]any:
		n := len("map[]")
		first := true
		for k, e := range v {
			if !first {
				n++ // the space between entries
			}
			first = false
			m := textLen(e, limit-n)
			if m < 0 {
				return -1
			}
			if n += len(k) + 1 + m; n > limit {
				return n
			}
		}
		return n
	case []any:
		n := len("[]")
		for i, e := range v {
			if i > 0 {
				n++
			}
			m := textLen(e, limit-n)
			if m < 0 {
				return -1
			}
			if n += m; n > limit {
				return n
			}
		}
		return n
	}
	if scalar(reflect.ValueOf(v).Kind()) {
		// A number or a boolean of some other type: a few dozen bytes.
		return len(fmt.Sprint(v))
	}
	return -1
}

// scalar reports whether k prints in a bounded number of bytes.
func scalar(k reflect.Kind) bool {
	switch k {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	}
	return false
}

// appendText appends a as fmt.Sprint prints it alone, nil as nothing.
func appendText(b []byte, a any) []byte {
	switch a := a.(type) {
	case string:
		return append(b, a...)
	case json.Number:
		return append(b, a...)
	case nil:
		return b
	}
	return fmt.Append(b, a)
}
