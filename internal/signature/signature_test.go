package signature

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
)

// The example from the Standard Webhooks specification
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustDecode(t testing.TB, secret string) []byte {
	t.Helper()
	key, err := DecodeSecret(secret)
	if err != nil {
		t.Fatalf("DecodeSecret(%q) = %v", secret, err)
	}
	return key
}

// headers returns the Standard Webhooks headers, and the svix-* family too
// when svixToo is set, as Hookline sends them.
func headers(msgID string, timestamp int64, sig string, svixToo bool) http.Header {
	h := http.Header{}
	ts := strconv.FormatInt(timestamp, 10)
	h.Set("webhook-id", msgID)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", sig)
	if svixToo {
		h.Set("svix-id", msgID)
		h.Set("svix-timestamp", ts)
		h.Set("svix-signature", sig)
	}
	return h
}

func TestSignGolden(t *testing.T) {
	tests := []struct {
		secret    string
		msgID     string
		timestamp int64
		body      string
		want      string
	}{
		{specSecret, specMsgID, specTimestamp, specBody, specSignature},
		// The prefix is optional: the same key without it signs the same.
		{strings.TrimPrefix(specSecret, SecretPrefix), specMsgID, specTimestamp, specBody, specSignature},
	}
	for _, tt := range tests {
		key := mustDecode(t, tt.secret)
		if got := Sign(key, tt.msgID, tt.timestamp, []byte(tt.body)); got != tt.want {
			t.Errorf("Sign(%q, %q, %d, %q) = %q, want %q", tt.secret, tt.msgID, tt.timestamp, tt.body, got, tt.want)
		}
		dst := []byte("prefix ")
		if got := AppendSignature(dst, key, tt.msgID, tt.timestamp, []byte(tt.body)); string(got) != "prefix "+tt.want {
			t.Errorf("AppendSignature(%q, %q, %q, %d, %q) = %q, want %q", "prefix ", tt.secret, tt.msgID, tt.timestamp, tt.body, got, "prefix "+tt.want)
		}
	}
}

func TestVerifyGolden(t *testing.T) {
	now := time.Unix(specTimestamp, 0)
	h := headers(specMsgID, specTimestamp, specSignature, false)
	if err := Verify(specSecret, h, []byte(specBody), now, 5*time.Minute); err != nil {
		t.Errorf("Verify(spec example) = %v, want nil", err)
	}
}

