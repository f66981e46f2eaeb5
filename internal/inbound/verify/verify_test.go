package verify

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mac(newHash func() hash.Hash, key []byte, content string) []byte {
	m := hmac.New(newHash, key)
	m.Write([]byte(content))
	return m.Sum(nil)
}

func TestGenericHMAC(t *testing.T) {
	const secret = "s3cr3t"
	ts := strconv.FormatInt(now.Unix(), 10)
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name   string
		cfg    Config
		req    Request
		at     time.Time
		wantOK bool
		want   string
	}{
		{
			name: "sha256 hex with a prefix",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Signature", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256="},
			req:  post(header("X-Signature", "sha256="+hex.EncodeToString(mac(sha256.New, []byte(secret), body))), body),
			at:   now, wantOK: true,
		},
		{
			name: "sha1 base64",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha1", Encoding: "base64"},
			req:  post(header("X-Sig", b64(mac(sha1.New, []byte(secret), body))), body),
			at:   now, wantOK: true,
		},
		{
			name: "sha512 base64url without padding",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha512", Encoding: "base64url"},
			req:  post(header("X-Sig", base64.RawURLEncoding.EncodeToString(mac(sha512.New, []byte(secret), body))), body),
			at:   now, wantOK: true,
		},
		{
			name: "a base64 secret",
			cfg:  Config{Scheme: SchemeHMAC, Secret: b64([]byte{0, 1, 2, 255}), SecretEncoding: "base64", Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"},
			req:  post(header("X-Sig", hex.EncodeToString(mac(sha256.New, []byte{0, 1, 2, 255}, body))), body),
			at:   now, wantOK: true,
		},
		{
			// Slack's scheme: v0=hex(HMAC-SHA256("v0:timestamp:body")).
			name: "a template with a timestamp",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Slack-Signature", Prefix: "v0=", Algorithm: "sha256", Encoding: "hex", Template: "v0:{timestamp}:{body}", TimestampHeader: "X-Slack-Request-Timestamp"},
			req:  post(header("X-Slack-Signature", "v0="+hex.EncodeToString(mac(sha256.New, []byte(secret), "v0:"+ts+":"+body)), "X-Slack-Request-Timestamp", ts), body),
			at:   now, wantOK: true,
		},
		{
			name: "the template's timestamp is stale",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Slack-Signature", Prefix: "v0=", Algorithm: "sha256", Encoding: "hex", Template: "v0:{timestamp}:{body}", TimestampHeader: "X-Slack-Request-Timestamp"},
			req:  post(header("X-Slack-Signature", "v0="+hex.EncodeToString(mac(sha256.New, []byte(secret), "v0:"+ts+":"+body)), "X-Slack-Request-Timestamp", ts), body),
			at:   now.Add(612 * time.Second), want: "timestamp 612 s old, tolerance 300 s",
		},
		{
			name: "method, path, query and a header",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Template: "{method} {path}?{query}\n{header:X-Tenant}\n{body}"},
			req: Request{Method: "PUT", Path: "/orders", Query: "a=1", Body: []byte(body),
				Header: header("X-Tenant", "acme", "X-Sig", hex.EncodeToString(mac(sha256.New, []byte(secret), "PUT /orders?a=1\nacme\n"+body)))},
			at: now, wantOK: true,
		},
		{
			name: "wrong secret",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"},
			req:  post(header("X-Sig", hex.EncodeToString(mac(sha256.New, []byte("other"), body))), body),
			at:   now, want: "signature does not match the body",
		},
		{
			name: "modified body over a template",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Template: "{timestamp}.{body}", TimestampHeader: "X-Ts"},
			req:  post(header("X-Ts", ts, "X-Sig", hex.EncodeToString(mac(sha256.New, []byte(secret), ts+"."+body))), body+"x"),
			at:   now, want: "signature does not match {timestamp}.{body}",
		},
		{
			name: "the algorithm is not guessed",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"},
			req:  post(header("X-Sig", hex.EncodeToString(mac(sha1.New, []byte(secret), body))), body),
			at:   now, want: "signature does not match the body",
		},
		{
			name: "missing header",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"},
			req:  post(header(), body),
			at:   now, want: "no X-Sig header",
		},
		{
			name: "missing prefix",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Prefix: "sha256="},
			req:  post(header("X-Sig", hex.EncodeToString(mac(sha256.New, []byte(secret), body))), body),
			at:   now, want: `X-Sig does not start with "sha256="`,
		},
		{
			name: "not the encoding",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"},
			req:  post(header("X-Sig", b64(mac(sha256.New, []byte(secret), body))), body),
			at:   now, want: "X-Sig is not hex",
		},
		{
			name: "missing timestamp",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Template: "{timestamp}.{body}", TimestampHeader: "X-Ts"},
			req:  post(header("X-Sig", "00"), body),
			at:   now, want: "no X-Ts header",
		},
		{
			name: "a timestamp in milliseconds",
			cfg:  Config{Scheme: SchemeHMAC, Secret: secret, Header: "X-Sig", Algorithm: "sha256", Encoding: "hex", Template: "{timestamp}.{body}", TimestampHeader: "X-Ts"},
			req:  post(header("X-Sig", "00", "X-Ts", ts+"123"), body),
			at:   now, want: `X-Ts "1765000000123" is not Unix seconds`,
		},
	}
	for _, tt := range tests {
		check(t, tt.name, tt.cfg, tt.req, tt.at, tt.wantOK, tt.want)
	}
}

