package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// The dashboard and the API share one Authenticator (Config.Auth): a
// portal logout through the API ends the token for the dashboard's
// sessions at once, not after the cache lifetime. The clock stands
// still, so only the shared cache's forgetting can make it so.
func TestSharedAuthenticatorForgetsALogout(t *testing.T) {
	st, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	shared, err := auth.New(auth.Config{Store: st, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Store: st, Engine: &coreEngine{store: st}, Now: clock, Auth: shared})
	if err != nil {
		t.Fatal(err)
	}
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "acme", CreatedAt: now, UpdatedAt: now}
	f := &coreFixture{t: t, ctx: t.Context(), store: st}
	if err := st.AppCreate(t.Context(), store.AppCreateParams{App: app}); err != nil {
		t.Fatal(err)
	}
	f.clock = now
	plain := f.token(app.ID)
	if _, err := shared.Authenticate(t.Context(), plain); err != nil {
		t.Fatalf("Authenticate(portal token): %v", err)
	}
	req := httptest.NewRequest("POST", "/api/v1/auth/logout", nil)
	req.Header.Set("Authorization", "Bearer "+plain)
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("POST /api/v1/auth/logout = %d %s, want 204", rec.Code, rec.Body)
	}
	if _, err := shared.Authenticate(t.Context(), plain); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("shared Authenticate after the API's logout = %v, want ErrUnauthenticated at once", err)
	}
}