func TestAppendSignatureReusesBuffer(t *testing.T) {
	key := mustDecode(t, specSecret)
	buf := make([]byte, 0, 256)
	for range 3 {
		got := AppendSignature(buf[:0], key, specMsgID, specTimestamp, []byte(specBody))
		if string(got) != specSignature {
			t.Fatalf("AppendSignature(buf[:0], ...) = %q, want %q", got, specSignature)
		}
		if &got[0] != &buf[:1][0] {
			t.Fatalf("AppendSignature(buf[:0], ...) reallocated a buffer with room to spare")
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s, err := GenerateSecret()
		if err != nil {
			t.Fatalf("GenerateSecret() = %v", err)
		}
		if !strings.HasPrefix(s, SecretPrefix) || len(s) != len(SecretPrefix)+32 {
			t.Fatalf("GenerateSecret() = %q, want whsec_ and 32 base64 characters", s)
		}
		if !ValidSecret(s) {
			t.Fatalf("ValidSecret(GenerateSecret() = %q) = false", s)
		}
		if key := mustDecode(t, s); len(key) != 24 {
			t.Fatalf("DecodeSecret(%q) has %d bytes, want 24", s, len(key))
		}
		if seen[s] {
			t.Fatalf("GenerateSecret() repeated %q", s)
		}
		seen[s] = true
	}
}

func TestDecodeSecret(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte // nil means an error
		wantErr bool
	}{
		{in: "whsec_AAEC", want: []byte{0, 1, 2}},
		{in: "AAEC", want: []byte{0, 1, 2}},
		{in: "whsec_AA==", want: []byte{0}},
		{in: "", wantErr: true},
		{in: "whsec_", wantErr: true},
		{in: "whsec_AA", wantErr: true},         // missing padding
		{in: "whsec_AA=A", wantErr: true},       // padding in the middle
		{in: "whsec_AAEC\n", wantErr: true},     // base64 would skip the newline
		{in: "whsec_AA-_", wantErr: true},       // URL alphabet
		{in: "whsec_whsec_AAEC", wantErr: true}, // prefix only once
		{in: "Whsec_AAEC", wantErr: true},
	}
	for _, tt := range tests {
		got, err := DecodeSecret(tt.in)
		switch {
		case tt.wantErr && err == nil:
			t.Errorf("DecodeSecret(%q) = %v, nil, want an error", tt.in, got)
		case tt.wantErr && !errors.Is(err, ErrInvalidSecret):
			t.Errorf("DecodeSecret(%q) = %v, want ErrInvalidSecret", tt.in, err)
		case !tt.wantErr && (err != nil || !bytes.Equal(got, tt.want)):
			t.Errorf("DecodeSecret(%q) = %v, %v, want %v, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestValidSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		in   string
		want bool
	}{
		{specSecret, true},
		{"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", true}, // the Svix API's example
		{strings.TrimPrefix(specSecret, SecretPrefix), true},
		{SecretPrefix + b64(24), true},                  // 32 characters, the minimum
		{SecretPrefix + b64(75), true},                  // 100 characters, the maximum
		{SecretPrefix + b64(21), false},                 // 28 characters
		{SecretPrefix + b64(76), false},                 // 104 characters
		{SecretPrefix + strings.Repeat("A", 33), false}, // matches the pattern, does not decode
		{SecretPrefix + b64(24)[:31] + "_", false},
		{SecretPrefix + b64(24)[:31] + " ", false},
		{"", false},
		{SecretPrefix, false},
	}
	for _, tt := range tests {
		if got := ValidSecret(tt.in); got != tt.want {
			t.Errorf("ValidSecret(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	const ts = int64(1_700_000_000)
	now := time.Unix(ts, 0)
	body := []byte(`{"type":"invoice.paid"}`)
	key := mustDecode(t, specSecret)
	sig := Sign(key, specMsgID, ts, body)
	otherSecret := "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	otherSig := Sign(mustDecode(t, otherSecret), specMsgID, ts, body)

	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"webhook headers", specSecret, headers(specMsgID, ts, sig, false), body, now, nil},
		{"both families", specSecret, headers(specMsgID, ts, sig, true), body, now, nil},
		{"svix headers only", specSecret, http.Header{
			"Svix-Id": {specMsgID}, "Svix-Timestamp": {strconv.FormatInt(ts, 10)}, "Svix-Signature": {sig},
		}, body, now, nil},
		{"rotation, first key", specSecret, headers(specMsgID, ts, sig+" "+otherSig, false), body, now, nil},
		{"rotation, second key", otherSecret, headers(specMsgID, ts, sig+" "+otherSig, false), body, now, nil},
		{"rotation, neither key", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 24)),
			headers(specMsgID, ts, sig+" "+otherSig, false), body, now, ErrInvalidSignature},
		{"v1a entry skipped", specSecret, headers(specMsgID, ts, "v1a,"+sig[3:]+" "+sig, false), body, now, nil},
		{"only v1a entry", specSecret, headers(specMsgID, ts, "v1a,"+sig[3:], false), body, now, ErrInvalidSignature},
		{"tampered body", specSecret, headers(specMsgID, ts, sig, false), []byte(`{"type":"invoice.paid "}`), now, ErrInvalidSignature},
		{"nil body", specSecret, headers(specMsgID, ts, sig, false), nil, now, ErrInvalidSignature},
		{"tampered id", specSecret, headers("msg_other", ts, sig, false), body, now, ErrInvalidSignature},
		{"tampered timestamp", specSecret, headers(specMsgID, ts+1, sig, false), body, now, ErrInvalidSignature},
		{"wrong secret", otherSecret, headers(specMsgID, ts, sig, false), body, now, ErrInvalidSignature},
		{"truncated signature", specSecret, headers(specMsgID, ts, sig[:len(sig)-1], false), body, now, ErrInvalidSignature},
		{"signature without version", specSecret, headers(specMsgID, ts, sig[3:], false), body, now, ErrInvalidSignature},
		{"signature with v2", specSecret, headers(specMsgID, ts, "v2,"+sig[3:], false), body, now, ErrInvalidSignature},
		{"signature case changed", specSecret, headers(specMsgID, ts, "V1,"+sig[3:], false), body, now, ErrInvalidSignature},
		{"padding dropped", specSecret, headers(specMsgID, ts, strings.TrimRight(sig, "="), false), body, now, ErrInvalidSignature},
		{"no headers", specSecret, http.Header{}, body, now, ErrMissingHeaders},
		{"empty id", specSecret, headers("", ts, sig, false), body, now, ErrMissingHeaders},
		{"empty signature", specSecret, headers(specMsgID, ts, "", false), body, now, ErrMissingHeaders},
		{"families mixed", specSecret, http.Header{
			"Webhook-Id": {specMsgID}, "Svix-Timestamp": {strconv.FormatInt(ts, 10)}, "Webhook-Signature": {sig},
		}, body, now, ErrMissingHeaders},
		{"timestamp not a number", specSecret, http.Header{
			"Webhook-Id": {specMsgID}, "Webhook-Timestamp": {"1700000000.5"}, "Webhook-Signature": {sig},
		}, body, now, ErrInvalidTimestamp},
		{"timestamp with sign", specSecret, http.Header{
			"Webhook-Id": {specMsgID}, "Webhook-Timestamp": {"+1700000000"}, "Webhook-Signature": {sig},
		}, body, now, ErrInvalidTimestamp},
		{"timestamp with leading zero", specSecret, http.Header{
			"Webhook-Id": {specMsgID}, "Webhook-Timestamp": {"01700000000"}, "Webhook-Signature": {sig},
		}, body, now, ErrInvalidTimestamp},
		{"timestamp in milliseconds", specSecret, http.Header{
			"Webhook-Id": {specMsgID}, "Webhook-Timestamp": {"1700000000000"}, "Webhook-Signature": {sig},
		}, body, now, ErrInvalidTimestamp},
		{"at the old edge", specSecret, headers(specMsgID, ts, sig, false), body, now.Add(5*time.Minute + 999*time.Millisecond), nil},
		{"too old", specSecret, headers(specMsgID, ts, sig, false), body, now.Add(5*time.Minute + time.Second), ErrTimestampTooOld},
		{"at the new edge", specSecret, headers(specMsgID, ts, sig, false), body, now.Add(-5 * time.Minute), nil},
		{"too new", specSecret, headers(specMsgID, ts, sig, false), body, now.Add(-5*time.Minute - time.Second), ErrTimestampTooNew},
		{"forged and too old", specSecret, headers(specMsgID, ts, otherSig, false), body, now.Add(time.Hour), ErrInvalidSignature},
		{"bad secret", "whsec_!!!!", headers(specMsgID, ts, sig, false), body, now, ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Verify(%q, %v, %q, %v, 5m) = %v, want %v", tt.secret, tt.header, tt.body, tt.now.Unix(), err, tt.want)
			}
		})
	}
}

