package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storetest"
	"github.com/hookline/hookline/internal/webhook"
)

// TestSealedFileHoldsNoPlainText writes endpoints in plain text, turns
// encryption on and seals them, and reads the files themselves: neither
// the database nor its WAL may hold a secret or a header value any more,
// not even in the space the updates freed.
func TestSealedFileHoldsNoPlainText(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plain := []string{"whsec_dGhlLXBsYWluLXNpZ25pbmctc2VjcmV0LTEyMzQ=", "header-credential-98765", "whsec_b2xkLXBsYWluLXNpZ25pbmctc2VjcmV0LTQ1Ng=="}
	s, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	appID, _ := storetest.Seed(t, s)
	ep := webhook.Endpoint{ID: "ep_plain", AppID: appID, URL: "https://example.com/", Version: 1, Secret: plain[0],
		Headers:    map[string]string{"Authorization": plain[1]},
		OldSecrets: []webhook.OldSecret{{Key: plain[2], ExpiresAt: storetest.T0}},
		CreatedAt:  storetest.T0, UpdatedAt: storetest.T0}
	if err := s.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !filesContain(t, dir, plain[0]) {
		t.Fatalf("the plain database does not hold %q: the test reads the wrong files", plain[0])
	}

	key, err := seal.NewKey(bytes.Repeat([]byte{9}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s, err = OpenWith(ctx, dir, Options{Secrets: key})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.EndpointSecretsSeal(ctx, store.EndpointSecretsSealParams{}); err != nil || n != 2 {
		t.Fatalf("EndpointSecretsSeal = %d, %v; want 2 (ep_1 and ep_plain)", n, err)
	}
	// While the store is open (WAL and all) and after it closed.
	for _, when := range []string{"open", "closed"} {
		for _, p := range plain {
			if filesContain(t, dir, p) {
				t.Errorf("with the store %s, the data directory's files hold %q in plain text", when, p)
			}
		}
		s.Close()
	}
	s, err = OpenWith(ctx, dir, Options{Secrets: key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.EndpointGet(ctx, appID, ep.ID); err != nil || got.Secret != plain[0] || got.Headers["Authorization"] != plain[1] {
		t.Errorf("EndpointGet after sealing = %+v, %v", got, err)
	}
}

// filesContain reports whether any file of the data directory holds s.
func filesContain(t *testing.T, dir, s string) bool {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, DBFile+"*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}
