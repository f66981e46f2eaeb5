package signature

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzVerify checks that Verify never panics on any secret, header values
// and body, and that whatever Sign produces for a message Verify accepts,
// while the same signature over a different body is refused.
func FuzzVerify(f *testing.F) {
	f.Add(specSecret, specMsgID, "1614265330", specSignature, []byte(specBody), int64(specTimestamp))
	f.Add("whsec_", "", "", "", []byte(nil), int64(0))
	f.Add("AAEC", "msg_1", "-1", "v1, v1,x v1a,y", []byte("{}"), int64(999999999999))
	f.Add("whsec_AA==", "m", "99999999999999999999", "v1,"+specSignature[3:]+"  ", []byte("x"), int64(-5))

	f.Fuzz(func(t *testing.T, secret, msgID, ts, sigs string, body []byte, timestamp int64) {
		now := time.Unix(specTimestamp, 0)
		h := http.Header{}
		h.Set("webhook-id", msgID)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sigs)
		_ = Verify(secret, h, body, now, 5*time.Minute)

		key, err := DecodeSecret(secret)
		if err != nil || msgID == "" {
			return
		}
		if timestamp < 0 {
			timestamp = -timestamp
		}
		timestamp %= 1_000_000_000_000 // the 12 digits Verify accepts
		sig := Sign(key, msgID, timestamp, body)
		h = http.Header{}
		h.Set("svix-id", msgID)
		h.Set("svix-timestamp", strconv.FormatInt(timestamp, 10))
		h.Set("svix-signature", sigs+" "+sig)
		if h.Get("svix-id") == "" {
			return
		}
		signedAt := time.Unix(timestamp, 0)
		if err := Verify(secret, h, body, signedAt, time.Second); err != nil {
			t.Fatalf("Verify(%q, Sign(%q, %d, %q)) = %v, want nil", secret, msgID, timestamp, body, err)
		}
		tampered := append([]byte{'!'}, body...)
		if err := Verify(secret, h, tampered, signedAt, time.Second); !errors.Is(err, ErrInvalidSignature) && !matchesOther(key, msgID, timestamp, tampered, sigs) {
			t.Fatalf("Verify(%q, Sign(%q, %d, %q), tampered body %q) = %v, want ErrInvalidSignature", secret, msgID, timestamp, body, tampered, err)
		}
	})
}

// matchesOther reports whether the fuzzer's own signature entries happen to
// sign the tampered message, in which case Verify rightly accepts it.
func matchesOther(key []byte, msgID string, timestamp int64, body []byte, sigs string) bool {
	return anyMatch(sigs, []byte(Sign(key, msgID, timestamp, body)[len(version):]))
}
