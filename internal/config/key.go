package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// KeySize is the length of the encryption key in bytes (AES-256).
const KeySize = 32

// Key is secret key material: HOOKLINE_ENCRYPTION_KEY decoded. It never
// prints: every fmt verb, slog and encoding/json show "[redacted]", so a
// Config in a log line, an error or a dump keeps it hidden.
type Key []byte

const redacted = "[redacted]"

// String hides the key.
func (k Key) String() string {
	if len(k) == 0 {
		return ""
	}
	return redacted
}

// Format prints String for every verb, %x and %d included.
func (k Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue hides the key from log/slog.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalText hides the key from encoding/json and the like.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ParseKey decodes an encryption key: 32 bytes written as 64 hex digits or
// as base64 (standard or URL alphabet, padded or not: 43 or 44
// characters), with surrounding whitespace (a file's newline) ignored.
// `openssl rand -base64 32` and `openssl rand -hex 32` make one. Errors
// never repeat the value.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return Key(b), nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return Key(b), nil
		}
	}
	return nil, fmt.Errorf("want %d random bytes as 64 hex digits or base64 (openssl rand -base64 32), got %d characters that are neither", KeySize, len(s))
}

// readKeyFile reads and decodes the key file at path.
func readKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
