package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// Limits of one template execution. text/template cannot be interrupted
// from outside, so the bounds are checked from inside: every value a
// function makes and the output are capped in size, and every iteration
// of a range counts a step and looks at the clock. Without range nothing
// repeats (define, block and template, the only way to recurse, are
// refused), so the template's own length bounds the rest.
const (
	MaxTemplateOutput = 256 << 10
	maxSteps          = 100_000
	maxDuration       = time.Second
)

// timeLimit is maxDuration, a variable so that the tests of the step limit
// can take the clock out of the race: under the race detector on a busy
// machine 100,000 steps may take longer than a second.
var timeLimit = maxDuration

// Template errors that are the template's fault, for tests and callers
// that tell them apart.
var (
	ErrOutputTooLarge = fmt.Errorf("template output is larger than %d bytes", MaxTemplateOutput)
	ErrTooManySteps   = fmt.Errorf("template ran more than %d range iterations", maxSteps)
	ErrTooSlow        = fmt.Errorf("template ran longer than %s", maxDuration)
)

// Names of the functions the rewritten tree calls. They cannot clash with
// a user's: identifiers in templates may not start with a digit, and a
// user calling them does no harm.
const (
	tickFunc  = "_tick"
	printFunc = "_print"
)

// funcs is the whole function set a template may use besides the
// comparison and logic builtins (and, or, not, eq, ne, lt, le, gt, ge,
// index, slice, len). Each is free of side effects and caps what it
// returns; builtins that would not (call, print, printf, println, html,
// js, urlquery) are replaced here.
var funcs = template.FuncMap{
	"urlquery": func(args ...any) (string, error) { return capped(url.QueryEscape(text(args))) },
	"html":     func(args ...any) (string, error) { return capped(template.HTMLEscapeString(text(args))) },
	"js":       func(args ...any) (string, error) { return capped(template.JSEscapeString(text(args))) },
	"print":    func(args ...any) (string, error) { return capped(text(args)) },
	"println":  func(args ...any) (string, error) { return capped(fmt.Sprintln(args...)) },
	"printf":   func(format string, args ...any) (string, error) { return capped(fmt.Sprintf(format, args...)) },
	"json":     jsonFunc,
	"default":  defaultFunc,
	"lower":    func(v any) (string, error) { return capped(strings.ToLower(text([]any{v}))) },
	"upper":    func(v any) (string, error) { return capped(strings.ToUpper(text([]any{v}))) },
	"trim":     func(v any) string { return strings.TrimSpace(text([]any{v})) },
	"join":     joinFunc,
	"call": func(...any) (string, error) {
		return "", errors.New("call is not available in delivery templates")
	},
	printFunc: func(v any) string { return text([]any{v}) },
	tickFunc:  func() (string, error) { return "", errors.New("internal: template run without a budget") },
}

// Compiled is a parsed and checked delivery template, safe for
// concurrent use.
type Compiled struct {
	tmpl *template.Template
}

// CompileTemplate parses src and rewrites it so it runs within the limits
// above: define, block and template are refused; each output action
// prints through _print, so a missing key prints nothing instead of
// "<no value>"; each range body starts with _tick, which counts.
func CompileTemplate(src string) (*Compiled, error) {
	t, err := template.New("delivery").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, err // text/template says "template: " and where
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("template: define and block are not available in delivery templates")
	}
	if err := guard(t.Tree, t.Tree.Root); err != nil {
		return nil, err
	}
	return &Compiled{tmpl: t}, nil
}

