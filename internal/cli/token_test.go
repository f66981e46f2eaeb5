package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/store/storetest"
	"github.com/hookline/hookline/internal/webhook"
)

// runToken runs a token command on the real store of dir, with no
// environment.
func runToken(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	d := deps{getenv: func(string) string { return "" }, openStore: server.OpenShared}
	code = run(t.Context(), append(append([]string{"token"}, args...), "--data-dir", dir), &out, &errOut, d)
	return code, out.String(), errOut.String()
}

func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := sqlite.Migrate(t.Context(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTokenCreateListRevoke walks one token through the three commands,
// in JSON and as text, and checks the secret is printed only by create
// and never stored or listed: neither it nor its hash appears in list.
func TestTokenCreateListRevoke(t *testing.T) {
	dir := newDataDir(t)
	code, out, errOut := runToken(t, dir, "create", "--name", "ci deploys", "--expires", "90d", "--json")
	if code != ExitOK {
		t.Fatalf("token create = %d, stderr %q", code, errOut)
	}
	var created struct {
		ID, Kind, Name, Token string
		ExpiresAt             *time.Time
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("token create --json printed %q: %v", out, err)
	}
	if !strings.HasPrefix(created.Token, webhook.TokenPrefix) || created.Kind != "created" || created.Name != "ci deploys" || created.ExpiresAt == nil {
		t.Fatalf("token create --json = %+v, want a created hk_ token named %q with an expiry", created, "ci deploys")
	}
	if d := time.Until(*created.ExpiresAt); d < 89*24*time.Hour || d > 90*24*time.Hour {
		t.Errorf("--expires 90d expires in %v, want 90 days", d)
	}
	secrets := []string{created.Token, hex.EncodeToString(webhook.HashToken(created.Token))}

	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"list", "--all"}} {
		code, out, errOut := runToken(t, dir, args...)
		if code != ExitOK || !strings.Contains(out, created.ID) || !strings.Contains(out, "ci deploys") {
			t.Errorf("token %s = %d, %q (stderr %q); want the created token listed", strings.Join(args, " "), code, out, errOut)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("token %s printed the token's secret or hash %q:\n%s", strings.Join(args, " "), s, out)
			}
		}
	}

	code, _, errOut = runToken(t, dir, "revoke", "tok_unknown")
	if code != ExitError || !strings.Contains(errOut, `no token has the ID "tok_unknown"`) || !strings.Contains(errOut, "nothing was revoked") {
		t.Errorf("token revoke tok_unknown = %d, stderr %q; want exit 1 naming the ID", code, errOut)
	}
	code, out, errOut = runToken(t, dir, "revoke", created.ID)
	if code != ExitOK || !strings.Contains(out, "Revoked token "+created.ID) {
		t.Fatalf("token revoke = %d, %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := runToken(t, dir, "list", "--json"); code != ExitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("token list --json after the revoke = %d, %q; want []", code, out)
	}
	if code, out, _ := runToken(t, dir, "list"); code != ExitOK || !strings.Contains(out, "No tokens") {
		t.Errorf("token list after the revoke = %d, %q; want a line saying there are none", code, out)
	}
}

func TestTokenRevokeAllAdminKeepsPortalTokens(t *testing.T) {
	dir := newDataDir(t)
	for _, name := range []string{"one", "two"} {
		if code, _, errOut := runToken(t, dir, "create", "--name", name); code != ExitOK {
			t.Fatalf("token create --name %s = %d, %q", name, code, errOut)
		}
	}
	st, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	appID, _ := storetest.Seed(t, st)
	portal := webhook.Token{ID: "tok_portal", Hash: webhook.HashToken("hk_portal"), AppID: appID, Kind: webhook.TokenAppPortal, CreatedAt: storetest.T0}
	if err := st.TokenCreate(t.Context(), portal); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := runToken(t, dir, "revoke", "--all-admin", "--json")
	var got struct{ Revoked int }
	if err := json.Unmarshal([]byte(out), &got); code != ExitOK || err != nil || got.Revoked != 2 {
		t.Errorf("token revoke --all-admin --json = %d, %q (stderr %q); want 2 revoked", code, out, errOut)
	}
	code, out, _ = runToken(t, dir, "list", "--all", "--json")
	var left []struct{ ID string }
	if err := json.Unmarshal([]byte(out), &left); code != ExitOK || err != nil || len(left) != 1 || left[0].ID != portal.ID {
		t.Errorf("token list --all after revoke --all-admin = %d, %q; want only %s", code, out, portal.ID)
	}
}

func TestTokenCommandUsageErrors(t *testing.T) {
	dir := newDataDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"create"}, "--name is required"},
		{[]string{"create", "--name", "  "}, "--name is required"},
		{[]string{"create", "--name", "a\x01b"}, "control characters"},
		{[]string{"create", "--name", strings.Repeat("n", 101)}, "at most 100"},
		{[]string{"create", "--name", "x", "--expires", "soon"}, "--expires: want a duration"},
		{[]string{"create", "--name", "x", "--expires", "-2d"}, "must be positive"},
		{[]string{"create", "--name", "x", "--expires", "2001-01-01T00:00:00Z"}, "not in the future"},
		{[]string{"revoke"}, "give one token ID"},
		{[]string{"revoke", "tok_a", "tok_b"}, "give one token ID"},
		{[]string{"revoke", "tok_a", "--all-admin"}, "not both"},
	}
	for _, tc := range tests {
		code, _, errOut := runToken(t, dir, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("token %q = %d, stderr %q; want exit %d with %q", tc.args, code, errOut, ExitUsage, tc.want)
		}
	}
	if code, out, _ := runToken(t, dir, "list", "--json"); code != ExitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("after the refused commands, token list --json = %d, %q; want nothing created", code, out)
	}
}

func TestTokenCommandRefusesAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runToken(t, dir, "create", "--name", "x")
	if code != ExitError || !strings.Contains(errOut, "holds no Hookline database") {
		t.Errorf("token create on an empty directory = %d, stderr %q; want exit 1 saying there is no database", code, errOut)
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"90d", now.Add(90 * 24 * time.Hour)},
		{"12h", now.Add(12 * time.Hour)},
		{"1d12h", now.Add(36 * time.Hour)},
		{"30m", now.Add(30 * time.Minute)},
		{"2030-02-01T00:00:00Z", time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"2030-02-01T01:00:00+01:00", time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := parseExpiry(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "d", "0d", "0s", "1.5d", "-1h", "2030-01-01T00:00:00Z", "tomorrow"} {
		if got, err := parseExpiry(bad, now); err == nil {
			t.Errorf("parseExpiry(%q) = %v, want an error", bad, got)
		}
	}
}
