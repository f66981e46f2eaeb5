package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// SecretsBackend is what RunSecrets needs of a backend: stores opened
// with a key over one database, and that database's endpoint columns as
// stored, read without the store.
type SecretsBackend struct {
	// Fresh returns a new, empty database: a data directory, a URL.
	Fresh func(t *testing.T) string
	// Open opens a store on db with key (nil: none). The caller closes
	// it; one store at a time is open on a db.
	Open func(t *testing.T, db string, key *seal.Key) (store.Store, error)
	// Stored returns each endpoint's secret, headers and old_secrets
	// columns as stored, joined by spaces (NULL as ""), by endpoint ID:
	// what anyone reading the database (or its file) sees.
	Stored func(t *testing.T, db string) map[string]string
}

// RunSecrets is the conformance suite of encryption at rest (Options.
// Secrets of each backend): endpoint secrets, old secrets and headers are
// never stored in plain text with a key, read back exactly, sealed in
// place when a key is set on a plain database, and refused without the
// key or with another one, without a change.
func RunSecrets(t *testing.T, b SecretsBackend) {
	k1, k2 := testSealKey(t, 1), testSealKey(t, 2)
	testSourceSecrets(t, b, k1, k2)
	t.Run("Endpoint", func(t *testing.T) {
		// The endpoint conformance tests, with every value sealed.
		testEndpoints(t, func(t *testing.T) store.Store { return openSecrets(t, b, b.Fresh(t), k1) })
	})
	t.Run("SealedAtRest", func(t *testing.T) {
		t.Parallel()
		db := b.Fresh(t)
		s := openSecrets(t, b, db, k1)
		eps := secretEndpoints(t, s, 3)
		checkRead(t, s, eps)
		checkSealed(t, b.Stored(t, db), eps)
	})
	t.Run("SealExisting", func(t *testing.T) {
		t.Parallel()
		db := b.Fresh(t)
		plain := openSecrets(t, b, db, nil)
		// More than one transaction's worth, some without headers.
		eps := secretEndpoints(t, plain, store.SealChunk+2)
		plain.Close()
		if got := b.Stored(t, db)[eps[0].ID]; !strings.Contains(got, eps[0].Secret) {
			t.Fatalf("without a key the secret is stored as %q, want it in plain text", got)
		}

		s := openSecrets(t, b, db, k1)
		// Plain rows read with a key, before they are sealed.
		checkRead(t, s, eps[:3])
		wantErr(t, "EndpointSecretsCheck() on a plain database", s.EndpointSecretsCheck(t.Context()), nil)
		var calls [][2]int
		n, err := s.EndpointSecretsSeal(t.Context(), store.EndpointSecretsSealParams{Progress: func(done, total int) {
			calls = append(calls, [2]int{done, total})
		}})
		if err != nil || n != len(eps) {
			t.Fatalf("EndpointSecretsSeal() = %d, %v; want %d", n, err, len(eps))
		}
		if want := [][2]int{{store.SealChunk, len(eps)}, {len(eps), len(eps)}}; !slices.Equal(calls, want) {
			t.Errorf("EndpointSecretsSeal progress = %v, want %v", calls, want)
		}
		checkSealed(t, b.Stored(t, db), eps)
		checkRead(t, s, eps)
		if n, err := s.EndpointSecretsSeal(t.Context(), store.EndpointSecretsSealParams{}); err != nil || n != 0 {
			t.Errorf("EndpointSecretsSeal() again = %d, %v; want 0", n, err)
		}
	})
	t.Run("KeyMissingOrWrong", func(t *testing.T) {
		t.Parallel()
		db := b.Fresh(t)
		s := openSecrets(t, b, db, k1)
		eps := secretEndpoints(t, s, 2)
		s.Close()
		before := b.Stored(t, db)
		for _, tc := range []struct {
			name  string
			key   *seal.Key
			wrong bool
		}{{"no key", nil, false}, {"another key", k2, true}} {
			s, err := b.Open(t, db, tc.key)
			if err != nil {
				t.Fatalf("%s: Open: %v", tc.name, err)
			}
			err = s.EndpointSecretsCheck(t.Context())
			if !errors.Is(err, store.ErrEncryptionKey) || errors.Is(err, seal.ErrWrongKey) != tc.wrong {
				t.Errorf("%s: EndpointSecretsCheck() = %v, want ErrEncryptionKey (wrong key: %v)", tc.name, err, tc.wrong)
			}
			_, err = s.EndpointGet(t.Context(), eps[0].AppID, eps[0].ID)
			wantErr(t, tc.name+": EndpointGet", err, store.ErrEncryptionKey)
			_, err = s.EndpointList(t.Context(), store.EndpointListParams{AppID: eps[0].AppID})
			wantErr(t, tc.name+": EndpointList", err, store.ErrEncryptionKey)
			if n, err := s.EndpointSecretsSeal(t.Context(), store.EndpointSecretsSealParams{}); err != nil || n != 0 {
				t.Errorf("%s: EndpointSecretsSeal() = %d, %v; want 0: nothing is plain", tc.name, n, err)
			}
			s.Close()
			if after := b.Stored(t, db); !maps.Equal(before, after) {
				t.Errorf("%s: the stored columns changed:\nbefore %v\nafter  %v", tc.name, before, after)
			}
		}
		// The right key still reads everything.
		checkRead(t, openSecrets(t, b, db, k1), eps)
	})
	t.Run("ServerKey", func(t *testing.T) {
		// The session key is sealed like an endpoint's secret: what opens
		// the browsers' cookies is not in a copy of the database alone.
		t.Parallel()
		ensure := func(s store.Store, fill byte) ([]byte, error) {
			return s.ServerKeyEnsure(t.Context(), store.ServerKeyEnsureParams{Name: "session", New: bytes.Repeat([]byte{fill}, 32)})
		}
		db := b.Fresh(t)
		plain := openSecrets(t, b, db, nil)
		first, err := ensure(plain, 'a')
		if err != nil || !bytes.Equal(first, bytes.Repeat([]byte{'a'}, 32)) {
			t.Fatalf("ServerKeyEnsure without a key = %q, %v", first, err)
		}
		plain.Close()
		// Turning encryption on keeps the key and seals it in place.
		s := openSecrets(t, b, db, k1)
		if got, err := ensure(s, 'b'); err != nil || !bytes.Equal(got, first) {
			t.Fatalf("ServerKeyEnsure with a key on a plain one = %q, %v; want the stored key", got, err)
		}
		if got, err := ensure(s, 'c'); err != nil || !bytes.Equal(got, first) {
			t.Fatalf("ServerKeyEnsure again = %q, %v; want the stored key", got, err)
		}
		s.Close()
		for _, tc := range []struct {
			name string
			key  *seal.Key
		}{{"no key", nil}, {"another key", k2}} {
			other := openSecrets(t, b, db, tc.key)
			got, err := ensure(other, 'd')
			wantErr(t, tc.name+": ServerKeyEnsure on a sealed key", err, store.ErrEncryptionKey)
			if got != nil {
				t.Errorf("%s: ServerKeyEnsure returned %q with its error", tc.name, got)
			}
			other.Close()
		}
		// A key made with encryption on is sealed from the start.
		fresh := b.Fresh(t)
		s = openSecrets(t, b, fresh, k1)
		made, err := ensure(s, 'e')
		if err != nil || !bytes.Equal(made, bytes.Repeat([]byte{'e'}, 32)) {
			t.Fatalf("ServerKeyEnsure with a key = %q, %v", made, err)
		}
		s.Close()
		_, err = ensure(openSecrets(t, b, fresh, nil), 'f')
		wantErr(t, "ServerKeyEnsure without the key that sealed it", err, store.ErrEncryptionKey)
	})
}

