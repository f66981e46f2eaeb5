package webhook

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenPrefix starts every Hookline API token, so a leaked one is easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "hk_"

// NewTokenSecret returns a new random API token (what the client sends as
// Bearer) and the hash that is stored in its place.
func NewTokenSecret() (plain string, hash []byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("generate token: %w", err)
	}
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashToken(plain), nil
}

// HashToken is the stored form of a token. Tokens carry 256 random bits, so
// a fast hash is enough: there is nothing to brute-force.
func HashToken(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// TokenKind says who made a token, which decides what replaces it.
type TokenKind string

const (
	// TokenBootstrap is the admin token the server sets up itself: the one
	// given as --admin-token, or the one generated and printed at the
	// first start. A different --admin-token replaces it.
	TokenBootstrap TokenKind = "bootstrap"
	// TokenDev is the admin token a --dev start prints; the next --dev
	// start replaces it.
	TokenDev TokenKind = "dev"
	// TokenCreated is an admin token made by `hookline token create`;
	// only `hookline token revoke` (or its expiry) ends it.
	TokenCreated TokenKind = "created"
	// TokenAppPortal is an app-portal (dashboard access) token, scoped to
	// one app, made through the API.
	TokenAppPortal TokenKind = "app-portal"
	// TokenLegacy is an admin token stored before kinds were recorded: it
	// came from --admin-token or a generated start, which cannot be told
	// apart any more, so a new bootstrap or dev token replaces it too.
	TokenLegacy TokenKind = "legacy"
)

// AdminTokenKinds returns the kinds of admin tokens (those without an app).
func AdminTokenKinds() []TokenKind {
	return []TokenKind{TokenBootstrap, TokenDev, TokenCreated, TokenLegacy}
}