// guard walks a parsed tree and rewrites it in place (see CompileTemplate).
func guard(tr *parse.Tree, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := guard(tr, c); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		if len(n.Pipe.Decl) == 0 {
			n.Pipe.Cmds = append(n.Pipe.Cmds, call(tr, n.Pos, printFunc))
		}
	case *parse.IfNode:
		return guardBranch(tr, &n.BranchNode)
	case *parse.WithNode:
		return guardBranch(tr, &n.BranchNode)
	case *parse.RangeNode:
		if err := guardBranch(tr, &n.BranchNode); err != nil {
			return err
		}
		tick := &parse.ActionNode{NodeType: parse.NodeAction, Pos: n.Pos, Line: n.Line, Pipe: &parse.PipeNode{
			NodeType: parse.NodePipe, Pos: n.Pos, Line: n.Line, Cmds: []*parse.CommandNode{call(tr, n.Pos, tickFunc)},
		}}
		n.List.Nodes = append([]parse.Node{tick}, n.List.Nodes...)
	case *parse.TemplateNode:
		loc, _ := tr.ErrorContext(n)
		return fmt.Errorf("%s: {{template}} is not available in delivery templates", loc)
	}
	return nil
}

func guardBranch(tr *parse.Tree, b *parse.BranchNode) error {
	if err := guard(tr, b.List); err != nil {
		return err
	}
	return guard(tr, b.ElseList)
}

// call is a pipeline command calling the function name.
func call(tr *parse.Tree, pos parse.Pos, name string) *parse.CommandNode {
	return &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos,
		Args: []parse.Node{parse.NewIdentifier(name).SetTree(tr).SetPos(pos)}}
}

// Data is what a template sees: {{.eventType}}, {{.msgId}},
// {{.timestamp}} (unix seconds, the webhook-timestamp header) and
// {{.payload}}, the payload decoded with numbers kept as written.
func Data(msgID, eventType string, timestamp int64, payload []byte) (map[string]any, error) {
	var p any
	if len(payload) > 0 {
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("template: decode payload: %w", err)
		}
	}
	return map[string]any{
		"eventType": eventType,
		"msgId":     msgID,
		// A json.Number rather than an int: it prints the same, and a
		// template cannot range over it.
		"timestamp": json.Number(fmt.Sprint(timestamp)),
		"payload":   p,
	}, nil
}

// Execute runs the template over data within the limits.
func (c *Compiled) Execute(data map[string]any) ([]byte, error) {
	t, err := c.tmpl.Clone()
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	start, steps := time.Now(), 0
	t.Funcs(template.FuncMap{tickFunc: func() (string, error) {
		steps++
		switch {
		case steps > maxSteps:
			return "", ErrTooManySteps
		case time.Since(start) > timeLimit:
			return "", ErrTooSlow
		}
		return "", nil
	}})
	w := cappedWriter{max: MaxTemplateOutput}
	if err := t.Execute(&w, data); err != nil {
		return nil, err // text/template says "template: " and where
	}
	return w.buf, nil
}

// cappedWriter keeps what is written until max bytes, then fails.
type cappedWriter struct {
	buf []byte
	max int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if len(w.buf)+len(p) > w.max {
		return 0, ErrOutputTooLarge
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// text prints values as a template would, except that a missing value
// (nil) prints nothing.
func text(args []any) string {
	if len(args) == 1 {
		switch v := args[0].(type) {
		case string:
			return v
		case json.Number:
			return string(v)
		case nil:
			return ""
		}
	}
	for i, a := range args {
		if a == nil {
			args[i] = ""
		}
	}
	return fmt.Sprint(args...)
}

func capped(s string) (string, error) {
	if len(s) > MaxTemplateOutput {
		return "", ErrOutputTooLarge
	}
	return s, nil
}

// jsonFunc encodes v as JSON: numbers as written, object keys sorted
// (the decoded payload is a Go map), <, > and & not escaped.
func jsonFunc(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return capped(strings.TrimSuffix(b.String(), "\n"))
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

// joinFunc joins a list's items, each printed as text, with sep.
func joinFunc(sep string, list any) (string, error) {
	var parts []string
	switch l := list.(type) {
	case nil:
	case []any:
		parts = make([]string, len(l))
		for i, v := range l {
			parts[i] = text([]any{v})
		}
	case []string:
		parts = l
	default:
		return "", fmt.Errorf("join: %T is not a list", list)
	}
	return capped(strings.Join(parts, sep))
}
