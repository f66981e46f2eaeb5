package dashboard

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// What the inbound pages (a source's received requests, the inspector's
// captures) show of a request someone sent: its headers, credentials
// masked by the caller, and its body three ways: pretty-printed when it is
// JSON, as the text it is, or as a hex dump when it is not text. The raw
// bytes themselves are a download (writeRaw), never rendered.

// Bounds of a body shown on a page: a request may carry megabytes, a page
// shows the start and links to the rest.
const (
	// bodyTextShown is how many bytes of a text body a page shows.
	bodyTextShown = 64 << 10
	// bodyHexShown is how many bytes of a binary body the hex dump shows.
	bodyHexShown = 4 << 10
)

// sentHeader is one header of a request, its values in the order sent.
type sentHeader struct {
	Name   string
	Values []string
}

// sentHeaders lists h sorted by name (h is already masked).
func sentHeaders(h http.Header) []sentHeader {
	rows := make([]sentHeader, 0, len(h))
	for name, vals := range h {
		rows = append(rows, sentHeader{Name: name, Values: vals})
	}
	slices.SortFunc(rows, func(a, b sentHeader) int { return cmp.Compare(a.Name, b.Name) })
	return rows
}

// bodyView is a request body as a page shows it.
type bodyView struct {
	Size int
	// Pretty is the body indented, when it is JSON.
	Pretty string
	// Text is the body as sent, when it is text (valid UTF-8 without
	// control characters but tab and line ends), at most bodyTextShown
	// bytes; TextCut says it was cut there.
	Text    string
	TextCut bool
	// Hex is a hex dump of the first bodyHexShown bytes of a body that is
	// not text; HexCut says there is more.
	Hex    string
	HexCut bool
}

// viewBody is body as a page shows it.
func viewBody(body []byte) bodyView {
	v := bodyView{Size: len(body)}
	if len(body) == 0 {
		return v
	}
	if !isText(body) {
		shown := body[:min(len(body), bodyHexShown)]
		v.Hex, v.HexCut = hex.Dump(shown), len(shown) < len(body)
		return v
	}
	if json.Valid(body) {
		var b bytes.Buffer
		if json.Indent(&b, body, "", "  ") == nil && b.Len() <= bodyTextShown {
			v.Pretty = b.String()
		}
	}
	shown := body
	if len(shown) > bodyTextShown {
		// Cut on a character boundary, so the text stays valid UTF-8.
		shown = shown[:bodyTextShown]
		for len(shown) > 0 && !utf8.Valid(shown) {
			shown = shown[:len(shown)-1]
		}
		v.TextCut = true
	}
	v.Text = string(shown)
	return v
}

// isText reports whether body reads as text: valid UTF-8 with no control
// character but tab, CR and LF. A NUL or an escape sequence is binary:
// shown as hex, so nothing in it can confuse the page or a terminal.
func isText(body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	for _, c := range body {
		if c < ' ' && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// writeRaw answers body byte for byte as a download: never rendered by
// the browser (attachment, nosniff, a CSP that runs nothing), whatever it
// holds.
func writeRaw(w http.ResponseWriter, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.bin"`)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	// A write fails only when the client went away.
	_, _ = w.Write(body)
}

// bytesLabel is a size as pages show it: "512 bytes", "3.4 KiB".
func bytesLabel(n int) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1024:
		return strconv.Itoa(n) + " bytes"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// spanLabel is a duration as pages show it: "7 days", "2 hours", "1.5s".
func spanLabel(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	switch day := 24 * time.Hour; {
	case d >= day && d%day == 0:
		return plural(int64(d/day), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	}
	return d.String()
}

// countLabel is n with its thousands separated by commas: 10,000.
func countLabel(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
