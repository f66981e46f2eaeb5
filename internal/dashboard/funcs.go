package dashboard

import (
	"html/template"
	"time"
)

// funcs are the template functions every page may use.
var funcs = template.FuncMap{
	// when is a time as pages show it.
	"when": func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
	// datetime is a time for a <time datetime=...> attribute.
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// size is a number of bytes as pages show it (inbound_view.go).
	"size": bytesLabel,
	// span is a duration as pages show it (inbound_view.go).
	"span": spanLabel,
	// count is a number with thousands separated: 1,000.
	"count": countLabel,
}
