package dashboard

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// TestViewBody: JSON is pretty-printed beside the text as sent, other
// text is shown as it is, and a body with NUL bytes, control characters
// or invalid UTF-8 only as a hex dump, cut at bodyHexShown.
func TestViewBody(t *testing.T) {
	for _, tc := range []struct {
		name, body              string
		pretty, text, hexPrefix string
		hexCut                  bool
	}{
		{name: "empty"},
		{name: "json", body: `{"a":[1,2]}`, pretty: "{\n  \"a\": [\n    1,\n    2\n  ]\n}", text: `{"a":[1,2]}`},
		{name: "form", body: "a=1&b=%3Cx%3E", text: "a=1&b=%3Cx%3E"},
		{name: "text with line ends", body: "line 1\r\n\tline 2\n", text: "line 1\r\n\tline 2\n"},
		{name: "NUL", body: "a\x00b", hexPrefix: "00000000  61 00 62"},
		{name: "escape sequence", body: "\x1b[31mred", hexPrefix: "00000000  1b 5b"},
		{name: "invalid UTF-8", body: "\xff\xfe{}", hexPrefix: "00000000  ff fe 7b 7d"},
		{name: "long binary", body: strings.Repeat("\x00", bodyHexShown+1), hexPrefix: "00000000  00 00", hexCut: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := viewBody([]byte(tc.body))
			if v.Size != len(tc.body) || v.Pretty != tc.pretty || v.Text != tc.text || v.HexCut != tc.hexCut {
				t.Errorf("viewBody(%q) = %+v", tc.body, v)
			}
			if !strings.HasPrefix(v.Hex, tc.hexPrefix) || (tc.hexPrefix == "") != (v.Hex == "") {
				t.Errorf("hex dump of %q = %q", tc.body, v.Hex)
			}
		})
	}
	t.Run("a long text is cut on a character boundary", func(t *testing.T) {
		v := viewBody([]byte(strings.Repeat("a", bodyTextShown-1) + "é and more"))
		if !v.TextCut || len(v.Text) != bodyTextShown-1 || v.Pretty != "" {
			t.Errorf("cut = %v, %d bytes shown", v.TextCut, len(v.Text))
		}
	})
}

func TestLabels(t *testing.T) {
	for n, want := range map[int]string{0: "0 bytes", 1: "1 byte", 1023: "1023 bytes", 1536: "1.5 KiB", 1 << 20: "1.0 MiB"} {
		if got := bytesLabel(n); got != want {
			t.Errorf("bytesLabel(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{7 * 24 * time.Hour: "7 days", 24 * time.Hour: "1 day", 3 * time.Hour: "3 hours", time.Minute: "1 minute", 1500 * time.Millisecond: "1.5s", 90 * time.Minute: "90 minutes"} {
		if got := spanLabel(d); got != want {
			t.Errorf("spanLabel(%s) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567"} {
		if got := countLabel(n); got != want {
			t.Errorf("countLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPagesParse: every page template parses with the layout and the
// partials, as New does.
func TestPagesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sources", "source", "source-request", "bins", "bin"} {
		if pages[name] == nil {
			t.Errorf("no page %q", name)
		}
	}
}

// TestCaptureFilter: the search form's times are read as UTC, with or
// without seconds; a bad time or an empty range is named beside its
// field; the filter's query keeps only what was set.
func TestCaptureFilter(t *testing.T) {
	var p store.CaptureListParams
	f := readCaptureFilter(url.Values{"method": {"post"}, "since": {"2026-12-04T09:30"}, "until": {"2026-12-04T10:00:30"}}, &p)
	if len(f.Errors) > 0 || p.Method != "POST" || !p.Since.Equal(time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)) || !p.Until.Equal(time.Date(2026, 12, 4, 10, 0, 30, 0, time.UTC)) {
		t.Errorf("filter %+v, params %+v", f, p)
	}
	if got := f.query().Encode(); got != "method=POST&since=2026-12-04T09%3A30&until=2026-12-04T10%3A00%3A30" {
		t.Errorf("query = %s", got)
	}
	f = readCaptureFilter(url.Values{"since": {"yesterday"}}, &store.CaptureListParams{})
	if f.Errors["since"] == "" {
		t.Error("a bad time is not refused")
	}
	f = readCaptureFilter(url.Values{"since": {"2026-12-04T10:00"}, "until": {"2026-12-04T09:00"}}, &store.CaptureListParams{})
	if f.Errors["until"] == "" {
		t.Error("an empty range is not refused")
	}
	if readCaptureFilter(url.Values{}, &store.CaptureListParams{}).Active() {
		t.Error("no search is active")
	}
}
