package server_test

import (
	"context"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/config"
)

func withPublicURL(u string) serverOption { return func(c *config.Config) { c.PublicURL = u } }

// TestPortalURLUsesPublicURL: the portal link app-portal-access hands
// out starts with --public-url (its trailing slash trimmed, its path kept,
// as behind a proxy under a prefix), and with none with the address the
// server really listens on.
func TestPortalURLUsesPublicURL(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		ctx := context.Background()
		portalURL := func(s *testServer) string {
			t.Helper()
			app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Portal"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			access, err := s.Client.Authentication.AppPortalAccess(ctx, app.Id, svix.AppPortalAccessIn{}, nil)
			if err != nil {
				t.Fatalf("AppPortalAccess: %v", err)
			}
			prefix := "/portal/" + app.Id + "#key="
			i := strings.Index(access.Url, prefix)
			if i < 0 || !strings.HasSuffix(access.Url, "#key="+access.Token) {
				t.Fatalf("portal URL %q, want .../portal/%s#key=<token>", access.Url, app.Id)
			}
			return access.Url[:i]
		}

		behind := startServer(t, db, withPublicURL("https://hooks.example.com/webhooks/"))
		if got := portalURL(behind); got != "https://hooks.example.com/webhooks" {
			t.Errorf("portal URL base with --public-url = %q, want https://hooks.example.com/webhooks", got)
		}
		if got := behind.srv.PublicURL(); got != "https://hooks.example.com/webhooks" {
			t.Errorf("PublicURL() = %q", got)
		}
		behind.stop()

		direct := startServer(t, db)
		if got := portalURL(direct); got != direct.URL || !strings.HasPrefix(got, "http://127.0.0.1:") || strings.HasSuffix(got, ":0") {
			t.Errorf("portal URL base without --public-url = %q, want the listen address %s", got, direct.URL)
		}
	})
}

// TestPublicURLRefusedAtStart: a server given a public URL it cannot
// build links on refuses to start, naming the setting.
func TestPublicURLRefusedAtStart(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.AdminToken, cfg.PublicURL = "127.0.0.1:0", t.TempDir(), testAdminToken, "https://example.com/?key=1"
	if err := runUntilListening(t, cfg); err == nil || !strings.Contains(err.Error(), "public-url: want no query string") {
		t.Errorf("start with public-url %q = %v, want it refused", cfg.PublicURL, err)
	}
}
