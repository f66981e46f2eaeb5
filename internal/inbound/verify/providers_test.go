package verify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v75/github"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v82/webhook"
	svix "github.com/svix/svix-webhooks/go"
)

// These tests sign with each provider's own Go library where one exists,
// so the schemes are checked against what the providers send, not against
// our reading of their documents.

// now is the fixed time the tests verify at.
var now = time.Unix(1_765_000_000, 0)

const body = `{"id":"evt_1","type":"invoice.paid","data":{"amount":4200}}`

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func post(h http.Header, b string) Request {
	return Request{Method: "POST", Path: "/", Header: h, Body: []byte(b)}
}

// check runs Verify and compares its Result with want: OK, and a reason
// that contains wantReason.
func check(t *testing.T, name string, cfg Config, req Request, at time.Time, wantOK bool, wantReason string) {
	t.Helper()
	got := Verify(cfg, req, at)
	if got.OK != wantOK || !strings.Contains(got.Reason, wantReason) {
		t.Errorf("%s: Verify(%s) = %+v, want OK %v and a reason with %q", name, cfg.Scheme, got, wantOK, wantReason)
	}
}

func TestStandardWebhooksSignedByItsLibraries(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	sw, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sx, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Scheme: SchemeStandardWebhooks, Secret: secret}
	signed := func(prefix string, sign func(string, time.Time, []byte) (string, error), at time.Time, b string) Request {
		t.Helper()
		sig, err := sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", at, []byte(b))
		if err != nil {
			t.Fatal(err)
		}
		return post(header(prefix+"-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", prefix+"-timestamp", strconv.FormatInt(at.Unix(), 10), prefix+"-signature", sig), b)
	}
	for _, lib := range []struct {
		name, prefix string
		sign         func(string, time.Time, []byte) (string, error)
	}{
		{"standard-webhooks", "webhook", sw.Sign},
		{"svix", "svix", sx.Sign},
	} {
		req := signed(lib.prefix, lib.sign, now, body)
		check(t, lib.name+" signed", cfg, req, now, true, "the secret")
		check(t, lib.name+" wrong secret", Config{Scheme: SchemeStandardWebhooks, Secret: other}, req, now, false, "signature does not match the body")
		modified := req
		modified.Body = []byte(strings.Replace(body, "4200", "4201", 1))
		check(t, lib.name+" modified body", cfg, modified, now, false, "signature does not match the body")
		check(t, lib.name+" stale", cfg, signed(lib.prefix, lib.sign, now.Add(-612*time.Second), body), now, false, "timestamp 612 s old, tolerance 300 s")
		check(t, lib.name+" future", cfg, signed(lib.prefix, lib.sign, now.Add(301*time.Second), body), now, false, "timestamp 301 s in the future, tolerance 300 s")
		check(t, lib.name+" at the edge", cfg, signed(lib.prefix, lib.sign, now.Add(-300*time.Second), body), now, true, "")
		wide := Config{Scheme: SchemeStandardWebhooks, Secret: secret, Tolerance: Duration(time.Hour)}
		check(t, lib.name+" wider tolerance", wide, signed(lib.prefix, lib.sign, now.Add(-612*time.Second), body), now, true, "")
		rotated := Config{Scheme: SchemeStandardWebhooks, Secret: other, PreviousSecrets: []string{secret}}
		check(t, lib.name+" previous secret", rotated, req, now, true, "previousSecrets[0]")
	}

	// The libraries agree with us on what they sign: their Verify accepts
	// the request ours accepts, with the clock they read.
	req := signed("webhook", sw.Sign, time.Now(), body)
	if err := sw.Verify(req.Body, req.Header); err != nil {
		t.Fatalf("standardwebhooks Verify of its own signature = %v", err)
	}
	check(t, "now", cfg, req, time.Now(), true, "")

	// Several entries, as a sender rotating its secret sends them.
	sig, _ := sw.Sign("msg_1", now, []byte(body))
	multi := post(header("webhook-id", "msg_1", "webhook-timestamp", strconv.FormatInt(now.Unix(), 10), "webhook-signature", "v1a,AAAA v1,bm90IGl0 "+sig), body)
	check(t, "several entries", cfg, multi, now, true, "")
}

