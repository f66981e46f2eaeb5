package api

import (
	"testing"
	"time"
)

// TestParseTimeReadsWhatChronoReads: the date-times Svix's server takes
// (chrono's relaxed RFC 3339), among them the form chrono prints and
// Svix's own end-to-end tests send, and none it refuses.
func TestParseTimeReadsWhatChronoReads(t *testing.T) {
	want := time.Date(2026, 3, 1, 12, 30, 15, 123_000_000, time.UTC)
	for _, s := range []string{
		"2026-03-01T12:30:15.123Z",
		"2026-03-01T12:30:15.123+00:00",
		"2026-03-01T14:30:15.123+02:00",
		"2026-03-01t12:30:15.123z",
		"2026-03-01 12:30:15.123 UTC",
		"2026-03-01 12:30:15.123Z",
		"2026-03-01 12:30:15.123 +00:00",
		"2026-03-01 12:30:15.123+0000",
		"2026-03-01 10:30:15.123 -0200",
	} {
		got, err := parseTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v in UTC", s, got, err, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2026-03-01", "2026-03-01T12:30:15", "2026-03-01 12:30:15", "12:30:15Z", "2026-03-01T12:30:15.123 EST", "2026-13-01T12:30:15Z"} {
		if got, err := parseTime(s); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", s, got)
		}
	}
}
