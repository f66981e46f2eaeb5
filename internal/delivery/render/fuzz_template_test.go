package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/webhook"
)

// FuzzTemplate runs templates made of the allowed functions over the
// hostile payload and checks that none allocates more than allocCeiling,
// whatever it does, and that none panics or outputs past the cap. A
// template is src followed by what prog generates: the seeds give src
// the shapes known to blow up without the budget; prog drives a
// generator of nested calls, ranges, conditions and variables.
func FuzzTemplate(f *testing.F) {
	rep := strings.Repeat
	for _, src := range []string{
		`{{printf "` + rep("%[1]s", 2000) + `" .payload.s}}`,
		`{{print` + rep(" .payload.s", 500) + `}}`,
		`{{println` + rep(" .payload.half", 500) + `}}`,
		`{{json .payload}}`,
		`{{printf "%[1]s%[1]s" (printf "%[1]s%[1]s" (printf "%[1]s%[1]s" .payload.half))}}`,
		`{{range .payload.list}}{{printf "%[1]s%[1]s" $.payload.s}}{{end}}`,
		`{{range 100000}}{{$x := printf "%s." $.payload.half}}{{end}}`,
		`{{join .payload.s .payload.list}}`,
		`{{printf "%999999v" .payload.list}}`,
		`{{printf .payload.fmt .payload.s}}`,
		`{{range .payload.obj}}{{range $.payload.obj}}{{end}}{{end}}`,
		`{{urlquery .payload.half .payload.half}}{{html .payload.s}}`,
	} {
		f.Add(src, []byte(nil))
	}
	f.Add("", []byte("\x90\x01\x05\xc8\x00\x03\x02\x07\x30\xff\x10"))
	f.Add("", []byte("\x92\x64\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"))
	f.Fuzz(func(t *testing.T, src string, prog []byte) {
		src += generateTemplate(prog)
		if len(src) > webhook.MaxTemplateLength {
			return // refused when saved
		}
		c, err := CompileTemplate(src)
		if err != nil {
			return
		}
		data := hostileData()
		before := heapAllocated()
		out, err := c.Execute(data)
		if allocated := heapAllocated() - before; allocated > allocCeiling {
			t.Fatalf("Execute(%.200q) allocated %d MiB, want at most %d MiB (err %.200v)", src, allocated>>20, allocCeiling>>20, err)
		}
		if err == nil && len(out) > MaxTemplateOutput {
			t.Fatalf("Execute(%.200q) = %d bytes, more than the cap", src, len(out))
		}
	})
}

// templateGen turns bytes into a template: each byte picks the next
// piece, so that every input is a template of the allowed functions.
type templateGen struct {
	in    []byte
	b     strings.Builder
	depth int
}

func generateTemplate(prog []byte) string {
	if len(prog) == 0 {
		return ""
	}
	g := &templateGen{in: prog}
	g.b.WriteString(`{{$v := .payload.half}}`)
	g.body(64)
	return g.b.String()
}

func (g *templateGen) next() int {
	if len(g.in) == 0 {
		return 0
	}
	c := int(g.in[0])
	g.in = g.in[1:]
	return c
}

func (g *templateGen) pick(from []string) string { return from[g.next()%len(from)] }

var (
	genOperands = []string{`.payload.s`, `.payload.half`, `.payload.list`, `.payload.obj`, `.payload.deep`,
		`.payload`, `$`, `.payload.n`, `"x"`, `"%[1]s%[1]s"`, `7`, `999999`, `1.5`, `true`, `.`, `$v`, `.msgId`, `.payload.missing`}
	genVerbs = []string{`%[1]s`, `%v`, `%x`, `% #x`, `%q`, `%#v`, `%08d`, `%-20s`, `%0999999[1]d`, `%999999v`,
		`%%`, `%[2]v`, `%s`, `%e`, `%.300f`, `%+q`, `%[1]v`, `,`}
	genFuncs1    = []string{"json", "urlquery", "html", "js", "lower", "upper", "trim", "len", "print", "println"}
	genFuncsMany = []string{"print", "println", "urlquery", "html", "js"}
	genRanges    = []string{`.payload.list`, `.payload.obj`, `$.payload.list`, `$.payload.obj`, `100000`, `3`, `.payload.s`, `.payload.deep`}
)

// expr is an operand or a call, nested at most four deep.
func (g *templateGen) expr() string {
	g.depth++
	defer func() { g.depth-- }()
	c := g.next()
	if g.depth > 4 || c < 96 {
		return g.pick(genOperands)
	}
	switch c % 6 {
	case 0:
		var format strings.Builder
		for n := 1 + g.next()%64; n > 0; n-- {
			format.WriteString(g.pick(genVerbs))
		}
		return fmt.Sprintf(`(printf %q %s %s)`, format.String(), g.expr(), g.expr())
	case 1:
		return "(" + g.pick(genFuncs1) + " " + g.expr() + ")"
	case 2:
		call := "(" + g.pick(genFuncsMany)
		for n := 1 + g.next()%100; n > 0; n-- {
			call += " " + g.pick(genOperands)
		}
		return call + ")"
	case 3:
		return "(join " + g.expr() + " " + g.expr() + ")"
	case 4:
		return "(default " + g.expr() + " " + g.expr() + ")"
	}
	return "(slice " + g.expr() + ")"
}

// body writes up to n pieces: output, assignment, range, if, with, text;
// a piece may repeat up to 256 times.
func (g *templateGen) body(n int) {
	for ; n > 0 && len(g.in) > 0 && g.b.Len() < webhook.MaxTemplateLength; n-- {
		c := g.next()
		times := 1
		if c >= 224 {
			times = 1 + g.next()
		}
		var piece string
		switch c % 6 {
		case 0:
			piece = "{{" + g.expr() + "}}"
		case 1:
			piece = "{{$v = " + g.expr() + "}}"
		case 2:
			g.b.WriteString("{{range $i, $e := " + g.pick(genRanges) + "}}")
			g.body(1 + g.next()%4)
			g.b.WriteString("{{end}}")
			continue
		case 3:
			g.b.WriteString("{{if " + g.expr() + "}}")
			g.body(1 + g.next()%3)
			g.b.WriteString("{{else}}")
			g.body(1 + g.next()%3)
			g.b.WriteString("{{end}}")
			continue
		case 4:
			g.b.WriteString("{{with " + g.expr() + "}}")
			g.body(1 + g.next()%3)
			g.b.WriteString("{{end}}")
			continue
		default:
			piece = "text,"
		}
		g.b.WriteString(strings.Repeat(piece, times))
	}
}
