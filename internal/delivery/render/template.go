package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// Limits of one template execution. text/template cannot be interrupted
// from outside, so the bounds are checked from inside (see run): every
// value a function makes is sized before it is made, each is capped and
// all of them together are, the output is capped, and every iteration of
// a range counts a step and looks at the clock. Without range nothing
// repeats (define, block and template, the only way to recurse, are
// refused), so the template's own length bounds the rest.
const (
	MaxTemplateOutput = 256 << 10
	maxTemplateAlloc  = 16 * MaxTemplateOutput
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
	ErrValueTooLarge  = fmt.Errorf("template would make a value larger than %d bytes", MaxTemplateOutput)
	ErrTooMuchMemory  = fmt.Errorf("template would make more than %d bytes of values in one run", maxTemplateAlloc)
	ErrTooManySteps   = fmt.Errorf("template ran more than %d range iterations", maxSteps)
	ErrTooSlow        = fmt.Errorf("template ran longer than %s", maxDuration)
)

// Names of the functions the rewritten tree calls. They cannot clash with
// a user's: identifiers in templates may not start with a digit, and a
// user calling them does no harm.
const (
	tickFunc  = "_tick"
	printFunc = "_print"
	rangeFunc = "_range"
)

// compileFuncs names the functions for the parser. They are a run's with
// no budget: each execution sets its own.
var compileFuncs = (&run{}).funcs()

// Compiled is a parsed and checked delivery template, safe for
// concurrent use.
type Compiled struct {
	tmpl *template.Template
}

// CompileTemplate parses src and rewrites it so it runs within the limits
// above: define, block and template are refused; each output action
// prints through _print, so a missing key prints nothing instead of
// "<no value>"; each range body starts with _tick, which counts, and
// each range pipeline ends with _range, which checks what is ranged over.
func CompileTemplate(src string) (*Compiled, error) {
	t, err := template.New("delivery").Funcs(compileFuncs).Parse(src)
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
		n.Pipe.Cmds = append(n.Pipe.Cmds, call(tr, n.Pos, rangeFunc))
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
	t.Funcs(newRun().funcs())
	w := cappedWriter{max: MaxTemplateOutput}
	if err := t.Execute(&w, data); err != nil {
		return nil, shorten(err) // text/template says "template: " and where
	}
	return w.buf, nil
}

// maxErrorText bounds an error's text: text/template quotes the whole
// action that failed, which may be most of a 64 KiB template, and the
// text is kept with every failed attempt.
const maxErrorText = 512

// shortError is an error whose text was cut in the middle, keeping where
// it happened and why; errors.Is still sees the cause.
type shortError struct {
	msg string
	err error
}

func (e *shortError) Error() string { return e.msg }
func (e *shortError) Unwrap() error { return e.err }

func shorten(err error) error {
	msg := err.Error()
	if len(msg) <= maxErrorText {
		return err
	}
	head, tail := msg[:maxErrorText/2], msg[len(msg)-maxErrorText/2:]
	return &shortError{msg: strings.ToValidUTF8(head+" ... "+tail, ""), err: err}
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
