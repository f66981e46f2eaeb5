package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"text/template"
	"time"
)

// run is one execution of a template: the functions the template calls
// are its methods, so that everything they make counts against the same
// budget. A template cannot be stopped from outside, and a capped writer
// sees nothing of what a function builds in memory (fmt builds its whole
// output before writing a byte of it), so every function sizes what it
// is about to make and refuses before building it:
//
//   - no value a function makes is larger than MaxTemplateOutput;
//   - all the values one run makes together are at most maxTemplateAlloc
//     bytes, which bounds what variables can hold and what loops can
//     churn through;
//   - the output is capped by cappedWriter, range iterations by _tick.
type run struct {
	start time.Time
	steps int
	left  int // bytes the functions may still make
}

// newRun starts a run with the whole budget. A zero run has none: every
// function that makes something fails, which is what the function set
// used at compile time gives a template run without its own.
func newRun() *run { return &run{start: time.Now(), left: maxTemplateAlloc} }

// funcs is the whole function set a template may use besides the
// comparison and logic builtins (and, or, not, eq, ne, lt, le, gt, ge,
// index, slice, len), which make nothing. The builtins that would build
// strings of any size (print, printf, println, html, js, urlquery) are
// replaced here (text/template looks a template's own functions up
// before its builtins), and call is refused.
func (r *run) funcs() template.FuncMap {
	return template.FuncMap{
		"urlquery": r.escaper(url.QueryEscape),
		"html":     r.escaper(template.HTMLEscapeString),
		"js":       r.escaper(template.JSEscapeString),
		"print":    func(args ...any) (string, error) { return r.sprint(args, false) },
		"println":  func(args ...any) (string, error) { return r.sprint(args, true) },
		"printf":   r.sprintf,
		"json":     r.json,
		"default":  defaultFunc,
		"lower":    r.mapper(strings.ToLower),
		"upper":    r.mapper(strings.ToUpper),
		"trim":     r.trim,
		"join":     r.join,
		"call": func(...any) (string, error) {
			return "", errors.New("call is not available in delivery templates")
		},
		printFunc: r.text,
		tickFunc:  r.tick,
		rangeFunc: r.rangeOver,
	}
}

// charge takes n bytes from the run's budget, or fails without taking
// any when fewer are left.
func (r *run) charge(n int) error {
	if n > r.left {
		return ErrTooMuchMemory
	}
	r.left -= n
	return nil
}

// spend charges a value of n bytes the run is about to make.
func (r *run) spend(n int) error {
	if n > MaxTemplateOutput {
		return ErrValueTooLarge
	}
	return r.charge(n)
}

// tick counts one range iteration and looks at the clock.
func (r *run) tick() (string, error) {
	r.steps++
	switch {
	case r.steps > maxSteps:
		return "", ErrTooManySteps
	case time.Since(r.start) > timeLimit:
		return "", ErrTooSlow
	}
	return "", nil
}

// rangeOver is the last command of every range pipeline. Ranging over a
// map makes a sorted copy of its keys and values, which it charges; a
// value that cannot be ranged over is refused naming its type, where
// text/template would print the whole value into the error.
func (r *run) rangeOver(v any) (any, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		// fmtsort.Sort holds a key and a value (reflect.Value, 24 bytes
		// each) per entry.
		return v, r.charge(48 * rv.Len())
	case reflect.Invalid, reflect.Slice, reflect.Array,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v, nil
	}
	return nil, fmt.Errorf("range can't iterate over a %s", typeName(v))
}

// text prints one value as an output action does, except that a missing
// value (nil) prints nothing. A string is returned as it is, without a
// copy; anything else is sized before it is printed.
func (r *run) text(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return string(v), nil
	case nil:
		return "", nil
	}
	n, err := argLen(v, MaxTemplateOutput)
	if err != nil {
		return "", err
	}
	if err := r.spend(n); err != nil {
		return "", err
	}
	return fmt.Sprint(v), nil
}

