package auth_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
)

func (f *fixture) sessions(publicURL string) *auth.Sessions {
	f.t.Helper()
	ss, err := auth.NewSessions(f.ctx, auth.SessionConfig{Keys: f.s, Auth: f.auth, Now: f.clock.Now, PublicURL: publicURL})
	if err != nil {
		f.t.Fatalf("NewSessions: %v", err)
	}
	return ss
}

// roundTrip sets sess's cookie on a response and reads it back from a
// request that carries it, as a browser would.
func roundTrip(t *testing.T, ss *auth.Sessions, c auth.Cookie, sess auth.Session) (*http.Cookie, auth.Session, error) {
	t.Helper()
	w := httptest.NewRecorder()
	ss.SetCookie(w, httptest.NewRequest("POST", "/", nil), c, sess)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("SetCookie sent %d cookies, want 1", len(cookies))
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookies[0])
	got, err := ss.Read(r, c)
	return cookies[0], got, err
}

func TestSessionAdmin(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ss := f.sessions("")
		plain, tok := f.token("", 0)
		sess, err := ss.Create(f.ctx, plain)
		if err != nil {
			t.Fatalf("Create(admin token): %v", err)
		}
		if want := f.clock.Now().Add(auth.DefaultSessionMaxAge); !sess.Expires.Equal(want) {
			t.Errorf("admin session Expires = %v, want %v (MaxAge: the token never expires)", sess.Expires, want)
		}
		c, got, err := roundTrip(t, ss, auth.AdminCookie, sess)
		if err != nil || !got.Principal.Admin() || got.Principal.TokenID != tok.ID || got.ID != sess.ID {
			t.Fatalf("Read(cookie) = %+v, %v; want the admin session %s", got, err, sess.ID)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
			t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v Path=%q; want true, Lax, false on plain http, /", c.HttpOnly, c.SameSite, c.Secure, c.Path)
		}
		if strings.Contains(c.Value, plain) || strings.Contains(c.Value, tok.ID) {
			t.Errorf("cookie value %q shows the token or its ID; it must be sealed", c.Value)
		}
		if _, err := ss.Read(httptest.NewRequest("GET", "/", nil), auth.AdminCookie); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Read(no cookie) = %v, want ErrUnauthenticated", err)
		}
		if _, err := ss.Create(f.ctx, "hk_unknown"); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Create(unknown token) = %v, want ErrUnauthenticated", err)
		}

		f.clock.advance(auth.DefaultSessionMaxAge)
		if _, err := ss.Open(f.ctx, c.Value); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Open(session at MaxAge) = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestSessionPortalExpiresWithItsToken(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ss := f.sessions("")
		plain, tok := f.token(f.app.ID, time.Hour, "beta")
		sess, err := ss.Create(f.ctx, plain)
		if err != nil {
			t.Fatalf("Create(portal token): %v", err)
		}
		if !sess.Expires.Equal(*tok.ExpiresAt) {
			t.Errorf("portal session Expires = %v, want the token's %v", sess.Expires, tok.ExpiresAt)
		}
		c, got, err := roundTrip(t, ss, auth.PortalCookie("app_x", false), sess)
		if err != nil || got.Principal.AppID != f.app.ID || !got.Principal.Sees("beta") || got.Principal.Sees("gamma") {
			t.Fatalf("Read(portal cookie) = %+v, %v; want app %s seeing flag beta only", got, err, f.app.ID)
		}
		if !c.Expires.Equal(tok.ExpiresAt.Truncate(time.Second)) {
			t.Errorf("portal cookie Expires = %v, want the token's expiry %v", c.Expires, tok.ExpiresAt)
		}
		if app, err := f.auth.App(f.ctx, got.Principal, f.app.UID); err != nil || app.ID != f.app.ID {
			t.Errorf("App(session principal, own app) = %s, %v", app.ID, err)
		}

		// Svix's expire-all moves the token's expiry earlier: the session
		// follows once the cache has let go of the token.
		at := f.clock.Now().Add(10 * time.Minute)
		if _, err := s.TokenExpire(f.ctx, store.TokenExpireParams{AppID: f.app.ID, At: at}); err != nil {
			t.Fatalf("TokenExpire: %v", err)
		}
		f.auth.ForgetAppTokens(f.app.ID)
		if got, err := ss.Open(f.ctx, c.Value); err != nil || !got.Expires.Equal(at) {
			t.Errorf("Open after expire-all = Expires %v, %v; want %v", got.Expires, err, at)
		}
		f.clock.advance(10 * time.Minute)
		if _, err := ss.Open(f.ctx, c.Value); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Open(portal session past its token's expiry) = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestSessionEndsWhenItsTokenIsRevoked(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ss := f.sessions("")
		plain, tok := f.token("", 0)
		sess, err := ss.Create(f.ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		value := ss.Encode(sess)
		if _, err := s.TokenRevoke(f.ctx, store.TokenRevokeParams{ID: tok.ID}); err != nil {
			t.Fatalf("TokenRevoke: %v", err)
		}
		f.clock.advance(auth.TokenCacheTTL)
		if _, err := ss.Open(f.ctx, value); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Open(session of a token revoked %v ago) = %v, want ErrUnauthenticated", auth.TokenCacheTTL, err)
		}
	})
}