// TestSignAgainstLibraries checks that receivers using the official
// libraries accept what Sign produces, sent the way Hookline sends it.
// Those libraries read the wall clock, so the message is signed now.
func TestSignAgainstLibraries(t *testing.T) {
	secret, err := GenerateSecret()
	if err != nil {
		t.Fatalf("GenerateSecret() = %v", err)
	}
	other, err := GenerateSecret()
	if err != nil {
		t.Fatalf("GenerateSecret() = %v", err)
	}
	ts := time.Now().Unix()
	body := []byte(`{"hello":"world","n":1}`)
	rotated := Sign(mustDecode(t, other), "msg_x", ts, body) + " " + Sign(mustDecode(t, secret), "msg_x", ts, body)

	svixHook, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatalf("svix.NewWebhook(%q) = %v", secret, err)
	}
	stdHook, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("standardwebhooks.NewWebhook(%q) = %v", secret, err)
	}
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		ok     bool
	}{
		{"both families", headers("msg_x", ts, rotated, true), body, true},
		{"webhook family", headers("msg_x", ts, rotated, false), body, true},
		{"tampered body", headers("msg_x", ts, rotated, true), append([]byte(" "), body...), false},
	}
	for _, tt := range tests {
		if err := svixHook.Verify(tt.body, tt.header); (err == nil) != tt.ok {
			t.Errorf("%s: svix Verify(%q, %v) = %v, want ok=%v", tt.name, tt.body, tt.header, err, tt.ok)
		}
		if err := stdHook.Verify(tt.body, tt.header); (err == nil) != tt.ok {
			t.Errorf("%s: standardwebhooks Verify(%q, %v) = %v, want ok=%v", tt.name, tt.body, tt.header, err, tt.ok)
		}
	}
}

// TestVerifyAgainstLibraries checks that Verify accepts what the official
// libraries sign.
func TestVerifyAgainstLibraries(t *testing.T) {
	secret, err := GenerateSecret()
	if err != nil {
		t.Fatalf("GenerateSecret() = %v", err)
	}
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"a":[1,2,3]}`)
	svixHook, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatalf("svix.NewWebhook(%q) = %v", secret, err)
	}
	stdHook, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("standardwebhooks.NewWebhook(%q) = %v", secret, err)
	}
	svixSig, err := svixHook.Sign("msg_y", now, body)
	if err != nil {
		t.Fatalf("svix Sign = %v", err)
	}
	stdSig, err := stdHook.Sign("msg_y", now, body)
	if err != nil {
		t.Fatalf("standardwebhooks Sign = %v", err)
	}
	for _, sig := range []string{svixSig, stdSig} {
		if want := Sign(mustDecode(t, secret), "msg_y", now.Unix(), body); sig != want {
			t.Errorf("library signature %q, Sign = %q", sig, want)
		}
		if err := Verify(secret, headers("msg_y", now.Unix(), sig, false), body, now, time.Minute); err != nil {
			t.Errorf("Verify(library signature %q) = %v, want nil", sig, err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	key := mustDecode(b, specSecret)
	body := bytes.Repeat([]byte("x"), 256)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		buf = AppendSignature(buf[:0], key, specMsgID, specTimestamp, body)
	}
}

func BenchmarkVerify(b *testing.B) {
	key := mustDecode(b, specSecret)
	body := bytes.Repeat([]byte("x"), 256)
	h := headers(specMsgID, specTimestamp, Sign(key, specMsgID, specTimestamp, body), true)
	now := time.Unix(specTimestamp, 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := Verify(specSecret, h, body, now, 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