// sprint is fmt.Sprint (fmt.Sprintln with ln), sized before it is built.
// Sprint prints a missing value (nil) as nothing, Sprintln as <nil>, as
// the template functions always did.
func (r *run) sprint(args []any, ln bool) (string, error) {
	if len(args) == 1 && !ln {
		return r.text(args[0])
	}
	n, prevString := 0, false
	for i, a := range args {
		isString := a == nil && !ln || reflect.TypeOf(a) != nil && reflect.TypeOf(a).Kind() == reflect.String
		// fmt's rule: Sprintln separates every operand, Sprint only two
		// that are not strings.
		if i > 0 && (ln || !isString && !prevString) {
			n++
		}
		prevString = isString
		m, err := r.operandLen(a, ln, MaxTemplateOutput-n)
		if err != nil {
			return "", err
		}
		if n += m; n > MaxTemplateOutput {
			return "", ErrValueTooLarge
		}
	}
	if ln {
		n++
	}
	if err := r.spend(n); err != nil {
		return "", err
	}
	b := make([]byte, 0, n)
	if ln {
		b = fmt.Appendln(b, args...)
	} else {
		b = fmt.Append(b, noNils(args)...)
	}
	return string(b), nil
}

// operandLen is the size of one operand of sprint.
func (r *run) operandLen(a any, ln bool, limit int) (int, error) {
	if a == nil && ln {
		return len("<nil>"), nil
	}
	return argLen(a, limit)
}

// noNils replaces missing values by "" in place.
func noNils(args []any) []any {
	for i, a := range args {
		if a == nil {
			args[i] = ""
		}
	}
	return args
}

// escaper wraps an escaping function, which never makes its input
// shorter: input past the cap is refused before anything is escaped.
func (r *run) escaper(escape func(string) string) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		s, err := r.sprint(args, false)
		if err != nil {
			return "", err
		}
		if len(s) > MaxTemplateOutput {
			return "", ErrValueTooLarge
		}
		out := escape(s)
		return out, r.spend(len(out))
	}
}

// mapper wraps a function that maps text to text of about its size
// (lower, upper).
func (r *run) mapper(fn func(string) string) func(any) (string, error) {
	return func(v any) (string, error) {
		s, err := r.text(v)
		if err != nil {
			return "", err
		}
		if len(s) > MaxTemplateOutput {
			return "", ErrValueTooLarge
		}
		out := fn(s)
		return out, r.spend(len(out))
	}
}

// trim removes surrounding white space; it makes no new string.
func (r *run) trim(v any) (string, error) {
	s, err := r.text(v)
	return strings.TrimSpace(s), err
}

// join joins a list's items, each printed as text, with sep, sized
// before it is built (a long separator between many items is the
// quickest way to a large string).
func (r *run) join(sep string, list any) (string, error) {
	var items []any
	switch l := list.(type) {
	case nil:
		return "", nil
	case []any:
		items = l
	case []string:
		items = make([]any, len(l))
		for i, s := range l {
			items[i] = s
		}
	default:
		return "", fmt.Errorf("join: %s is not a list", typeName(list))
	}
	n := 0
	for i, it := range items {
		if i > 0 {
			n += len(sep)
		}
		m, err := argLen(it, MaxTemplateOutput-n)
		if err != nil {
			return "", err
		}
		if n += m; n > MaxTemplateOutput {
			return "", ErrValueTooLarge
		}
	}
	if err := r.spend(n); err != nil {
		return "", err
	}
	b := make([]byte, 0, n)
	for i, it := range items {
		if i > 0 {
			b = append(b, sep...)
		}
		b = appendText(b, it)
	}
	return string(b), nil
}

// defaultFunc returns v, or def when v is missing, null, "" or an empty
// list or object; false and 0 are values and are kept.
func defaultFunc(def, v any) any {
	if v == nil {
		return def
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String || rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map {
		if rv.Len() == 0 {
			return def
		}
	}
	return v
}

// typeName names a value's type for an error, as the JSON it came from
// would call it where it can.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}
