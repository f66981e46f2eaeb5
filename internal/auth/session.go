package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
)

// A browser session is made from a token (an admin token typed into the
// sign-in form, or the app-portal token of a portal link) and kept by the
// browser as a cookie: the token itself, with the session's ID and
// expiry, sealed with AES-256-GCM (internal/seal) under a key the server
// keeps in its store, shared by every node. Nothing is stored per session
// but its end when it is signed out (until it would have expired): opening
// one decrypts the cookie, checks it was not signed out, and authenticates
// its token again through the Authenticator's cache, so a session ends
// when it is signed out (at once, on every node), when its token is
// revoked (at once on this node, within TokenCacheTTL elsewhere) or
// expires, and never outlives it.
//
// The cookie holds the plain token rather than its hash so that reading
// the database (a backup) is not enough to mint a session: the stored key
// opens cookies, but making one needs a token nobody stored.

// Cookie names where a session cookie lives. An operator's session and
// portal sessions live side by side in one browser (an operator opening a
// customer's portal link must not be signed out of the dashboard), and a
// portal session is sent to its own app's pages only, so two portals open
// in one browser do not overwrite each other.
type Cookie struct {
	Name string
	Path string
	// Embedded cookies are sent inside another site's iframe too:
	// SameSite=None, Secure and Partitioned (CHIPS), so the portal works
	// embedded in the operator's own settings page without becoming a
	// third-party cookie that follows the user around.
	Embedded bool
}

// AdminCookie is the operator's session, sent to every page.
var AdminCookie = Cookie{Name: "hookline_session", Path: "/"}

// PortalCookie is the session of one app's portal, sent only under
// /portal/{appID} (a cookie path without a trailing slash matches the
// path itself and what is below it, not /portal/{appID}x).
func PortalCookie(appID string, embedded bool) Cookie {
	return Cookie{Name: "hookline_portal", Path: "/portal/" + appID, Embedded: embedded}
}

// DefaultSessionMaxAge is how long a session lasts at most when its token
// lasts longer (admin tokens never expire): a working day.
const DefaultSessionMaxAge = 12 * time.Hour

// sessionKeyName names the session key in the store; sessionWhere binds
// sealed cookies to their use (seal's additional data).
const (
	sessionKeyName = "browser-session-v1"
	sessionWhere   = "cookie/session"
)

// KeyStore keeps the server's session key and the sessions signed out.
type KeyStore interface {
	ServerKeyEnsure(ctx context.Context, p store.ServerKeyEnsureParams) ([]byte, error)
	SessionEnd(ctx context.Context, p store.SessionEndParams) error
	SessionEnded(ctx context.Context, id string) (bool, error)
}

// SessionConfig is what Sessions need.
type SessionConfig struct {
	Keys KeyStore
	Auth *Authenticator
	// MaxAge bounds a session's life; default DefaultSessionMaxAge.
	MaxAge time.Duration
	// PublicURL is the server's external base URL (--public-url): when it
	// is https, cookies are Secure even on a plain request, which is what
	// a TLS-terminating proxy forwards.
	PublicURL string
	// Now is the clock; default time.Now. Give the Authenticator's.
	Now func() time.Time
	// Random is the source of keys and session IDs; default crypto/rand.
	Random io.Reader
}

// Sessions makes, opens and sets browser sessions. Safe for concurrent use.
type Sessions struct {
	keys      KeyStore
	auth      *Authenticator
	key       *seal.Key
	csrfKey   []byte
	maxAge    time.Duration
	secureURL bool
	clock     func() time.Time
	random    io.Reader
}

// Session is one signed-in browser.
type Session struct {
	// ID is random and binds the session's CSRF token.
	ID        string
	Principal Principal
	// Expires is when the session ends: its token's expiry or MaxAge after
	// sign-in, whichever is first.
	Expires time.Time
	token   string
}

// sessionData is what the cookie seals.
type sessionData struct {
	Token   string `json:"t"`
	ID      string `json:"i"`
	Expires int64  `json:"e"` // unix milliseconds
}

// NewSessions loads the session key from the store, making it on the
// first start.
func NewSessions(ctx context.Context, cfg SessionConfig) (*Sessions, error) {
	if cfg.Keys == nil || cfg.Auth == nil {
		return nil, errors.New("auth: sessions need Keys and Auth")
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultSessionMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	secureURL := false
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("auth: public URL: %w", err)
		}
		secureURL = u.Scheme == "https"
	}
	fresh := make([]byte, seal.KeySize)
	if _, err := io.ReadFull(cfg.Random, fresh); err != nil {
		return nil, fmt.Errorf("auth: make a session key: %w", err)
	}
	raw, err := cfg.Keys.ServerKeyEnsure(ctx, store.ServerKeyEnsureParams{Name: sessionKeyName, New: fresh})
	if err != nil {
		return nil, fmt.Errorf("auth: load the session key: %w", err)
	}
	key, err := seal.NewKey(raw)
	if err != nil {
		return nil, fmt.Errorf("auth: session key: %w", err)
	}
	// The CSRF key is derived, so that one stored key serves both and
	// neither use can stand in for the other.
	mac := hmac.New(sha256.New, raw)
	mac.Write([]byte("hookline csrf v1"))
	return &Sessions{
		keys: cfg.Keys, auth: cfg.Auth, key: key, csrfKey: mac.Sum(nil), maxAge: cfg.MaxAge,
		secureURL: secureURL, clock: cfg.Now, random: cfg.Random,
	}, nil
}

