package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/cli"
	"github.com/hookline/hookline/internal/config"
)

// revokeBound is how long a running server may keep accepting a token
// revoked from another process: the API's token cache lifetime (2s),
// which the token commands' help and the README promise.
const revokeBound = 2 * time.Second

// tokenCLI runs `hookline token args...` on s's database, as an operator
// would from another shell while s runs, and returns its stdout.
func tokenCLI(t *testing.T, s *testServer, args ...string) string {
	t.Helper()
	args = append([]string{"token"}, args...)
	if s.cfg.DatabaseURL != "" {
		args = append(args, "--database-url", s.cfg.DatabaseURL)
	} else {
		args = append(args, "--data-dir", s.cfg.DataDir)
	}
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, &errOut); code != cli.ExitOK {
		t.Fatalf("hookline %v = exit %d: %s", args, code, errOut.String())
	}
	return out.String()
}

// status sends GET /api/v1/app with token and returns the status code.
func (s *testServer) status(t *testing.T, token string) int {
	t.Helper()
	code, _ := s.do(t, http.MethodGet, "/api/v1/app", token, nil)
	return code
}

// waitRefused waits until s refuses token, polling, and fails if that
// takes longer than within. It returns how long it took.
func waitRefused(t *testing.T, s *testServer, token string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for {
		code := s.status(t, token)
		if code == http.StatusUnauthorized {
			return time.Since(start)
		}
		if code != http.StatusOK {
			t.Fatalf("GET /api/v1/app with the revoked token = %d, want 200 and then 401", code)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked token still worked %v after the revoke, want refused within %v", time.Since(start), within)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestTokenCommandsBesideARunningServer creates a token with the CLI
// while a server runs on the same database, uses it, and revokes it: the
// server accepts it at once and refuses it within revokeBound (plus a
// margin for the polling), on both stores.
func TestTokenCommandsBesideARunningServer(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		var created struct{ ID, Token string }
		if err := json.Unmarshal([]byte(tokenCLI(t, s, "create", "--name", "e2e", "--json")), &created); err != nil {
			t.Fatal(err)
		}
		if got := s.status(t, created.Token); got != http.StatusOK {
			t.Fatalf("GET /api/v1/app with the new token = %d, want 200 at once", got)
		}
		// Its use is recorded (off the request's path, so not at once).
		eventually(t, 5*time.Second, "the token's last use to be listed", func() bool {
			var toks []struct {
				ID         string
				LastUsedAt *time.Time
			}
			if err := json.Unmarshal([]byte(tokenCLI(t, s, "list", "--json")), &toks); err != nil {
				t.Fatal(err)
			}
			for _, tok := range toks {
				if tok.ID == created.ID && tok.LastUsedAt != nil {
					return true
				}
			}
			return false
		})

		tokenCLI(t, s, "revoke", created.ID)
		took := waitRefused(t, s, created.Token, revokeBound+time.Second)
		t.Logf("revoked token refused after %v", took)
		if got := s.status(t, s.Token); got != http.StatusOK {
			t.Errorf("GET /api/v1/app with the bootstrap token after the revoke = %d, want 200", got)
		}
	})
}

func withAdminToken(tok string) serverOption { return func(c *config.Config) { c.AdminToken = tok } }

// TestChangedAdminTokenReplacesThePrevious restarts a server on the same
// database with another --admin-token: the old one is refused, the new
// one works, and a token made with `hookline token create` is untouched.
func TestChangedAdminTokenReplacesThePrevious(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		dir := t.TempDir()
		const first, second = "hk_first-admin-token-0123456789abcdefghijkl", "hk_second-admin-token-0123456789abcdefghijk"
		s := startServer(t, db, withDataDir(dir), withAdminToken(first))
		var created struct{ Token string }
		if err := json.Unmarshal([]byte(tokenCLI(t, s, "create", "--name", "kept", "--json")), &created); err != nil {
			t.Fatal(err)
		}
		s.stop()

		s = startServer(t, db, withDataDir(dir), withAdminToken(second))
		for _, c := range []struct {
			name, token string
			want        int
		}{
			{"the previous --admin-token", first, http.StatusUnauthorized},
			{"the new --admin-token", second, http.StatusOK},
			{"the token from hookline token create", created.Token, http.StatusOK},
		} {
			if got := s.status(t, c.token); got != c.want {
				t.Errorf("GET /api/v1/app with %s = %d, want %d", c.name, got, c.want)
			}
		}
		s.stop()

		// The same --admin-token again changes nothing.
		s = startServer(t, db, withDataDir(dir), withAdminToken(second))
		if got := s.status(t, second); got != http.StatusOK {
			t.Errorf("GET /api/v1/app with the unchanged --admin-token after a restart = %d, want 200", got)
		}
	})
}

// adminTokenRE finds the token a server prints when it generates one.
var adminTokenRE = regexp.MustCompile(`(?m)^  (hk_[A-Za-z0-9_-]+)$`)

// TestDevStartReplacesThePreviousDevToken starts --dev twice on one data
// directory: each start prints a new token, and the first one stops
// working at the second start.
func TestDevStartReplacesThePreviousDevToken(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		dir := t.TempDir()
		dev := func(c *config.Config) { c.Dev, c.AdminToken = true, "" }
		start := func() (*testServer, string) {
			s := startServer(t, db, withDataDir(dir), dev)
			m := adminTokenRE.FindStringSubmatch(s.Out.String())
			if m == nil {
				t.Fatalf("--dev start printed no admin token:\n%s", s.Out.String())
			}
			return s, m[1]
		}
		s, first := start()
		if got := s.status(t, first); got != http.StatusOK {
			t.Fatalf("GET /api/v1/app with the first dev token = %d, want 200", got)
		}
		s.stop()
		s, second := start()
		if first == second {
			t.Fatalf("both --dev starts printed %s", first)
		}
		if got := s.status(t, first); got != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/app with the previous dev token = %d, want 401", got)
		}
		if got := s.status(t, second); got != http.StatusOK {
			t.Errorf("GET /api/v1/app with the new dev token = %d, want 200", got)
		}
	})
}