func TestBasicAndAPIKey(t *testing.T) {
	basic := Config{Scheme: SchemeBasic, Username: "acme", Secret: "pa:ss word"}
	auth := func(s string) http.Header {
		return header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(s)))
	}
	key := Config{Scheme: SchemeAPIKey, Header: "Authorization", Prefix: "Bearer ", Secret: "k_live_123"}
	plainKey := Config{Scheme: SchemeAPIKey, Header: "X-Api-Key", Secret: "k_live_123", PreviousSecrets: []string{"k_old"}}
	tests := []struct {
		name   string
		cfg    Config
		h      http.Header
		wantOK bool
		want   string
	}{
		{"basic", basic, auth("acme:pa:ss word"), true, "the secret"},
		{"basic scheme in lower case", basic, header("Authorization", "basic "+base64.StdEncoding.EncodeToString([]byte("acme:pa:ss word"))), true, ""},
		{"basic wrong password", basic, auth("acme:nope"), false, "username or password does not match"},
		{"basic wrong user", basic, auth("root:pa:ss word"), false, "username or password does not match"},
		{"basic password a prefix", basic, auth("acme:pa:ss"), false, "username or password does not match"},
		{"basic missing", basic, header(), false, "no Authorization header"},
		{"basic bearer", basic, header("Authorization", "Bearer x"), false, "Authorization is not Basic credentials"},
		{"basic not base64", basic, header("Authorization", "Basic %%%"), false, "not base64"},
		{"basic no colon", basic, auth("acme"), false, "not username:password"},
		{"api key", key, header("Authorization", "Bearer k_live_123"), true, ""},
		{"api key wrong", key, header("Authorization", "Bearer k_live_124"), false, "Authorization does not match the key"},
		{"api key no prefix", key, header("Authorization", "k_live_123"), false, `Authorization does not start with "Bearer "`},
		{"api key missing", plainKey, header(), false, "no X-Api-Key header"},
		{"api key previous", plainKey, header("X-Api-Key", "k_old"), true, "previousSecrets[0]"},
		{"api key with more", plainKey, header("X-Api-Key", "k_live_1234"), false, "X-Api-Key does not match the key"},
	}
	for _, tt := range tests {
		check(t, tt.name, tt.cfg, post(tt.h, body), now, tt.wantOK, tt.want)
	}
}

func TestNoneAcceptsEverything(t *testing.T) {
	check(t, "none", Config{Scheme: SchemeNone}, post(nil, body), now, true, "not verified")
}

func TestAnInvalidConfigRefusesEveryRequest(t *testing.T) {
	for _, cfg := range []Config{{}, {Scheme: "github"}, {Scheme: "GitHub", Secret: "x"}, {Scheme: SchemeNone, Secret: "x"}} {
		check(t, "invalid config", cfg, post(header("X-Hub-Signature-256", githubSign("x", body)), body), now, false, "the verification settings are invalid")
	}
}

