package signature

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors Verify returns, wrapped; match them with errors.Is.
var (
	// ErrMissingHeaders: neither the webhook-id, webhook-timestamp and
	// webhook-signature headers nor the svix-id, svix-timestamp and
	// svix-signature headers are all present and non-empty.
	ErrMissingHeaders = errors.New("missing signature headers")
	// ErrInvalidTimestamp: the timestamp header is not a decimal integer
	// number of Unix seconds.
	ErrInvalidTimestamp = errors.New("invalid timestamp header")
	// ErrInvalidSignature: no "v1," entry in the signature header matches
	// the body, id and timestamp under the secret.
	ErrInvalidSignature = errors.New("no matching signature")
	// ErrTimestampTooOld: the signature matches but the timestamp is more
	// than the tolerance before now (a stale or replayed message).
	ErrTimestampTooOld = errors.New("message timestamp too old")
	// ErrTimestampTooNew: the signature matches but the timestamp is more
	// than the tolerance after now.
	ErrTimestampTooNew = errors.New("message timestamp too new")
)

// Header names, in the canonical form http.Header stores.
const (
	headerWebhookID        = "Webhook-Id"
	headerWebhookTimestamp = "Webhook-Timestamp"
	headerWebhookSignature = "Webhook-Signature"
	headerSvixID           = "Svix-Id"
	headerSvixTimestamp    = "Svix-Timestamp"
	headerSvixSignature    = "Svix-Signature"
)

// Verify checks that body and header carry a valid Standard Webhooks
// signature made with secret, and that the signed timestamp lies within
// tolerance of now.
//
// It reads webhook-id, webhook-timestamp and webhook-signature, or, when
// any of those is missing, svix-id, svix-timestamp and svix-signature; the
// three always come from the same family. The signature header may hold
// several space-separated entries (a sender sends one per secret during a
// rotation); any "v1," entry that matches is enough, and entries of other
// versions are skipped. Signatures are compared in constant time.
//
// The signature is checked before the timestamp, so ErrTimestampTooOld and
// ErrTimestampTooNew mean an authentic message outside the window, never a
// forgery. The errors are ErrMissingHeaders, ErrInvalidTimestamp,
// ErrInvalidSignature, ErrTimestampTooOld, ErrTimestampTooNew, and
// ErrInvalidSecret if secret does not decode. A negative tolerance refuses
// every message.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := DecodeSecret(secret)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	msgID, ts, sigs, ok := signatureHeaders(header, headerWebhookID, headerWebhookTimestamp, headerWebhookSignature)
	if !ok {
		msgID, ts, sigs, ok = signatureHeaders(header, headerSvixID, headerSvixTimestamp, headerSvixSignature)
	}
	if !ok {
		return fmt.Errorf("verify: %w", ErrMissingHeaders)
	}
	timestamp, err := parseTimestamp(ts)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}

	var buf [64 + signatureSize + macSize]byte
	expected := AppendSignature(buf[:0], key, msgID, timestamp, body)[len(version):]
	if !anyMatch(sigs, expected) {
		return fmt.Errorf("verify: %w", ErrInvalidSignature)
	}

	// Compare in whole seconds, the header's unit, so a sub-second now
	// cannot push a message exactly at the edge of the window out of it.
	age := now.Unix() - timestamp
	limit := int64(tolerance / time.Second)
	switch {
	case age > limit:
		return fmt.Errorf("verify: %w: signed %ds before now, tolerance %v", ErrTimestampTooOld, age, tolerance)
	case -age > limit:
		return fmt.Errorf("verify: %w: signed %ds after now, tolerance %v", ErrTimestampTooNew, -age, tolerance)
	}
	return nil
}

// signatureHeaders returns the values of one family of headers, and false
// unless all three are present and non-empty.
func signatureHeaders(header http.Header, idName, tsName, sigName string) (msgID, ts, sigs string, ok bool) {
	msgID, ts, sigs = header.Get(idName), header.Get(tsName), header.Get(sigName)
	return msgID, ts, sigs, msgID != "" && ts != "" && sigs != ""
}

// parseTimestamp parses a canonical decimal count of Unix seconds. It
// refuses signs, spaces and leading zeros: the MAC is computed over the
// number re-formatted, as the Svix libraries do, so only the canonical
// spelling is the text the sender signed.
func parseTimestamp(s string) (int64, error) {
	// At most 12 digits keeps the value under 10^12 seconds (year ~33,700),
	// so now.Unix() - timestamp in Verify cannot overflow.
	if len(s) == 0 || len(s) > 12 || len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%w: %q", ErrInvalidTimestamp, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q", ErrInvalidTimestamp, s)
		}
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidTimestamp, err)
	}
	return ts, nil
}

// anyMatch reports whether one of the space-separated "v1,<base64>" entries
// in sigs equals expected (the base64 part). It compares the encoded text,
// as the Svix libraries do, so a non-canonical encoding of the right MAC is
// refused rather than normalized.
func anyMatch(sigs string, expected []byte) bool {
	matched := false
	for entry := range strings.SplitSeq(sigs, " ") {
		enc, ok := strings.CutPrefix(entry, version)
		if !ok {
			continue
		}
		// hmac.Equal takes constant time for equal lengths; a length
		// mismatch reveals only the length of a public encoding. Every
		// entry is compared, so the time does not reveal which matched.
		if hmac.Equal([]byte(enc), expected) {
			matched = true
		}
	}
	return matched
}
