package verify

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/signature"
)

// fuzzConfigs is one valid configuration per scheme; the fuzzer picks one.
var fuzzConfigs = []Config{
	{Scheme: SchemeNone},
	{Scheme: SchemeHMAC, Secret: "s", Header: "X-Sig", Prefix: "v0=", Algorithm: "sha256", Encoding: "hex", Template: "v0:{timestamp}:{header:X-Sig}:{method}{path}{query}{body}", TimestampHeader: "X-Ts"},
	{Scheme: SchemeHMAC, Secret: "AAEC", SecretEncoding: "base64", Header: "X-Sig", Algorithm: "sha512", Encoding: "base64url"},
	{Scheme: SchemeStandardWebhooks, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", PreviousSecrets: []string{"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}},
	{Scheme: SchemeStripe, Secret: "whsec_x", Tolerance: Duration(time.Hour)},
	{Scheme: SchemeGitHub, Secret: "x"},
	{Scheme: SchemeShopify, Secret: "x"},
	{Scheme: SchemeBasic, Username: "u", Secret: "p"},
	{Scheme: SchemeAPIKey, Header: "Authorization", Prefix: "Bearer ", Secret: "k"},
}

// FuzzVerify checks that Verify and DeliveryID never panic on any headers
// and body, that Verify and Diagnose agree, that every refusal has a
// reason, and that an accepted request matched one secret (but for none).
func FuzzVerify(f *testing.F) {
	f.Add(uint8(3), "msg_1", "1765000000", "v1,AAAA v1a,x", []byte(`{"id":"evt_1"}`), int64(1765000000))
	f.Add(uint8(4), "", "", "t=1,v1=00,v0=zz,,=", []byte("\x00\xff"), int64(0))
	f.Add(uint8(1), "v0=00", "99999999999999999999", "", []byte(nil), int64(-1<<62))
	f.Add(uint8(7), "Basic dTpw", "", "", []byte{}, int64(1<<62))
	f.Fuzz(func(t *testing.T, which uint8, a, b, c string, body []byte, unix int64) {
		cfg := fuzzConfigs[int(which)%len(fuzzConfigs)]
		h := http.Header{}
		for _, name := range []string{"webhook-id", "svix-id", "X-Sig", "Authorization", "X-Shopify-Webhook-Id"} {
			h.Set(name, a)
		}
		for _, name := range []string{"webhook-timestamp", "svix-timestamp", "X-Ts", "X-Hub-Signature-256"} {
			h.Set(name, b)
		}
		for _, name := range []string{"webhook-signature", "svix-signature", "Stripe-Signature", "X-Shopify-Hmac-Sha256"} {
			h.Set(name, c)
		}
		req := Request{Method: a, Path: b, Query: c, Header: h, Body: body}
		at := time.Unix(unix%(1<<40), 0)
		r := Verify(cfg, req, at)
		d := Diagnose(cfg, req, at)
		if r != d.Result {
			t.Fatalf("Verify = %+v but Diagnose = %+v", r, d.Result)
		}
		if r.Reason == "" {
			t.Fatalf("Verify(%s) = %+v: no reason", cfg.Scheme, r)
		}
		if r.OK && cfg.Scheme != SchemeNone {
			matched := false
			for _, s := range d.Secrets {
				matched = matched || s.Matched
			}
			if !matched {
				t.Fatalf("Verify(%s) accepted with no secret matched: %+v", cfg.Scheme, d)
			}
		}
		_ = DeliveryID(req)
		_ = Verify(Config{Scheme: a, Secret: b, Header: c}, req, at)
	})
}

// BenchmarkVerify measures a verified request of 1 KiB per scheme: the
// receiving handler runs Verify once per inbound request.
func BenchmarkVerify(b *testing.B) {
	body := []byte(strings.Repeat("x", 1024))
	sw := fuzzConfigs[3]
	key, _ := signature.DecodeSecret(sw.Secret)
	ts := strconv.FormatInt(now.Unix(), 10)
	cases := []struct {
		cfg Config
		h   http.Header
	}{
		{Config{Scheme: SchemeGitHub, Secret: "x"}, header("X-Hub-Signature-256", githubSign("x", string(body)))},
		{sw, header("webhook-id", "msg_1", "webhook-timestamp", ts, "webhook-signature", signature.Sign(key, "msg_1", now.Unix(), body))},
		{Config{Scheme: SchemeBasic, Username: "u", Secret: "p"}, header("Authorization", "Basic dTpw")},
	}
	for _, c := range cases {
		b.Run(c.cfg.Scheme, func(b *testing.B) {
			req := Request{Method: "POST", Header: c.h, Body: body}
			for b.Loop() {
				if r := Verify(c.cfg, req, now); !r.OK {
					b.Fatal(r.Reason)
				}
			}
		})
	}
}
