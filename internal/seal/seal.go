// Package seal encrypts the small secrets Hookline keeps for others
// (endpoint signing secrets, custom header values, inbound source secrets)
// before they are stored, with AES-256-GCM from the standard library.
//
// A sealed value is text, so it fits the columns that held the plain one:
//
//	hlseal:v1:<key id>:<base64 of nonce, ciphertext and tag>
//
// "hlseal:" tells a sealed value from a plain one (no plain secret,
// header map or list starts with it: see the callers), "v1" names this
// format, and the key ID (8 hex digits derived from the key, revealing
// nothing of it) says which key sealed it, so that a wrong key is reported
// as such rather than as corrupt data. Each value is bound to where it is
// stored by GCM's additional data (for example "endpoints.secret/ep_..."),
// so a sealed value copied into another row or column does not open.
//
// The key is 32 random bytes; see config for how it is given.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// Prefix starts every sealed value.
const Prefix = "hlseal:"

// version is the format after Prefix.
const version = "v1"

// Errors of Open. Callers match them with errors.Is.
var (
	// ErrWrongKey: the value was sealed with another key.
	ErrWrongKey = errors.New("sealed with another encryption key")
	// ErrMalformed: the value starts with Prefix but is not a value this
	// package sealed, or was changed since, or belongs elsewhere (its
	// additional data differs).
	ErrMalformed = errors.New("sealed value is malformed or was tampered with")
)

// Key seals and opens values. It is safe for concurrent use. It never
// prints its material: String and the fmt verbs show its ID only.
type Key struct {
	aead cipher.AEAD
	id   string
}

// NewKey returns the key made of raw, which must be KeySize bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("encryption key: want %d bytes, got %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	// A random 96-bit nonce per value, prepended to it: values are few
	// (endpoints, headers), far below GCM's 2^32 seals per key.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	mac := hmac.New(sha256.New, raw)
	mac.Write([]byte("hookline seal key id"))
	return &Key{aead: aead, id: hex.EncodeToString(mac.Sum(nil)[:4])}, nil
}

// ID names the key in sealed values and in messages: a one-way function
// of it, so it can be logged.
func (k *Key) ID() string { return k.id }

// String shows the key's ID, never its material.
func (k *Key) String() string { return "encryption key " + k.id }

// Format prints String for every verb (%#v and %d included, which would
// otherwise print the cipher's expanded key), so a Key inside a logged or
// printed struct shows nothing of itself.
func (k *Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue is String, for log/slog.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Seal encrypts plain, bound to where, and returns the sealed text.
func (k *Key) Seal(plain, where string) string {
	ct := k.aead.Seal(nil, nil, []byte(plain), []byte(where))
	return Prefix + version + ":" + k.id + ":" + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a value Seal returned for the same where. It fails with
// ErrWrongKey when another key sealed it and ErrMalformed when it is not
// intact.
func (k *Key) Open(sealed, where string) (string, error) {
	id, ct, err := parse(sealed)
	if err != nil {
		return "", err
	}
	if id != k.id {
		return "", fmt.Errorf("%w (key %s; the one given is %s)", ErrWrongKey, id, k.id)
	}
	plain, err := k.aead.Open(nil, nil, ct, []byte(where))
	if err != nil {
		return "", ErrMalformed
	}
	return string(plain), nil
}

// IsSealed reports whether v is a sealed value (starts with Prefix).
func IsSealed(v string) bool { return strings.HasPrefix(v, Prefix) }

// KeyID returns the ID of the key that sealed v.
func KeyID(sealed string) (string, error) {
	id, _, err := parse(sealed)
	return id, err
}

func parse(sealed string) (id string, ct []byte, err error) {
	rest, ok := strings.CutPrefix(sealed, Prefix+version+":")
	if !ok {
		return "", nil, ErrMalformed
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok || len(id) != 8 {
		return "", nil, ErrMalformed
	}
	ct, err = base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, ErrMalformed
	}
	return id, ct, nil
}
