package webhook

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

func TestEndpointLimits(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"ValidateRateLimit(1)", ValidateRateLimit(1), true},
		{"ValidateRateLimit(65535)", ValidateRateLimit(MaxRateLimit), true},
		{"ValidateRateLimit(0)", ValidateRateLimit(0), false},
		{"ValidateRateLimit(65536)", ValidateRateLimit(MaxRateLimit + 1), false},
		{"ValidateVersion(1)", ValidateVersion(1), true},
		{"ValidateVersion(0)", ValidateVersion(0), false},
		{"ValidateVersion(65536)", ValidateVersion(MaxVersion + 1), false},
		{"ValidateChannelCount(1)", ValidateChannelCount(1), true},
		{"ValidateChannelCount(10)", ValidateChannelCount(MaxChannels), true},
		{"ValidateChannelCount(0)", ValidateChannelCount(0), false},
		{"ValidateChannelCount(11)", ValidateChannelCount(MaxChannels + 1), false},
		{"ValidateChannel(project.1)", ValidateChannel("project.1"), true},
		{"ValidateChannel(a:b)", ValidateChannel("a:b"), false},
		{"ValidateChannel(129 chars)", ValidateChannel(strings.Repeat("a", MaxChannelLength+1)), false},
	} {
		if (tt.err == nil) != tt.ok {
			t.Errorf("%s = %v, want ok=%v", tt.name, tt.err, tt.ok)
		}
	}
}

func TestDedupe(t *testing.T) {
	got := Dedupe([]string{"b", "a", "b", "c", "a"})
	if strings.Join(got, ",") != "b,a,c" {
		t.Errorf("Dedupe(b a b c a) = %v, want [b a c] (first of each, in order)", got)
	}
}

func TestRotateSecret(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ep := Endpoint{Secret: "whsec_one", OldSecrets: []OldSecret{
		{Key: "whsec_expired", ExpiresAt: now},
		{Key: "whsec_live", ExpiresAt: now.Add(time.Hour)},
	}}
	if err := ep.RotateSecret("whsec_two", now, SecretGrace); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if ep.Secret != "whsec_two" || len(ep.OldSecrets) != 2 || ep.OldSecrets[0] != (OldSecret{Key: "whsec_one", ExpiresAt: now.Add(SecretGrace)}) || ep.OldSecrets[1].Key != "whsec_live" {
		t.Errorf("after RotateSecret: secret %q, old %v; want whsec_two, [whsec_one until +24h, whsec_live]", ep.Secret, ep.OldSecrets)
	}
	if err := ep.RotateSecret("whsec_three", now, 0); err != nil || len(ep.OldSecrets) != 2 {
		t.Errorf("RotateSecret(grace 0) = %v, old %v; want the current secret dropped at once", err, ep.OldSecrets)
	}

	full := Endpoint{Secret: "whsec_now"}
	for i := range MaxOldSecrets {
		full.OldSecrets = append(full.OldSecrets, OldSecret{Key: "k", ExpiresAt: now.Add(time.Duration(i+1) * time.Minute)})
	}
	was := full
	if err := full.RotateSecret("whsec_next", now, time.Hour); !errors.Is(err, ErrTooManyRotations) {
		t.Errorf("RotateSecret(%d live old secrets) = %v, want ErrTooManyRotations", MaxOldSecrets, err)
	}
	if full.Secret != was.Secret || len(full.OldSecrets) != MaxOldSecrets {
		t.Errorf("a refused rotation changed the endpoint: secret %q, %d old", full.Secret, len(full.OldSecrets))
	}
	if err := full.RotateSecret("whsec_next", now, 0); err != nil {
		t.Errorf("RotateSecret(full, grace 0) = %v, want nil: nothing new keeps signing", err)
	}
}

func TestMergeHeaders(t *testing.T) {
	v := func(s string) *string { return &s }
	stored := map[string]string{"X-Tenant": "acme", "Authorization": "Bearer a", "X-Old": "1"}
	got := MergeHeaders(stored,
		map[string]*string{"x-tenant": v("globex"), "X-New": v("2"), "AUTHORIZATION": nil},
		[]string{"x-old"})
	want := map[string]string{"x-tenant": "globex", "X-New": "2"}
	if !maps.Equal(got, want) {
		t.Errorf("MergeHeaders = %v, want %v (names match in any case)", got, want)
	}
	if len(stored) != 3 || stored["X-Tenant"] != "acme" {
		t.Errorf("MergeHeaders changed the stored map: %v", stored)
	}
	if got := MergeHeaders(nil, map[string]*string{"A": v("1")}, nil); !maps.Equal(got, map[string]string{"A": "1"}) {
		t.Errorf("MergeHeaders(nil, A=1) = %v", got)
	}
}
