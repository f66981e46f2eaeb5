// Package auth turns a token into a principal and a principal into an app
// scope, for the API and the dashboard alike: who a request acts for (an
// admin, or one app through an app-portal token), which routes that
// principal may use, and which app it may act in. It keeps the short-lived
// caches that spare the database a read per request, and makes browser
// sessions out of tokens (session.go) with their CSRF tokens (csrf.go).
//
// It knows nothing of HTTP routes or JSON: callers map its sentinel errors
// to their own answers.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Errors of Authenticate and App. Callers match them with errors.Is.
var (
	// ErrUnauthenticated: no token, or one that is unknown, revoked or
	// expired. Which of these is deliberately not said.
	ErrUnauthenticated = errors.New("invalid token")
	// ErrForbidden: the principal is valid but its level is too low.
	ErrForbidden = errors.New("insufficient access")
)

// Level says which principals a route admits.
type Level int

const (
	// AdminOnly routes manage the whole server: apps, event types, tokens.
	AdminOnly Level = iota
	// AppScoped routes act inside one app; an app-portal token may use
	// them for its own app only (App checks which).
	AppScoped
	// AnyToken routes are readable by any valid token (listing event
	// types, which an app portal shows).
	AnyToken
)

// Principal is who a request acts for.
type Principal struct {
	TokenID string
	AppID   string   // empty for an admin
	Flags   []string // the feature flags an app-portal token may see
	// Expires is when the token stops working; nil if never.
	Expires *time.Time
}

// Admin reports whether the principal manages the whole server.
func (p Principal) Admin() bool { return p.AppID == "" }

// Allows reports whether the principal may use a route of level l.
func (p Principal) Allows(l Level) bool { return l != AdminOnly || p.Admin() }

// Sees reports whether the principal may see an event type with feature
// flag (webhook.Token.Sees).
func (p Principal) Sees(flag string) bool {
	return webhook.Token{AppID: p.AppID, FeatureFlags: p.Flags}.Sees(flag)
}

// FlagsSeen is what an event type list shows the principal: every event
// type for an admin (nil), only those it sees for an app-portal token.
func (p Principal) FlagsSeen() *[]string {
	if p.Admin() {
		return nil
	}
	flags := slices.Clone(p.Flags)
	if flags == nil {
		flags = []string{}
	}
	return &flags
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries; the zero Principal (an
// admin!) if none, so only call it behind Authenticate.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// BearerToken reads the token of an Authorization header of the Bearer
// scheme, whose name is case-insensitive ("bearer", "BEARER") and may be
// followed by more than one space (RFC 9110 section 11.4, RFC 6750).
func BearerToken(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token := strings.TrimSpace(rest)
	return token, token != ""
}

// Store is what the Authenticator reads and writes.
type Store interface {
	TokenGetByHash(ctx context.Context, hash []byte) (webhook.Token, error)
	TokenMarkUsed(ctx context.Context, p store.TokenMarkUsedParams) error
	AppGet(ctx context.Context, idOrUID string) (webhook.App, error)
}

// Config is the Authenticator's dependencies.
type Config struct {
	Store  Store
	Logger *slog.Logger // default: discard
	Now    func() time.Time
}

// Authenticator resolves tokens to principals and app names to apps in
// the principal's scope. It is safe for concurrent use.
type Authenticator struct {
	store  Store
	clock  func() time.Time
	tokens *tokenCache
	apps   *appCache
}

// New checks cfg and returns an Authenticator.
func New(cfg Config) (*Authenticator, error) {
	if cfg.Store == nil {
		return nil, errors.New("auth: Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Authenticator{store: cfg.Store, clock: cfg.Now, tokens: newTokenCache(cfg.Logger), apps: newAppCache()}, nil
}

// Authenticate returns the principal of a plain token; ErrUnauthenticated
// if it is unknown, revoked (within the cache lifetime on other nodes) or
// expired; a store error, wrapped, otherwise.
func (a *Authenticator) Authenticate(ctx context.Context, plain string) (Principal, error) {
	if plain == "" {
		return Principal{}, ErrUnauthenticated
	}
	return a.byHash(ctx, webhook.HashToken(plain))
}

func (a *Authenticator) byHash(ctx context.Context, hash []byte) (Principal, error) {
	now := a.clock()
	tok, err := a.tokens.get(ctx, a.store, hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	// The lookup is by hash, so equality is already established; compare
	// again in constant time so that no code path depends on a timing.
	if subtle.ConstantTimeCompare(tok.Hash, hash) != 1 || tok.Expired(now) {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{TokenID: tok.ID, AppID: tok.AppID, Flags: tok.FeatureFlags, Expires: tok.ExpiresAt}, nil
}

// App resolves an app by ID or UID and checks that p may act in it.
// Another app's name is store.ErrNotFound, as an unknown one: a tenant
// learns nothing of which other apps exist (as in Svix).
func (a *Authenticator) App(ctx context.Context, p Principal, idOrUID string) (webhook.App, error) {
	app, err := a.apps.get(ctx, a.store, idOrUID, a.clock())
	if err != nil {
		return webhook.App{}, err
	}
	if !p.Admin() && p.AppID != app.ID {
		return webhook.App{}, fmt.Errorf("app %q: %w", idOrUID, store.ErrNotFound)
	}
	return app, nil
}

// ForgetToken drops a token just revoked on this node from the cache, so
// the revocation holds here at once.
func (a *Authenticator) ForgetToken(plain string) { a.tokens.forget(webhook.HashToken(plain)) }

// ForgetAppTokens drops the cached tokens of an app whose tokens' expiry
// just changed.
func (a *Authenticator) ForgetAppTokens(appID string) { a.tokens.forgetApp(appID) }

// ForgetApps drops every cached app: call it after any app change (app
// changes are rare, and a UID may have moved from one app to another).
func (a *Authenticator) ForgetApps() { a.apps.forget() }
