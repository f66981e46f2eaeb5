// Package signature signs and verifies webhooks the Standard Webhooks way
// (https://www.standardwebhooks.com/, the scheme Svix uses): the signature is
// "v1," followed by the base64 HMAC-SHA256 of "msgID.timestamp.body", keyed
// by the bytes a "whsec_<base64>" secret decodes to.
//
// It is strict (malformed secrets, headers and timestamps are errors, never
// defaults) and compares signatures in constant time. It imports only the
// standard library.
package signature

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SecretPrefix marks an endpoint secret as a Standard Webhooks secret. It is
// optional when decoding, as in the Svix and Standard Webhooks libraries.
const SecretPrefix = "whsec_"

// secretSize is the number of random bytes in a generated secret: the size
// the Svix API documents as recommended ("Recommended size: 24").
const secretSize = 24

// Bounds on the base64 part of a secret, from the pattern the Svix OpenAPI
// spec puts on endpoint secrets: ^(whsec_)?[a-zA-Z0-9+/=]{32,100}$.
const (
	minSecretChars = 32
	maxSecretChars = 100
)

const (
	// version is the only signature scheme Hookline emits and accepts;
	// asymmetric "v1a" entries are skipped when verifying.
	version = "v1,"
	// macSize is the size of an HMAC-SHA256.
	macSize = sha256.Size
	// encodedMACSize is the length of a base64 (padded) HMAC-SHA256.
	encodedMACSize = (macSize + 2) / 3 * 4
	// signatureSize is len("v1,<base64 MAC>").
	signatureSize = len(version) + encodedMACSize
)

// ErrInvalidSecret is returned (wrapped) by DecodeSecret for a secret that is
// empty or not standard base64.
var ErrInvalidSecret = errors.New("invalid secret")

// GenerateSecret returns a new secret: SecretPrefix followed by the standard
// base64 encoding of 24 bytes from crypto/rand.
func GenerateSecret() (string, error) {
	var key [secretSize]byte
	if _, err := rand.Read(key[:]); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key[:]), nil
}

// DecodeSecret returns the HMAC key a secret stands for: the standard base64
// decoding of s, with an optional SecretPrefix removed first. It fails for an
// empty key and for any character outside the base64 alphabet.
func DecodeSecret(s string) ([]byte, error) {
	enc := strings.TrimPrefix(s, SecretPrefix)
	if enc == "" {
		return nil, fmt.Errorf("decode secret: %w: empty", ErrInvalidSecret)
	}
	// encoding/base64 silently skips '\r' and '\n'; refuse them (and
	// anything else outside the alphabet) so one secret has one spelling.
	for i := 0; i < len(enc); i++ {
		if !isBase64Char(enc[i]) {
			return nil, fmt.Errorf("decode secret: %w: byte %d is %q", ErrInvalidSecret, i+len(s)-len(enc), enc[i])
		}
	}
	// StdEncoding rather than StdEncoding.Strict: the Svix and Standard
	// Webhooks libraries decode with StdEncoding, and a receiver must derive
	// the same key from the same secret as we do.
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("decode secret: %w: %w", ErrInvalidSecret, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("decode secret: %w: empty key", ErrInvalidSecret)
	}
	return key, nil
}

// ValidSecret reports whether s is acceptable as an endpoint secret in the
// API: it matches the Svix pattern ^(whsec_)?[a-zA-Z0-9+/=]{32,100}$ and
// decodes.
func ValidSecret(s string) bool {
	enc := strings.TrimPrefix(s, SecretPrefix)
	if len(enc) < minSecretChars || len(enc) > maxSecretChars {
		return false
	}
	_, err := DecodeSecret(s)
	return err == nil
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '='
}

// Sign returns the Standard Webhooks signature of a message:
// "v1,<base64 HMAC-SHA256(key, msgID + "." + timestamp + "." + body)>",
// where timestamp is in Unix seconds.
func Sign(key []byte, msgID string, timestamp int64, body []byte) string {
	var buf [signatureSize + macSize]byte
	return string(AppendSignature(buf[:0], key, msgID, timestamp, body))
}

// AppendSignature appends the signature Sign returns to dst and returns the
// extended slice. When dst has spare capacity for len(msgID)+22 bytes and
// for 79 bytes (the signature and the raw MAC it is encoded from), it
// allocates nothing beyond the HMAC itself, so a sender can reuse one buffer
// for every attempt.
func AppendSignature(dst []byte, key []byte, msgID string, timestamp int64, body []byte) []byte {
	mac := hmac.New(sha256.New, key)

	// The signed content's prefix is assembled in dst's spare capacity
	// rather than a buffer of its own: a slice passed to hash.Hash.Write
	// escapes, so a local array would be moved to the heap on every call.
	start := len(dst)
	dst = append(dst, msgID...)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, '.')
	mac.Write(dst[start:])
	mac.Write(body)

	// Layout after start: "v1," | base64 MAC | raw MAC. The raw MAC sits past
	// the encoded part so encoding never overwrites its own input.
	dst = dst[:start]
	dst = append(dst, version...)
	end := start + signatureSize
	dst = growTo(dst, end+macSize)
	sum := mac.Sum(dst[end:end])
	base64.StdEncoding.Encode(dst[start+len(version):end], sum)
	return dst[:end]
}

// growTo returns b resliced to length n, reallocating only if its capacity
// is short. Bytes past the old length are unspecified.
func growTo(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	return append(b, make([]byte, n-len(b))...)
}