// A signed-out session opens nowhere, from any copy of its cookie and on
// every node, at once; another session of the same token goes on.
func TestSessionEndsAtSignOut(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		node1, node2 := f.sessions(""), f.sessions("")
		plain, _ := f.token("", 0)
		gone, err := node1.Create(f.ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := node1.Create(f.ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		copied := node1.Encode(gone)
		if _, err := node2.Open(f.ctx, copied); err != nil {
			t.Fatalf("Open before sign-out = %v", err)
		}
		if err := node1.End(f.ctx, gone); err != nil {
			t.Fatalf("End: %v", err)
		}
		for name, ss := range map[string]*auth.Sessions{"the node that signed out": node1, "another node": node2} {
			if _, err := ss.Open(f.ctx, copied); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("%s: Open(signed-out session) = %v, want ErrUnauthenticated", name, err)
			}
			if _, err := ss.Open(f.ctx, node1.Encode(kept)); err != nil {
				t.Errorf("%s: Open(another session of the token) = %v, want it open", name, err)
			}
		}
	})
}

// Every node sharing the store opens the cookies of the others; a value
// changed, or sealed by another server's key, opens nowhere.
func TestSessionKeyIsSharedAndValuesAreSealed(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		nodeA, nodeB := f.sessions(""), f.sessions("")
		plain, _ := f.token("", 0)
		sess, err := nodeA.Create(f.ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		value := nodeA.Encode(sess)
		if got, err := nodeB.Open(f.ctx, value); err != nil || got.ID != sess.ID {
			t.Errorf("node B Open(node A's cookie) = %+v, %v; want session %s", got, err, sess.ID)
		}
		if err := nodeB.CheckCSRF(sess, nodeA.CSRFToken(sess)); err != nil {
			t.Errorf("node B CheckCSRF(node A's token) = %v, want nil", err)
		}
		i := len(value) - 5
		flipped := value[:i] + string(value[i]^1) + value[i+1:]
		for _, v := range []string{"", "garbage", flipped, value[:len(value)-1]} {
			if _, err := nodeA.Open(f.ctx, v); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("Open(%q) = %v, want ErrUnauthenticated", v, err)
			}
		}

		// Another server (its own store, so its own key) trusts none of it.
		eachOther := newFixture(t, openSQLite(t))
		if _, err := eachOther.sessions("").Open(f.ctx, value); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("another server's Open(cookie) = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestSessionCookieSecure(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		plain, _ := f.token("", 0)
		for _, tt := range []struct {
			publicURL string
			tls       bool
			want      bool
		}{
			{"", false, false},
			{"http://hooks.example.com", false, false},
			{"", true, true},
			{"https://hooks.example.com", false, true}, // behind a TLS-terminating proxy
		} {
			ss := f.sessions(tt.publicURL)
			sess, err := ss.Create(f.ctx, plain)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("POST", "/", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			ss.SetCookie(w, r, auth.AdminCookie, sess)
			ss.ClearCookie(w, r, auth.AdminCookie)
			cs := w.Result().Cookies()
			if len(cs) != 2 || cs[0].Secure != tt.want || cs[1].Secure != tt.want {
				t.Errorf("public URL %q, TLS %v: cookies %v, want Secure=%v on both", tt.publicURL, tt.tls, cs, tt.want)
				continue
			}
			if cs[1].MaxAge >= 0 || cs[1].Value != "" || !cs[1].HttpOnly {
				t.Errorf("ClearCookie sent %v, want an empty HttpOnly cookie with Max-Age<0", cs[1])
			}
		}
	})
}

func TestCSRF(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ss := f.sessions("")
		plain, _ := f.token("", 0)
		one, err := ss.Create(f.ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		two, err := ss.Create(f.ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		tok := ss.CSRFToken(one)
		if err := ss.CheckCSRF(one, tok); err != nil {
			t.Errorf("CheckCSRF(own token) = %v, want nil", err)
		}
		// After a round trip through the cookie the token still matches.
		if _, back, err := roundTrip(t, ss, auth.AdminCookie, one); err != nil || ss.CheckCSRF(back, tok) != nil {
			t.Errorf("CheckCSRF(session read back from its cookie) = %v, want nil", ss.CheckCSRF(back, tok))
		}
		for name, bad := range map[string]string{
			"empty":                  "",
			"another session's":      ss.CSRFToken(two),
			"changed":                string(tok[0]^1) + tok[1:],
			"last character changed": tok[:len(tok)-1] + string(tok[len(tok)-1]^1), // may flip only unused bits: still refused
			"not base64":             "!!!",
			"the session ID instead": one.ID,
		} {
			if err := ss.CheckCSRF(one, bad); !errors.Is(err, auth.ErrCSRF) {
				t.Errorf("CheckCSRF(%s token %q) = %v, want ErrCSRF", name, bad, err)
			}
		}
		if err := ss.CheckCSRF(auth.Session{}, ss.CSRFToken(auth.Session{})); !errors.Is(err, auth.ErrCSRF) {
			t.Errorf("CheckCSRF(no session) = %v, want ErrCSRF", err)
		}
	})
}
