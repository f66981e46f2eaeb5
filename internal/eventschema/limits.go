package eventschema

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Limits of a submitted JSON Schema, checked before it is compiled. The
// compiler cannot be stopped once it runs, and its cost grows with the
// square of the number of subschemas and faster still with their depth:
// measured here, a 1 MiB schema of 20,000 small subschemas took 40 s, and
// 50 KiB of 5,000 nested "items" took 105 s and 250 GB of allocations.
// Every "pattern" becomes a regexp program that Go lets grow to 128 MiB:
// 300 patterns of "a{1000}" repeated 400 times held 6.7 GB. Any token may
// ask for a schema to be checked (generate-example), so these are a
// tenant's limits as much as an operator's.
const (
	maxSchemaDepth  = 32     // levels of JSON nesting
	maxSchemaNodes  = 4000   // objects, arrays and booleans (which may be schemas)
	maxPatternInsts = 5000   // regexp instructions of one pattern
	maxSchemaInsts  = 50_000 // of all the distinct patterns of a schema

	// maxSchemaErrorText bounds the compiler's error, which lists every
	// problem: one per pattern of a schema of thousands.
	maxSchemaErrorText = 2000
)

// cutLines cuts s to at most about n bytes, each line to a tenth of
// that, keeping its start and its end (the compiler quotes whole values
// before it says what is wrong with them), and says how many lines were
// left out.
func cutLines(s string, n int) string {
	if len(s) <= n {
		return s
	}
	var b strings.Builder
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if len(line) > n/10 {
			line = strings.ToValidUTF8(line[:n/20]+" ... "+line[len(line)-n/20:], "")
		}
		if b.Len()+len(line) > n {
			fmt.Fprintf(&b, "\n(%d more lines)", len(lines)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}

// checkSchemaSize refuses a decoded schema document deeper or larger
// than the limits, without recursing past the depth limit. Strings and
// numbers are not counted: they are never subschemas, and the compiler
// handles even 80,000 of them ("enum", "required") in a tenth of a second.
func checkSchemaSize(doc any) error {
	nodes := 0
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		switch v.(type) {
		case map[string]any, []any, bool:
		default:
			return nil
		}
		if nodes++; nodes > maxSchemaNodes {
			return fmt.Errorf("a JSON Schema may hold at most %d objects, arrays and booleans", maxSchemaNodes)
		}
		if depth > maxSchemaDepth {
			return fmt.Errorf("a JSON Schema may nest at most %d levels deep", maxSchemaDepth)
		}
		switch v := v.(type) {
		case map[string]any:
			for _, c := range v {
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
		case []any:
			for _, c := range v {
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(doc, 1)
}

// patternEngine is the compiler's regexp engine for one schema: it sizes
// a pattern's program from its parse tree before compiling it, refusing
// one too large alone or beside the schema's others. A pattern is
// compiled once however often the compiler asks (it does twice: checking
// the schema against its metaschema, then compiling).
type patternEngine struct {
	seen  map[string]*regexp.Regexp
	insts int
}

func newPatternEngine() *patternEngine {
	return &patternEngine{seen: map[string]*regexp.Regexp{}}
}

func (e *patternEngine) compile(pattern string) (jsonschema.Regexp, error) {
	if re, ok := e.seen[pattern]; ok {
		return re, nil
	}
	// What regexp.Compile parses with; parsing does not expand repeats.
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	n := patternSize(tree, maxPatternInsts)
	if n > maxPatternInsts {
		return nil, fmt.Errorf("pattern %.40q is too large: a pattern may compile to at most %d instructions", pattern, maxPatternInsts)
	}
	if e.insts += n; e.insts > maxSchemaInsts {
		return nil, fmt.Errorf("the patterns of a JSON Schema may compile to at most %d instructions together", maxSchemaInsts)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	e.seen[pattern] = re
	return re, nil
}

// patternSize is at least the number of instructions a pattern's
// parse tree compiles to, stopping past limit.
func patternSize(re *syntax.Regexp, limit int) int {
	return progSize(re, limit) + 2 // every program has a fail and a match
}

// progSize sizes re as the compiler does, each repeat expanded, stopping
// past limit.
func progSize(re *syntax.Regexp, limit int) int {
	sum := func(subs []*syntax.Regexp, n int) int {
		for _, s := range subs {
			if n += progSize(s, limit); n > limit {
				return n
			}
		}
		return n
	}
	switch re.Op {
	case syntax.OpLiteral:
		return max(len(re.Rune), 1)
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		// A star of something that may match empty compiles as (x+)?.
		return sum(re.Sub, 2)
	case syntax.OpConcat:
		return sum(re.Sub, 0)
	case syntax.OpAlternate:
		return sum(re.Sub, len(re.Sub))
	case syntax.OpRepeat:
		// x{n,m} is n copies of x, then m-n optional ones, each with a
		// split; x{n,} is n copies and a star.
		one := sum(re.Sub, 0)
		optional := re.Max - re.Min
		if re.Max < 0 {
			optional = 1
		}
		copies := re.Min + optional
		if copies > 0 && one+2 > limit/copies {
			return limit + 1
		}
		return re.Min*one + optional*(one+2) + 1
	}
	return 1 // a character class, an anchor, an empty match
}
