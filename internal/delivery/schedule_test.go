package delivery

import (
	"testing"
	"time"
)

func TestNextAttempt(t *testing.T) {
	schedule := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute}
	fixed := func(v float64) func() float64 { return func() float64 { return v } }
	tests := []struct {
		attempts   int
		retryAfter time.Duration
		rnd        float64
		want       time.Duration
		wantOK     bool
	}{
		{attempts: 1, rnd: 0.5, want: 5 * time.Second, wantOK: true},
		{attempts: 1, rnd: 0, want: 4 * time.Second, wantOK: true},
		{attempts: 1, rnd: 0.999999, want: 6*time.Second - 12*time.Microsecond, wantOK: true},
		{attempts: 2, rnd: 0.5, want: 5 * time.Minute, wantOK: true},
		{attempts: 3, rnd: 0.5, want: 30 * time.Minute, wantOK: true},
		{attempts: 4, rnd: 0.5, wantOK: false},
		{attempts: 0, rnd: 0.5, wantOK: false},
		{attempts: 1, retryAfter: time.Minute, rnd: 0.5, want: time.Minute, wantOK: true},
		{attempts: 2, retryAfter: time.Minute, rnd: 0.5, want: 5 * time.Minute, wantOK: true},
		{attempts: 1, retryAfter: 48 * time.Hour, rnd: 0.5, want: 24 * time.Hour, wantOK: true},
	}
	for _, tt := range tests {
		got, ok := NextAttempt(schedule, tt.attempts, tt.retryAfter, fixed(tt.rnd))
		if ok != tt.wantOK || (ok && (got-tt.want).Abs() > 20*time.Microsecond) {
			t.Errorf("NextAttempt(%v, %d, %v, %v) = %v, %v; want %v, %v", schedule, tt.attempts, tt.retryAfter, tt.rnd, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestNextAttemptJitterStaysInBounds(t *testing.T) {
	schedule := []time.Duration{time.Second}
	for i := range 1000 {
		r := float64(i) / 1000
		got, ok := NextAttempt(schedule, 1, 0, func() float64 { return r })
		if !ok || got < 800*time.Millisecond || got > 1200*time.Millisecond {
			t.Fatalf("NextAttempt(1s, rnd=%v) = %v, %v; want within ±20%% of 1s", r, got, ok)
		}
	}
}

func TestNextAttemptWithin(t *testing.T) {
	schedule := []time.Duration{time.Second, time.Minute}
	half := func() float64 { return 0.5 }
	tests := []struct {
		schedule          []time.Duration
		retries, attempts int
		want              time.Duration
		wantOK            bool
	}{
		{schedule, 0, 1, 0, false},
		{schedule, 1, 1, time.Second, true},
		{schedule, 1, 2, 0, false},
		{schedule, 2, 2, time.Minute, true},
		{schedule, 2, 3, 0, false},
		{schedule, 10, 3, time.Minute, true}, // the last delay repeats
		{schedule, 10, 10, time.Minute, true},
		{schedule, 10, 11, 0, false},
		{nil, 5, 1, 0, false},
	}
	for _, tt := range tests {
		got, ok := NextAttemptWithin(tt.schedule, tt.retries, tt.attempts, 0, half)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("NextAttemptWithin(%v, %d, %d) = %v, %v; want %v, %v", tt.schedule, tt.retries, tt.attempts, got, ok, tt.want, tt.wantOK)
		}
	}
}
