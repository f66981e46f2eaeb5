package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// sprintf is fmt.Sprintf with every operand sized before it is printed.
// fmt builds its whole result in a buffer of its own before anyone sees a
// byte, and one format may print one operand any number of times
// ("%[1]s%[1]s..."), so each operand is handed to fmt wrapped in a
// formatArg, whose Format fmt calls for every verb: it sizes that one
// verb's output, refuses it when the run cannot afford it, and stops
// printing once the result passes the cap. fmt's own parsing of the
// format is kept, so what prints is exactly what fmt.Sprintf prints,
// except that the few directives that would show the wrapper are
// refused (see checkFormat).
func (r *run) sprintf(format string, args ...any) (string, error) {
	if len(format) > MaxTemplateOutput {
		return "", ErrValueTooLarge
	}
	if err := checkFormat(format, len(args)); err != nil {
		return "", err
	}
	p := &printfRun{run: r}
	wrapped := make([]any, len(args))
	for i, a := range args {
		wrapped[i] = formatArg{v: a, p: p}
	}
	out := fmt.Sprintf(format, wrapped...)
	if p.err != nil {
		return "", p.err
	}
	return out, r.spend(len(out))
}

// printfRun is what one sprintf has printed so far.
type printfRun struct {
	run  *run
	made int
	err  error
}

// formatArg is an operand of sprintf; see there.
type formatArg struct {
	v any
	p *printfRun
}

// Format prints the operand for one verb, if the run can afford it.
func (a formatArg) Format(f fmt.State, verb rune) {
	p := a.p
	if p.err != nil {
		return // the result is thrown away: print nothing more into it
	}
	// The result so far and this verb's output are both in memory.
	limit := p.run.left - p.made
	bound := formatBound(a.v, verb, f, limit)
	switch {
	case bound < 0:
		p.err = fmt.Errorf("printf: cannot print a value of type %T", a.v)
		return
	case bound > limit:
		p.err = ErrTooMuchMemory
		return
	}
	w := countWriter{w: f}
	_, _ = fmt.Fprintf(&w, fmt.FormatString(f, verb), a.v)
	if p.made += w.n; p.made > MaxTemplateOutput {
		p.err = ErrValueTooLarge
	}
}

// countWriter counts what passes through it.
type countWriter struct {
	w io.Writer
	n int
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += n
	return n, err
}

// Errors of formats whose output would show the wrapping of operands.
var (
	errFormatStar  = errors.New("printf: * for a width or precision is not available in delivery templates; write the number in the format")
	errFormatType  = errors.New("printf: %T and %p are not available in delivery templates")
	errFormatExtra = "printf: %d operands but the format uses %d; remove the extra ones"
)

// checkFormat refuses the directives whose output would differ from
// fmt.Sprintf's on the plain operands: %T and %p (they would print the
// wrapper's type and address), * (fmt takes a width only from an int,
// not from a wrapper) and operands left over without [n] indexes (fmt
// would print "%!(EXTRA render.formatArg=...)"). It reads the directives
// as fmt does: '%', flags, width, precision and [n] indexes, then a verb.
func checkFormat(format string, nargs int) error {
	verbs, indexed := 0, false
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.[]*", format[i]) >= 0 {
			switch format[i] {
			case '*':
				return errFormatStar
			case '[':
				indexed = true
			}
			i++
		}
		if i == len(format) {
			break // "%!(NOVERB)"
		}
		switch format[i] {
		case '%':
			continue
		case 'T', 'p':
			return errFormatType
		}
		verbs++
	}
	if !indexed && nargs > verbs {
		return fmt.Errorf(errFormatExtra, nargs, verbs)
	}
	return nil
}

// formatBound is at least the length fmt prints v with for one verb with
// f's flags, width and precision; past limit it returns a number above
// limit (and stops walking v); -1 for a type outside those a template
// handles. It is exact enough for the common verbs that a
// result fitting the cap is not refused, and never below the truth:
//
//   - a string's bytes print at most 5 times over (% #x: "0x41 ");
//     %q and %#v quote them, at most 4 (\x00); %s and %v, once;
//   - every leaf may be padded to the width and, for numbers, extended
//     to the precision (fmt refuses either above 1e6), and wrapped as a
//     bad verb (%!d(string=...)) or a Go-syntax type (interface {}(nil));
//   - every list and object adds its brackets or type name and its
//     separators.
func formatBound(v any, verb rune, f fmt.State, limit int) int {
	w, _ := f.Width()
	prec, _ := f.Precision()
	perByte := 4
	switch {
	case (verb == 'v' || verb == 's') && !f.Flag('#'):
		perByte = 1
	case verb == 'x' || verb == 'X':
		perByte = 5
	}
	return leafBound(v, perByte, w+prec, limit)
}

// leafOverhead covers what fmt adds around one leaf: quotes, 0x, a bad
// verb's %!d(json.Number=...), %#v's interface {}(nil).
const leafOverhead = 32

func leafBound(v any, perByte, pad, limit int) int {
	switch v := v.(type) {
	case string:
		return perByte*len(v) + leafOverhead + pad
	case json.Number:
		return perByte*len(v) + leafOverhead + pad
	case nil, bool:
		return leafOverhead + pad
	case map[string]any:
		n := leafOverhead // map[string]interface {}{ and }
		for k, e := range v {
			m := leafBound(e, perByte, pad, limit-n)
			if m < 0 {
				return -1
			}
			if n += perByte*len(k) + leafOverhead + pad + m + 4; n > limit { // 4: ": " and ", "
				return n
			}
		}
		return n
	case []any:
		n := leafOverhead
		for _, e := range v {
			m := leafBound(e, perByte, pad, limit-n)
			if m < 0 {
				return -1
			}
			if n += m + 2; n > limit {
				return n
			}
		}
		return n
	}
	if scalar(reflect.ValueOf(v).Kind()) {
		// The longest number fmt prints: %f of 1e308 is 309 digits, a
		// complex number two of them, plus the precision's zeros.
		return 2*(400+pad) + leafOverhead
	}
	return -1
}
