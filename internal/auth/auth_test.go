package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
)

func TestAuthenticate(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		adminPlain, admin := f.token("", 0)
		portalPlain, portal := f.token(f.app.ID, time.Hour, "beta")

		p, err := f.auth.Authenticate(f.ctx, adminPlain)
		if err != nil || !p.Admin() || p.TokenID != admin.ID || !p.Allows(auth.AdminOnly) {
			t.Errorf("Authenticate(admin) = %+v, %v; want the admin principal of %s", p, err, admin.ID)
		}
		p, err = f.auth.Authenticate(f.ctx, portalPlain)
		if err != nil || p.Admin() || p.AppID != f.app.ID || p.TokenID != portal.ID {
			t.Fatalf("Authenticate(portal) = %+v, %v; want app %s", p, err, f.app.ID)
		}
		if p.Allows(auth.AdminOnly) || !p.Allows(auth.AppScoped) || !p.Allows(auth.AnyToken) {
			t.Errorf("portal principal Allows(AdminOnly, AppScoped, AnyToken) = %v, %v, %v; want false, true, true",
				p.Allows(auth.AdminOnly), p.Allows(auth.AppScoped), p.Allows(auth.AnyToken))
		}
		if !p.Sees("beta") || !p.Sees("") || p.Sees("gamma") {
			t.Errorf("portal principal Sees(beta, none, gamma) = %v, %v, %v; want true, true, false", p.Sees("beta"), p.Sees(""), p.Sees("gamma"))
		}
		if p.Expires == nil || !p.Expires.Equal(*portal.ExpiresAt) {
			t.Errorf("portal principal Expires = %v, want %v", p.Expires, portal.ExpiresAt)
		}

		for _, plain := range []string{"", "hk_unknown", adminPlain + "x"} {
			if _, err := f.auth.Authenticate(f.ctx, plain); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("Authenticate(%q) = %v, want ErrUnauthenticated", plain, err)
			}
		}

		f.clock.advance(time.Hour)
		if _, err := f.auth.Authenticate(f.ctx, portalPlain); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Authenticate(portal token at its expiry) = %v, want ErrUnauthenticated", err)
		}
	})
}

// A revocation from another process (`hookline token revoke`) takes
// effect once the cached lookup is older than TokenCacheTTL; one on this
// node (ForgetToken) at once.
func TestRevocationWithinTheCacheLifetime(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		plain, tok := f.token("", 0)
		if _, err := f.auth.Authenticate(f.ctx, plain); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if _, err := s.TokenRevoke(f.ctx, store.TokenRevokeParams{ID: tok.ID}); err != nil {
			t.Fatalf("TokenRevoke: %v", err)
		}
		// Still cached: this is the bound the TTL documents.
		if _, err := f.auth.Authenticate(f.ctx, plain); err != nil {
			t.Errorf("Authenticate(revoked, within the TTL) = %v, want the cached principal", err)
		}
		f.clock.advance(auth.TokenCacheTTL)
		if _, err := f.auth.Authenticate(f.ctx, plain); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Authenticate(revoked, TTL later) = %v, want ErrUnauthenticated", err)
		}

		plain2, tok2 := f.token("", 0)
		if _, err := f.auth.Authenticate(f.ctx, plain2); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if _, err := s.TokenRevoke(f.ctx, store.TokenRevokeParams{ID: tok2.ID}); err != nil {
			t.Fatalf("TokenRevoke: %v", err)
		}
		f.auth.ForgetToken(plain2)
		if _, err := f.auth.Authenticate(f.ctx, plain2); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Authenticate(revoked and forgotten) = %v, want ErrUnauthenticated at once", err)
		}
	})
}

func TestAppScope(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		other := f.newApp("globex")
		adminPlain, _ := f.token("", 0)
		portalPlain, _ := f.token(f.app.ID, time.Hour)
		admin, err := f.auth.Authenticate(f.ctx, adminPlain)
		if err != nil {
			t.Fatal(err)
		}
		portal, err := f.auth.Authenticate(f.ctx, portalPlain)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{f.app.ID, f.app.UID} {
			if app, err := f.auth.App(f.ctx, portal, name); err != nil || app.ID != f.app.ID {
				t.Errorf("App(portal of %s, %q) = %s, %v; want its own app", f.app.ID, name, app.ID, err)
			}
		}
		for _, name := range []string{other.ID, other.UID, "app_unknown"} {
			if _, err := f.auth.App(f.ctx, portal, name); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("App(portal of %s, %q) = %v, want ErrNotFound: another app is not found", f.app.ID, name, err)
			}
		}
		if app, err := f.auth.App(f.ctx, admin, other.UID); err != nil || app.ID != other.ID {
			t.Errorf("App(admin, %q) = %s, %v; want %s", other.UID, app.ID, err, other.ID)
		}
	})
}

func TestBearerToken(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer   abc ", "abc", true},
		{"BEARER abc", "abc", true},
		{"Basic abc", "", false},
		{"Bearer ", "", false},
		{"Bearerabc", "", false},
		{"", "", false},
	} {
		got, ok := auth.BearerToken(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