func TestCheck(t *testing.T) {
	hmacOK := Config{Scheme: SchemeHMAC, Secret: "s", Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"}
	with := func(f func(*Config)) Config {
		c := hmacOK
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" for valid; else the FieldErrors text must contain it
	}{
		{"none", Config{Scheme: SchemeNone}, ""},
		{"hmac", hmacOK, ""},
		{"standard webhooks", Config{Scheme: SchemeStandardWebhooks, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Tolerance: Duration(10 * time.Minute)}, ""},
		{"stripe", Config{Scheme: SchemeStripe, Secret: "whsec_x"}, ""},
		{"github", Config{Scheme: SchemeGitHub, Secret: "x", PreviousSecrets: []string{"y"}}, ""},
		{"shopify", Config{Scheme: SchemeShopify, Secret: "x"}, ""},
		{"basic", Config{Scheme: SchemeBasic, Username: "u", Secret: "p"}, ""},
		{"api key", Config{Scheme: SchemeAPIKey, Header: "X-Key", Secret: "k"}, ""},

		{"no scheme", Config{}, "scheme: required"},
		{"unknown scheme", Config{Scheme: "svix", Secret: "x"}, `scheme: unknown scheme "svix"`},
		{"scheme names are exact", Config{Scheme: "GitHub", Secret: "x"}, `scheme: unknown scheme "GitHub"`},
		{"no secret", Config{Scheme: SchemeGitHub}, "secret: required"},
		{"an empty previous secret", Config{Scheme: SchemeGitHub, Secret: "x", PreviousSecrets: []string{""}}, "previousSecrets[0]: required"},
		{"a secret with a newline", Config{Scheme: SchemeShopify, Secret: "x\n"}, "secret: has leading or trailing spaces"},
		{"a huge secret", Config{Scheme: SchemeShopify, Secret: strings.Repeat("x", 1025)}, "secret: at most 1024 bytes"},
		{"not a whsec secret", Config{Scheme: SchemeStandardWebhooks, Secret: "whsec_***"}, "secret: not a Standard Webhooks secret"},
		{"a setting of another scheme", Config{Scheme: SchemeGitHub, Secret: "x", Header: "X-Hub-Signature"}, "header: not a setting of the github scheme"},
		{"tolerance where none is read", Config{Scheme: SchemeShopify, Secret: "x", Tolerance: Duration(time.Minute)}, "tolerance: not a setting of the shopify scheme"},
		{"none with a secret", Config{Scheme: SchemeNone, Secret: "x"}, "secret: not a setting of the none scheme"},
		{"negative tolerance", Config{Scheme: SchemeStripe, Secret: "x", Tolerance: Duration(-time.Second)}, "tolerance: must not be negative"},
		{"huge tolerance", Config{Scheme: SchemeStripe, Secret: "x", Tolerance: Duration(25 * time.Hour)}, "tolerance: at most 24h0m0s"},
		{"fractional tolerance", Config{Scheme: SchemeStripe, Secret: "x", Tolerance: Duration(1500 * time.Millisecond)}, "tolerance: whole seconds"},
		{"hmac without header", with(func(c *Config) { c.Header = "" }), "header: required"},
		{"hmac with a bad header", with(func(c *Config) { c.Header = "X Sig" }), `header: "X Sig" is not a header name`},
		{"hmac without algorithm", with(func(c *Config) { c.Algorithm = "" }), "algorithm: one of sha1, sha256, sha512"},
		{"hmac md5", with(func(c *Config) { c.Algorithm = "md5" }), `algorithm: one of sha1, sha256, sha512 (got "md5")`},
		{"hmac without encoding", with(func(c *Config) { c.Encoding = "" }), "encoding: one of hex, base64, base64url"},
		{"hmac bad secret encoding", with(func(c *Config) { c.SecretEncoding = "rot13" }), "secretEncoding: one of text, base64, hex"},
		{"hmac secret not base64", with(func(c *Config) { c.SecretEncoding = "base64"; c.Secret = "%%" }), "secret: not base64"},
		{"hmac unknown part", with(func(c *Config) { c.Template = "{ts}.{body}" }), "template: unknown part {ts}"},
		{"hmac unclosed part", with(func(c *Config) { c.Template = "{body" }), "template: \"{body\" opens a part"},
		{"hmac timestamp without header", with(func(c *Config) { c.Template = "{timestamp}.{body}" }), "timestampHeader: required"},
		{"hmac unsigned timestamp", with(func(c *Config) { c.TimestampHeader = "X-Ts" }), "timestampHeader: the template has no {timestamp}"},
		{"hmac prefix with a control", with(func(c *Config) { c.Prefix = "a\x00" }), "prefix: has a control character"},
		{"basic without user", Config{Scheme: SchemeBasic, Secret: "p"}, "username: required"},
		{"basic user with a colon", Config{Scheme: SchemeBasic, Username: "a:b", Secret: "p"}, "username: must not contain a colon"},
		{"api key without header", Config{Scheme: SchemeAPIKey, Secret: "k"}, "header: required"},
	}
	for _, tt := range tests {
		err := tt.cfg.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Check(%+v) = %v, want nil", tt.name, tt.cfg, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Check(%+v) = %v, want an error with %q", tt.name, tt.cfg, err, tt.want)
		}
		if err != nil {
			var fes FieldErrors
			if !asFieldErrors(err, &fes) || len(fes) == 0 || fes[0].Field == "" {
				t.Errorf("%s: Check error %v is not a FieldErrors naming a field", tt.name, err)
			}
		}
	}
}