func testSealKey(t *testing.T, fill byte) *seal.Key {
	k, err := seal.NewKey(bytes.Repeat([]byte{fill}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openSecrets(t *testing.T, b SecretsBackend, db string, key *seal.Key) store.Store {
	t.Helper()
	s, err := b.Open(t, db, key)
	if err != nil {
		t.Fatalf("Open(%s): %v", db, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// secretEndpoints creates an app with n endpoints, each with its own
// secret, header value and old secret (every third one without headers or
// old secrets), and a message delivered to the first, and returns them.
func secretEndpoints(t *testing.T, s store.Store, n int) []webhook.Endpoint {
	t.Helper()
	ctx := context.Background()
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, T0), Name: "a", CreatedAt: T0, UpdatedAt: T0}
	if err := s.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
		t.Fatal(err)
	}
	eps := make([]webhook.Endpoint, n)
	for i := range eps {
		at := T0.Add(time.Duration(i) * time.Millisecond)
		e := webhook.Endpoint{
			ID: webhook.NewID(webhook.PrefixEndpoint, at), AppID: app.ID, URL: "https://receiver.example.com/", Version: 1,
			Secret:    fmt.Sprintf("whsec_c2VjcmV0LW9mLWVuZHBvaW50LW51bWJlci0%05d", i),
			CreatedAt: at, UpdatedAt: at,
		}
		if i%3 != 2 {
			e.Headers = map[string]string{"Authorization": fmt.Sprintf("Bearer header-credential-%05d", i), "X-Tenant": "acme"}
			e.OldSecrets = []webhook.OldSecret{{Key: fmt.Sprintf("whsec_b2xkLXNlY3JldC1vZi1lbmRwb2ludC0%05d", i), ExpiresAt: T0.Add(time.Hour)}}
		}
		if err := s.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: e}); err != nil {
			t.Fatalf("EndpointCreate(%d): %v", i, err)
		}
		eps[i] = e
	}
	// A rotation rewrites the secret columns through EndpointUpdate.
	eps[0].OldSecrets = append(eps[0].OldSecrets, webhook.OldSecret{Key: eps[0].Secret, ExpiresAt: T0.Add(2 * time.Hour)})
	eps[0].Secret = "whsec_cm90YXRlZC1uZXctc2VjcmV0LW9mLWVuZHBvaW50LTA="
	if err := s.EndpointUpdate(ctx, eps[0]); err != nil {
		t.Fatal(err)
	}
	mc := Message(app.ID, eps[0].ID, webhook.NewID(webhook.PrefixMessage, T0), "", []byte(`{}`))
	mc.Lease = store.Lease{Owner: "n", Token: 1, ExpiresAt: T0.Add(time.Hour)}
	if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{mc}); err != nil || errs[0] != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}
	return eps
}

