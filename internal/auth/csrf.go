package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// ErrCSRF: a form was posted without its session's CSRF token.
var ErrCSRF = errors.New("missing or invalid CSRF token")

// CSRFToken returns the token every form of sess carries (a hidden
// field): an HMAC of the session's ID under a key derived from the
// session key. A page of another site can neither read it (it is in the
// page, not a cookie) nor compute it, and it changes with each sign-in.
func (s *Sessions) CSRFToken(sess Session) string {
	return base64.RawURLEncoding.EncodeToString(s.csrfMAC(sess.ID))
}

// CheckCSRF reports ErrCSRF unless token is sess's CSRF token; the
// comparison takes the same time wherever the values differ.
func (s *Sessions) CheckCSRF(sess Session, token string) error {
	got, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || sess.ID == "" || !hmac.Equal(got, s.csrfMAC(sess.ID)) {
		return ErrCSRF
	}
	return nil
}

func (s *Sessions) csrfMAC(sessionID string) []byte {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte(sessionID))
	return mac.Sum(nil)
}
