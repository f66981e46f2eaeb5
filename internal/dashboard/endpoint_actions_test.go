package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
)

func TestViewPing(t *testing.T) {
	for _, tt := range []struct {
		res         delivery.PingResult
		wantError   string // a part of it
		wantRefused bool
	}{
		{res: delivery.PingResult{StatusCode: 200, Success: true, Body: "ok", Duration: time.Millisecond}},
		{res: delivery.PingResult{StatusCode: 503, Body: "down", Error: "down"}, wantError: "answered 503: only a 2xx"},
		{res: delivery.PingResult{Error: "connection refused"}, wantError: "The connection was refused: nothing listens at this address and port (connection refused)."},
		{res: delivery.PingResult{Error: "timeout: no response within 2s"}, wantError: "did not answer in time (timeout: no response within 2s)."},
		{res: delivery.PingResult{Error: "forbidden target: 10.0.0.1 is a private or reserved address"}, wantError: "Hookline refused to send", wantRefused: true},
		{res: delivery.PingResult{Error: "something new"}, wantError: "something new."},
	} {
		p := viewPing(tt.res)
		if tt.wantError == "" && p.Error != "" || !strings.Contains(p.Error, tt.wantError) {
			t.Errorf("viewPing(%+v).Error = %q, want it to hold %q", tt.res, p.Error, tt.wantError)
		}
		if p.Refused != tt.wantRefused {
			t.Errorf("viewPing(%+v).Refused = %v, want %v", tt.res, p.Refused, tt.wantRefused)
		}
	}
	long := strings.Repeat("é", pingBodyShown)
	if p := viewPing(delivery.PingResult{StatusCode: 200, Success: true, Body: long}); !p.Cut || len(p.Body) > pingBodyShown {
		t.Errorf("a body of %d bytes shows %d bytes, cut %v; want at most %d, cut", len(long), len(p.Body), p.Cut, pingBodyShown)
	}
}