func asFieldErrors(err error, target *FieldErrors) bool {
	fes, ok := err.(FieldErrors)
	*target = fes
	return ok
}

func TestConfigJSON(t *testing.T) {
	in := `{"scheme":"stripe","secret":"whsec_x","tolerance":"10m"}`
	var c Config
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if c.Scheme != SchemeStripe || time.Duration(c.Tolerance) != 10*time.Minute || c.Check() != nil {
		t.Fatalf("json.Unmarshal(%s) = %+v (Check %v)", in, c, c.Check())
	}
	out, err := json.Marshal(c.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scheme":"stripe","secret":"REDACTED","tolerance":"10m0s"}`; string(out) != want {
		t.Errorf("json.Marshal(Redacted()) = %s, want %s", out, want)
	}
	if c.Secret != "whsec_x" {
		t.Errorf("Redacted changed its receiver: secret %q", c.Secret)
	}
	if err := json.Unmarshal([]byte(`{"scheme":"stripe","tolerance":300}`), &c); err == nil {
		t.Errorf("a tolerance as a bare number was accepted: %+v", c)
	}
	if err := json.Unmarshal([]byte(`{"scheme":"stripe","tolerance":"5 minutes"}`), &c); err == nil || !strings.Contains(err.Error(), "tolerance") {
		t.Errorf(`tolerance "5 minutes": %v, want an error naming tolerance`, err)
	}
}