func TestStandardWebhooksRefusals(t *testing.T) {
	cfg := Config{Scheme: SchemeStandardWebhooks, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name string
		h    http.Header
		want string
	}{
		{"none", header(), "no webhook-id, webhook-timestamp and webhook-signature headers"},
		{"no signature", header("webhook-id", "m", "webhook-timestamp", ts), "no webhook-signature header"},
		{"svix family incomplete", header("svix-id", "m"), "no svix-timestamp and svix-signature header"},
		{"families never mix", header("webhook-id", "m", "svix-timestamp", ts, "svix-signature", "v1,AAAA"), "no webhook-timestamp and webhook-signature header"},
		{"timestamp not seconds", header("webhook-id", "m", "webhook-timestamp", ts+"000", "webhook-signature", "v1,AAAA"), `webhook-timestamp "1765000000000" is not Unix seconds`},
		{"timestamp with a sign", header("webhook-id", "m", "webhook-timestamp", "+"+ts, "webhook-signature", "v1,AAAA"), "is not Unix seconds"},
		{"only v1a", header("webhook-id", "m", "webhook-timestamp", ts, "webhook-signature", "v1a,AAAA"), "webhook-signature has no v1 signature (asymmetric v1a is not supported)"},
		{"wrong", header("webhook-id", "m", "webhook-timestamp", ts, "webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), "signature does not match the body"},
	}
	for _, tt := range tests {
		check(t, tt.name, cfg, post(tt.h, body), now, false, tt.want)
	}
}

func TestStripeSignedByItsLibrary(t *testing.T) {
	const secret = "whsec_test_5a3f0f6c1e2d4b7a"
	cfg := Config{Scheme: SchemeStripe, Secret: secret}
	signed := func(secret string, at time.Time, b string) Request {
		p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(b), Secret: secret, Timestamp: at})
		return post(header("Stripe-Signature", p.Header), b)
	}
	req := signed(secret, now, body)
	check(t, "signed", cfg, req, now, true, "the secret")
	check(t, "wrong secret", cfg, signed("whsec_other", now, body), now, false, "signature does not match the body")
	modified := req
	modified.Body = []byte(strings.Replace(body, "4200", "4201", 1))
	check(t, "modified body", cfg, modified, now, false, "signature does not match the body")
	check(t, "stale", cfg, signed(secret, now.Add(-612*time.Second), body), now, false, "timestamp 612 s old, tolerance 300 s")
	check(t, "wider tolerance", Config{Scheme: SchemeStripe, Secret: secret, Tolerance: Duration(15 * time.Minute)}, signed(secret, now.Add(-612*time.Second), body), now, true, "")
	check(t, "future", cfg, signed(secret, now.Add(10*time.Minute), body), now, false, "timestamp 600 s in the future, tolerance 300 s")

	// stripe-go's own check agrees (with its clock, so signed now).
	fresh := signed(secret, time.Now(), body)
	if err := webhook.ValidatePayload(fresh.Body, fresh.Header.Get("Stripe-Signature"), secret); err != nil {
		t.Fatalf("stripe-go ValidatePayload of its own signature = %v", err)
	}
	check(t, "now", cfg, fresh, time.Now(), true, "")

	// During a rotation Stripe sends one v1 per secret, and v0 in test mode.
	old := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: "whsec_old", Timestamp: now})
	both := post(header("Stripe-Signature", old.Header+",v1="+hex.EncodeToString(webhook.ComputeSignature(now, []byte(body), secret))+",v0=abc"), body)
	check(t, "two v1 entries", cfg, both, now, true, "")
	check(t, "previous secret", Config{Scheme: SchemeStripe, Secret: "whsec_new", PreviousSecrets: []string{"whsec_old"}}, both, now, true, "previousSecrets[0]")

	ts := strconv.FormatInt(now.Unix(), 10)
	for _, tt := range []struct{ name, value, want string }{
		{"no header", "", "no Stripe-Signature header"},
		{"no timestamp", "v1=00", "Stripe-Signature has no t= timestamp"},
		{"no v1", "t=" + ts + ",v0=00", "Stripe-Signature has no v1 signature"},
		{"not pairs", "t=" + ts + ",garbage", "is not t=...,v1=..."},
		{"two timestamps", "t=" + ts + ",t=" + ts + ",v1=00", "two t= timestamps"},
		{"timestamp not seconds", "t=-5,v1=00", `t="-5" is not Unix seconds`},
	} {
		h := header()
		if tt.value != "" {
			h.Set("Stripe-Signature", tt.value)
		}
		check(t, tt.name, cfg, post(h, body), now, false, tt.want)
	}
}

