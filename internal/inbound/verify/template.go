package verify

import (
	"fmt"
	"io"
	"strings"
)

// A template is what the generic HMAC is computed over: literal text and
// parts of the request. "{" always opens a part; there is no escape, as no
// provider we know signs a literal brace.
type template []part

type part struct {
	kind   partKind
	text   string // the literal, or the header name of partHeader
	source string // the part as written, for diagnosis
}

type partKind int

const (
	partLiteral partKind = iota
	partBody
	partTimestamp
	partMethod
	partPath
	partQuery
	partHeader
)

var partNames = map[string]partKind{
	"body": partBody, "timestamp": partTimestamp, "method": partMethod,
	"path": partPath, "query": partQuery,
}

// parseTemplate parses a template; "" is "{body}".
func parseTemplate(s string) (template, error) {
	if s == "" {
		s = "{body}"
	}
	var t template
	for s != "" {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			t = append(t, part{kind: partLiteral, text: s, source: s})
			break
		}
		if open > 0 {
			t = append(t, part{kind: partLiteral, text: s[:open], source: s[:open]})
		}
		closing := strings.IndexByte(s[open:], '}')
		if closing < 0 {
			return nil, fmt.Errorf("%q opens a part with { but never closes it", s[open:])
		}
		name := s[open+1 : open+closing]
		p := part{source: s[open : open+closing+1]}
		if h, ok := strings.CutPrefix(name, "header:"); ok {
			if !isToken(h) {
				return nil, fmt.Errorf("%s: %q is not a header name", p.source, h)
			}
			p.kind, p.text = partHeader, h
		} else if k, ok := partNames[name]; ok {
			p.kind = k
		} else {
			return nil, fmt.Errorf("unknown part %s: the parts are {body}, {timestamp}, {method}, {path}, {query} and {header:Name}", p.source)
		}
		t = append(t, p)
		s = s[open+closing+1:]
	}
	return t, nil
}

func (t template) hasTimestamp() bool {
	for _, p := range t {
		if p.kind == partTimestamp {
			return true
		}
	}
	return false
}

// String is the template as written.
func (t template) String() string {
	var b strings.Builder
	for _, p := range t {
		b.WriteString(p.source)
	}
	return b.String()
}

// render writes the signed content for req to w, with timestamp standing
// for {timestamp} as it appeared in its header.
func (t template) render(w io.Writer, req Request, timestamp string) {
	for _, p := range t {
		switch p.kind {
		case partLiteral:
			w.Write([]byte(p.text))
		case partBody:
			w.Write(req.Body)
		case partTimestamp:
			w.Write([]byte(timestamp))
		case partMethod:
			w.Write([]byte(req.Method))
		case partPath:
			w.Write([]byte(req.Path))
		case partQuery:
			w.Write([]byte(req.Query))
		case partHeader:
			w.Write([]byte(req.Header.Get(p.text)))
		}
	}
}

// preview describes the signed content for a person: every part but the
// body as its value, the body by its size (it may be large or binary).
func (t template) preview(req Request, timestamp string) string {
	var b strings.Builder
	for _, p := range t {
		if p.kind == partBody {
			fmt.Fprintf(&b, "<body, %d bytes>", len(req.Body))
			continue
		}
		template{p}.render(&b, req, timestamp)
	}
	return b.String()
}