func TestDeliveryID(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"standard webhooks", post(header("webhook-id", "msg_1", "svix-id", "msg_2"), body), "msg_1"},
		{"svix", post(header("svix-id", "msg_2"), body), "msg_2"},
		{"github", post(header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"), body), "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		{"shopify", post(header("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"), body), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"},
		{"stripe", post(header("Stripe-Signature", "t=1,v1=00"), `{"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event"}`), "evt_1NG8Du2eZvKYlo2CUI79vXWy"},
		{"stripe, not JSON", post(header("Stripe-Signature", "t=1,v1=00"), "id=evt_1"), ""},
		{"a JSON id without Stripe-Signature", post(header(), `{"id":"evt_1"}`), ""},
		{"none", post(header("X-Request-Id", "r1"), body), ""},
		{"nil header", Request{Body: []byte(body)}, ""},
		{"too long", post(header("webhook-id", strings.Repeat("a", 256)), body), ""},
		{"control characters", post(header("X-GitHub-Delivery", "a\x01b"), body), ""},
		{"spaces trimmed", post(header("webhook-id", " msg_1 "), body), "msg_1"},
	}
	for _, tt := range tests {
		if got := DeliveryID(tt.req); got != tt.want {
			t.Errorf("%s: DeliveryID(%v, %q) = %q, want %q", tt.name, tt.req.Header, tt.req.Body, got, tt.want)
		}
	}
}

func TestDiagnose(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	signedAt := now.Add(-612 * time.Second)
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	sig := "v1," + base64.StdEncoding.EncodeToString(mac(sha256.New, key, "msg_1."+ts+"."+body))
	req := post(header("webhook-id", "msg_1", "webhook-timestamp", ts, "webhook-signature", sig), body)

	// Signed with the previous secret 612 s ago.
	d := Diagnose(Config{Scheme: SchemeStandardWebhooks, Secret: other, PreviousSecrets: []string{secret}}, req, now)
	if d.OK || d.Reason != "timestamp 612 s old, tolerance 300 s" {
		t.Errorf("Diagnose.Result = %+v, want the stale timestamp", d.Result)
	}
	wantSecrets := []SecretMatch{{"secret", false}, {"previousSecrets[0]", true}}
	if len(d.Secrets) != 2 || d.Secrets[0] != wantSecrets[0] || d.Secrets[1] != wantSecrets[1] {
		t.Errorf("Diagnose.Secrets = %+v, want %+v", d.Secrets, wantSecrets)
	}
	if d.Timestamp == nil || time.Duration(d.Timestamp.Age) != 612*time.Second || time.Duration(d.Timestamp.Tolerance) != DefaultTolerance || !d.Timestamp.At.Equal(signedAt) {
		t.Errorf("Diagnose.Timestamp = %+v, want 612 s old at %v", d.Timestamp, signedAt)
	}
	if want := "msg_1." + ts + ".<body, 59 bytes>"; d.SignedContent != want {
		t.Errorf("Diagnose.SignedContent = %q, want %q", d.SignedContent, want)
	}
	if len(d.Headers) != 3 || d.Headers[2].Name != "webhook-signature" || d.Headers[2].Value != sig || !d.Headers[2].Present {
		t.Errorf("Diagnose.Headers = %+v, want the three webhook-* headers", d.Headers)
	}

	// A forgery that is also stale is reported as a forgery, the skew
	// still shown.
	d = Diagnose(Config{Scheme: SchemeStandardWebhooks, Secret: other}, req, now)
	if d.Reason != "signature does not match the body" || d.Timestamp == nil || len(d.Hints) == 0 {
		t.Errorf("Diagnose(wrong secret) = %+v, want a mismatch with the skew and a hint", d)
	}

	// Passwords and keys never show.
	d = Diagnose(Config{Scheme: SchemeBasic, Username: "acme", Secret: "hunter2"}, post(header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("acme:hunter3"))), ""), now)
	if got := d.Headers[0].Value; got != "Basic **** (16 bytes)" {
		t.Errorf("Diagnose(basic).Headers[0].Value = %q, want it masked", got)
	}
	if len(d.Hints) != 1 || d.Hints[0] != "the username matches but the password does not" {
		t.Errorf("Diagnose(basic).Hints = %q", d.Hints)
	}
	d = Diagnose(Config{Scheme: SchemeAPIKey, Header: "X-Key", Secret: "k_live_1"}, post(header("X-Key", "k_live_2"), ""), now)
	if got := d.Headers[0].Value; got != "**** (8 bytes)" {
		t.Errorf("Diagnose(api-key).Headers[0].Value = %q, want it masked", got)
	}
	out, _ := json.Marshal(d)
	if strings.Contains(string(out), "k_live") {
		t.Errorf("Diagnose(api-key) JSON shows the key: %s", out)
	}

	// The wrong algorithm shows as a size.
	d = Diagnose(Config{Scheme: SchemeHMAC, Secret: "s", Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"}, post(header("X-Sig", hex.EncodeToString(mac(sha1.New, []byte("s"), body))), body), now)
	if len(d.Hints) == 0 || !strings.Contains(d.Hints[0], "an HMAC-SHA256 is 32 bytes; the header holds 20") {
		t.Errorf("Diagnose(sha1 signature, sha256 scheme).Hints = %q", d.Hints)
	}
}