// githubSign signs as GitHub documents: sha256= and the hex HMAC-SHA256.
func githubSign(secret, b string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(b))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// TestGitHubAgreesWithGoGitHub uses go-github's ValidatePayload (which
// reads an *http.Request) and ValidateSignature as the oracle: for each
// request, ours accepts exactly when theirs does, except that ours reads
// only X-Hub-Signature-256 (theirs falls back to the SHA-1 header).
func TestGitHubAgreesWithGoGitHub(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	cfg := Config{Scheme: SchemeGitHub, Secret: secret}
	good := githubSign(secret, body)
	tests := []struct {
		name, sig, body, want string
		wantOK                bool
	}{
		{"signed", good, body, "the secret", true},
		{"uppercase hex", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body, "", true},
		{"wrong secret", githubSign("another", body), body, "signature does not match the body", false},
		{"modified body", good, body + " ", "signature does not match the body", false},
		{"no prefix", strings.TrimPrefix(good, "sha256="), body, `does not start with "sha256="`, false},
		{"not hex", "sha256=zz", body, "is not sha256=<hex>", false},
		{"sha1 prefix", "sha1=" + strings.TrimPrefix(good, "sha256="), body, `does not start with "sha256="`, false},
		{"empty", "", body, "no X-Hub-Signature-256 header", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/in/tok", bytes.NewBufferString(tt.body))
		r.Header.Set("Content-Type", "application/json")
		if tt.sig != "" {
			r.Header.Set(github.SHA256SignatureHeader, tt.sig)
		}
		req := post(r.Header.Clone(), tt.body)
		check(t, tt.name, cfg, req, now, tt.wantOK, tt.want)

		_, theirs := github.ValidatePayload(r, []byte(secret))
		if ours := Verify(cfg, req, now).OK; ours != (theirs == nil) {
			t.Errorf("%s: Verify = %v but go-github ValidatePayload = %v", tt.name, ours, theirs)
		}
		if tt.sig != "" {
			if ours, theirs := Verify(cfg, req, now).OK, github.ValidateSignature(tt.sig, []byte(tt.body), []byte(secret)); ours != (theirs == nil) && !strings.HasPrefix(tt.sig, "sha1=") {
				t.Errorf("%s: Verify = %v but go-github ValidateSignature = %v", tt.name, ours, theirs)
			}
		}
	}

	// A scheme never falls back: the SHA-1 header alone is refused, though
	// go-github would accept it.
	sha1Only := post(header("X-Hub-Signature", "sha1=0000000000000000000000000000000000000000"), body)
	check(t, "sha1 only", cfg, sha1Only, now, false, "no X-Hub-Signature-256 header")
	if d := Diagnose(cfg, sha1Only, now); len(d.Hints) == 0 || !strings.Contains(d.Hints[0], "X-Hub-Signature (SHA-1)") {
		t.Errorf("Diagnose(SHA-1 only).Hints = %q, want one about X-Hub-Signature", d.Hints)
	}
}

func TestShopify(t *testing.T) {
	// Shopify has no official Go library; its documents give the scheme:
	// base64 HMAC-SHA256 of the raw body, keyed by the client secret.
	const secret = "shpss_0123456789abcdef"
	sign := func(secret, b string) string {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(b))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	cfg := Config{Scheme: SchemeShopify, Secret: secret}
	check(t, "signed", cfg, post(header("X-Shopify-Hmac-Sha256", sign(secret, body)), body), now, true, "")
	check(t, "wrong secret", cfg, post(header("X-Shopify-Hmac-Sha256", sign("x", body)), body), now, false, "signature does not match the body")
	check(t, "modified body", cfg, post(header("X-Shopify-Hmac-Sha256", sign(secret, body)), body+"\n"), now, false, "signature does not match the body")
	check(t, "hex instead", cfg, post(header("X-Shopify-Hmac-Sha256", strings.Repeat("ab", 32)), body), now, false, "signature does not match")
	check(t, "not base64", cfg, post(header("X-Shopify-Hmac-Sha256", "%%%"), body), now, false, "X-Shopify-Hmac-Sha256 is not base64")
	check(t, "missing", cfg, post(header(), body), now, false, "no X-Shopify-Hmac-Sha256 header")
}
