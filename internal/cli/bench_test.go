package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/bench"
)

// TestBenchJSON runs the real command end to end: an in-process server,
// 50 messages, the result as JSON on stdout and nothing on stderr.
func TestBenchJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	d := deps{getenv: func(string) string { return "" }}
	code := run(t.Context(), []string{"bench", "-n", "50", "-c", "4", "--json", "--data-dir", t.TempDir()}, &out, &errOut, d)
	if code != ExitOK {
		t.Fatalf("bench -n 50 --json = %d, want %d; stderr %q", code, ExitOK, errOut.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("bench --json wrote %q to stderr, want nothing", errOut.String())
	}
	var res bench.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("bench --json printed invalid JSON: %v\n%s", err, out.String())
	}
	if res.Accepted != 50 || res.Delivered != 50 || res.Missing != 0 || res.Duplicates != 0 {
		t.Errorf("bench --json = %+v, want 50 accepted and delivered, none missing or duplicated", res)
	}
	if res.CPUSeconds == nil || res.PeakRSSBytes == nil {
		t.Errorf("in-process bench reported unknown CPU or RSS: %s", out.String())
	}
	if res.Baseline != nil || res.AcceptedOfCeiling != nil {
		t.Errorf("bench without --baseline reported a baseline: %s", out.String())
	}
}

// TestBenchBaselineJSON checks that --baseline puts the bare pair's figures
// and the fractions of its ceiling in the JSON.
func TestBenchBaselineJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	d := deps{getenv: func(string) string { return "" }}
	code := run(t.Context(), []string{"bench", "--baseline", "-n", "50", "-c", "4", "--json", "--data-dir", t.TempDir()}, &out, &errOut, d)
	if code != ExitOK {
		t.Fatalf("bench --baseline -n 50 --json = %d, want %d; stderr %q", code, ExitOK, errOut.String())
	}
	var res bench.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("bench --json printed invalid JSON: %v\n%s", err, out.String())
	}
	b := res.Baseline
	if b == nil || b.Completed != 50 || b.RequestsPerSec <= 0 || b.CeilingMsgPerSec <= 0 {
		t.Fatalf("bench --baseline --json baseline = %+v, want 50 completed and positive rates", b)
	}
	if res.AcceptedOfCeiling == nil || *res.AcceptedOfCeiling <= 0 || res.DeliveriesOfCeiling == nil || *res.DeliveriesOfCeiling <= 0 {
		t.Errorf("fractions of the ceiling = %v, %v, want both > 0", res.AcceptedOfCeiling, res.DeliveriesOfCeiling)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	tests := []struct {
		args       []string
		wantStderr string
	}{
		{[]string{"bench", "--url", "http://127.0.0.1:1"}, "--url and --token go together"},
		{[]string{"bench", "--url", "http://127.0.0.1:1", "--token", "t", "--data-dir", "x"}, "not with --url"},
		{[]string{"bench", "-n", "many"}, `invalid argument "many"`},
		{[]string{"bench", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		code, _, stderr := runFake(t, &fake{}, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("Run(%q) = %d, %q; want %d and stderr containing %q", tt.args, code, stderr, ExitUsage, tt.wantStderr)
		}
	}
}
