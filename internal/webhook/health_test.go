package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestHealthStatus(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var h EndpointHealth
	for _, step := range []struct {
		observe  func()
		disabled bool
		want     HealthStatus
		failures int
	}{
		{func() {}, false, HealthUnknown, 0},
		{func() {}, true, HealthDisabled, 0},
		{func() { h.Observe(t0, true, 204, "") }, false, HealthConnected, 0},
		{func() { h.Observe(t0.Add(time.Second), false, 0, "connection refused") }, false, HealthFailing, 1},
		{func() { h.Observe(t0.Add(2*time.Second), false, 500, "boom") }, false, HealthFailing, 2},
		{func() {}, true, HealthDisabled, 2},
		{func() { h.Observe(t0.Add(3*time.Second), true, 200, "ignored") }, false, HealthConnected, 0},
	} {
		step.observe()
		if got := h.Status(step.disabled); got != step.want || h.ConsecutiveFailures != step.failures {
			t.Errorf("after %+v: Status(%v) = %s with %d failures, want %s with %d", h, step.disabled, got, h.ConsecutiveFailures, step.want, step.failures)
		}
	}
	if h.LastError != "" || h.LastStatusCode != 200 || !h.LastFailureAt.Equal(t0.Add(2*time.Second)) {
		t.Errorf("after a success: %+v; want no error, 200, the last failure kept", h)
	}
}

func TestObserveTruncatesError(t *testing.T) {
	var h EndpointHealth
	long := strings.Repeat("é", MaxHealthError) // 2 bytes each
	h.Observe(time.Unix(1, 0), false, 500, long)
	if len(h.LastError) > MaxHealthError || !strings.HasPrefix(long, h.LastError) || len(h.LastError) < MaxHealthError-1 {
		t.Errorf("LastError is %d bytes, want a valid prefix of at most %d", len(h.LastError), MaxHealthError)
	}
	if got := TruncateText("abc", 5); got != "abc" {
		t.Errorf(`TruncateText("abc", 5) = %q, want "abc"`, got)
	}
}