// Create signs in with a plain token: ErrUnauthenticated if it is not a
// valid one.
func (s *Sessions) Create(ctx context.Context, plain string) (Session, error) {
	p, err := s.auth.Authenticate(ctx, plain)
	if err != nil {
		return Session{}, err
	}
	id := make([]byte, 16)
	if _, err := io.ReadFull(s.random, id); err != nil {
		return Session{}, fmt.Errorf("auth: make a session ID: %w", err)
	}
	exp := s.clock().Add(s.maxAge).Truncate(time.Millisecond)
	return Session{ID: hex.EncodeToString(id), Principal: p, Expires: capAt(exp, p.Expires), token: plain}, nil
}

// capAt returns the earlier of t and limit (nil: no limit).
func capAt(t time.Time, limit *time.Time) time.Time {
	if limit != nil && limit.Before(t) {
		return *limit
	}
	return t
}

// Encode returns the cookie value of a session made by Create or Open.
func (s *Sessions) Encode(sess Session) string {
	b, _ := json.Marshal(sessionData{Token: sess.token, ID: sess.ID, Expires: sess.Expires.UnixMilli()})
	return s.key.Seal(string(b), sessionWhere)
}

// Open returns the session of a cookie value: ErrUnauthenticated if the
// value is not one this server's key sealed, or the session expired or
// was signed out, or its token was revoked or expired since.
func (s *Sessions) Open(ctx context.Context, value string) (Session, error) {
	plain, err := s.key.Open(value, sessionWhere)
	if err != nil {
		return Session{}, ErrUnauthenticated
	}
	var d sessionData
	if err := json.Unmarshal([]byte(plain), &d); err != nil || d.Token == "" || d.ID == "" {
		return Session{}, ErrUnauthenticated
	}
	exp := time.UnixMilli(d.Expires)
	if !s.clock().Before(exp) {
		return Session{}, ErrUnauthenticated
	}
	// Read on every request, not cached: a sign-out on one node ends the
	// session on all of them at once. A primary-key lookup.
	ended, err := s.keys.SessionEnded(ctx, d.ID)
	if err != nil {
		return Session{}, fmt.Errorf("auth: read session: %w", err)
	}
	if ended {
		return Session{}, ErrUnauthenticated
	}
	p, err := s.auth.Authenticate(ctx, d.Token)
	if err != nil {
		return Session{}, err
	}
	// The token's expiry may have moved earlier since sign-in (Svix's
	// expire-all); the session follows it.
	return Session{ID: d.ID, Principal: p, Expires: capAt(exp, p.Expires), token: d.Token}, nil
}

// Read opens the session in the request's cookie c: ErrUnauthenticated
// when there is none or it is invalid.
func (s *Sessions) Read(r *http.Request, c Cookie) (Session, error) {
	got, err := r.Cookie(c.Name)
	if err != nil {
		return Session{}, ErrUnauthenticated
	}
	return s.Open(r.Context(), got.Value)
}

// SetCookie sends the session as cookie c, expiring with it.
func (s *Sessions) SetCookie(w http.ResponseWriter, r *http.Request, c Cookie, sess Session) {
	http.SetCookie(w, s.cookie(r, c, s.Encode(sess), sess.Expires))
}

// End signs sess out: its cookie, and any copy of it, opens nothing from
// now on, on every node. The session's token stays valid: an admin token
// signs in again, and a portal link's token is for its caller to revoke
// (the API's logout).
func (s *Sessions) End(ctx context.Context, sess Session) error {
	if err := s.keys.SessionEnd(ctx, store.SessionEndParams{ID: sess.ID, Expires: sess.Expires, Now: s.clock()}); err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// ClearCookie removes cookie c from the browser; End makes sure a copy
// of it opens nothing either.
func (s *Sessions) ClearCookie(w http.ResponseWriter, r *http.Request, c Cookie) {
	hc := s.cookie(r, c, "", time.Unix(0, 0))
	hc.MaxAge = -1
	http.SetCookie(w, hc)
}

// cookie is the one shape of a session cookie: never readable by script,
// not sent on cross-site subrequests or POSTs (Lax still sends it when a
// link is followed, so a portal link opens signed in) unless Embedded,
// Secure whenever the browser reached the server over https (and always
// when Embedded: browsers refuse SameSite=None otherwise).
func (s *Sessions) cookie(r *http.Request, c Cookie, value string, expires time.Time) *http.Cookie {
	hc := &http.Cookie{
		Name:     c.Name,
		Value:    value,
		Path:     c.Path,
		Expires:  expires,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   r.TLS != nil || s.secureURL,
	}
	if hc.Path == "" {
		hc.Path = "/"
	}
	if c.Embedded {
		hc.SameSite, hc.Secure, hc.Partitioned = http.SameSiteNoneMode, true, true
	}
	return hc
}