// checkRead reads eps back through every method that returns endpoints.
func checkRead(t *testing.T, s store.Store, eps []webhook.Endpoint) {
	t.Helper()
	ctx := context.Background()
	got, err := s.EndpointList(ctx, store.EndpointListParams{AppID: eps[0].AppID})
	if err != nil {
		t.Fatalf("EndpointList: %v", err)
	}
	byID := map[string]webhook.Endpoint{}
	for _, e := range got {
		byID[e.ID] = e
	}
	for _, want := range eps {
		if diff := cmp.Diff(want, byID[want.ID], diffOpts()); diff != "" {
			t.Errorf("EndpointList: endpoint %s mismatch (-want +got):\n%s", want.ID, diff)
		}
	}
	e, err := s.EndpointGet(ctx, eps[0].AppID, eps[0].ID)
	if diff := cmp.Diff(eps[0], e, diffOpts()); err != nil || diff != "" {
		t.Errorf("EndpointGet(%s) = %v, mismatch (-want +got):\n%s", eps[0].ID, err, diff)
	}
	msgs, err := s.MessageList(ctx, store.MessageListParams{AppID: eps[0].AppID, Page: store.Page{Limit: 1}})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("MessageList = %v, %v", msgs, err)
	}
	ds, err := s.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{AppID: eps[0].AppID, MsgID: msgs[0].ID, Page: store.Page{Limit: 10}})
	if err != nil || len(ds) != 1 {
		t.Fatalf("DeliveryListByMessage = %v, %v", ds, err)
	}
	if diff := cmp.Diff(eps[0], ds[0].Endpoint, diffOpts()); diff != "" {
		t.Errorf("DeliveryListByMessage's endpoint mismatch (-want +got):\n%s", diff)
	}
}

// checkSealed checks that no secret, old secret or header value of eps
// appears in stored, and that what is stored is sealed.
func checkSealed(t *testing.T, stored map[string]string, eps []webhook.Endpoint) {
	t.Helper()
	for _, e := range eps {
		cols := stored[e.ID]
		plain := []string{e.Secret}
		for _, v := range e.Headers {
			plain = append(plain, v)
		}
		for _, o := range e.OldSecrets {
			plain = append(plain, o.Key)
		}
		for _, p := range plain {
			if strings.Contains(cols, p) {
				t.Errorf("endpoint %s stores %q in plain text: %s", e.ID, p, cols)
			}
		}
		for i, col := range strings.Split(cols, " ") {
			if col != "" && !seal.IsSealed(col) {
				t.Errorf("endpoint %s column %d is stored as %q, not sealed", e.ID, i, col)
			}
		}
	}
}
