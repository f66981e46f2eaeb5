package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
	"github.com/hookline/hookline/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	base := pgtest.RequireURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, base) })
}

// openTest opens a store in a fresh schema and closes it when the test
// ends (before the schema is dropped).
func openTest(t testing.TB, base string) *Store {
	t.Helper()
	u := pgtest.NewSchema(t, base)
	s, err := Open(context.Background(), u, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestOpenConcurrent starts several nodes on one empty schema at once: the
// advisory lock makes them migrate in turn, and each ends up usable.
func TestOpenConcurrent(t *testing.T) {
	u := pgtest.NewSchema(t, pgtest.RequireURL(t))
	const nodes = 4
	var wg sync.WaitGroup
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), u, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open node %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	appID, _ := storetest.Seed(t, stores[0])
	for i, s := range stores {
		if _, err := s.AppGet(t.Context(), appID); err != nil {
			t.Errorf("node %d: AppGet: %v", i, err)
		}
	}
	// A second Open applies nothing and keeps the data; Migrate too.
	if err := Migrate(t.Context(), u, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
}

// TestOpenKeepsLeases: unlike SQLite, Open must not release leases, since
// other nodes sharing the database hold live ones.
func TestOpenKeepsLeases(t *testing.T) {
	u := pgtest.NewSchema(t, pgtest.RequireURL(t))
	ctx := t.Context()
	s, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appID, epID := storetest.Seed(t, s)
	mc := storetest.Message(appID, epID, "msg_1", "", []byte(`{}`))
	mc.Lease = store.Lease{Owner: "node-a", Token: 1, ExpiresAt: storetest.T0.Add(time.Hour)}
	if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{mc}); err != nil || errs[0] != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}
	s2, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	cs, err := s2.DeliveryClaim(ctx, store.DeliveryClaimParams{Now: storetest.T0, Limit: 10, Lease: store.Lease{Owner: "node-b", ExpiresAt: storetest.T0.Add(time.Minute)}})
	if err != nil || len(cs) != 0 {
		t.Fatalf("DeliveryClaim under node-a's live lease after another Open = %d claims, %v; want 0", len(cs), err)
	}
}

func TestPayloadBytesExact(t *testing.T) {
	s := openTest(t, pgtest.RequireURL(t))
	ctx := t.Context()
	appID, epID := storetest.Seed(t, s)
	payloads := [][]byte{
		[]byte(`{"z":1,"a":{"y":"\u0000","b":[3,2,1]},"m":"\u00e9\ud83d\ude00"}`),
		[]byte("{\n  \"spaced\" :  true ,\"dup\":1,\"dup\":2}\n"),
		[]byte(`{"big":12345678901234567890123456789,"f":1.0e+2,"s":"\/"}`),
		{'{', '"', 'x', '"', ':', '"', 0xff, 0xfe, 0, '"', '}'}, // not UTF-8, a raw NUL: still stored as given
	}
	var items []store.MessageCreate
	for i, p := range payloads {
		items = append(items, storetest.Message(appID, epID, fmt.Sprintf("msg_%d", i), "", p))
	}
	if errs, err := s.MessageCreateBatch(ctx, items); err != nil || errors.Join(errs...) != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}
	for i, p := range payloads {
		m, err := s.MessageGet(ctx, appID, fmt.Sprintf("msg_%d", i))
		if err != nil || !bytes.Equal(m.Payload, p) {
			t.Errorf("MessageGet(msg_%d).Payload = %q, %v; want %q", i, m.Payload, err, p)
		}
	}
}

// TestBatchSavepointIsolation: failed items in the middle and at both ends
// of one batch, and an endpoint deleted between routing and commit.
func TestBatchSavepointIsolation(t *testing.T) {
	s := openTest(t, pgtest.RequireURL(t))
	ctx := t.Context()
	appID, epID := storetest.Seed(t, s)
	first := storetest.Message(appID, epID, "msg_0", "evt", []byte(`{}`))
	first.Idempotency = &store.Idempotency{Key: "k0", StatusCode: 202, Body: []byte(`{}`), CreatedAt: storetest.T0}
	if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{first}); err != nil || errs[0] != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}
	dupEvent := storetest.Message(appID, epID, "msg_2", "evt", []byte(`{}`))
	dupEvent.Idempotency = &store.Idempotency{Key: "k2", StatusCode: 202, CreatedAt: storetest.T0}
	dupKey := storetest.Message(appID, epID, "msg_3", "", []byte(`{}`))
	dupKey.Idempotency = &store.Idempotency{Key: "k0", StatusCode: 202, CreatedAt: storetest.T0}
	items := []store.MessageCreate{
		storetest.Message(appID, epID, "msg_0", "", []byte(`{}`)), // ID taken
		storetest.Message(appID, epID, "msg_1", "", []byte(`{}`)),
		dupEvent,
		dupKey,
		storetest.Message(appID, epID, "msg_4", "evt4", []byte(`{}`)),
		storetest.Message(appID, "ep_gone", "msg_5", "", []byte(`{}`)),
		storetest.Message("app_gone", epID, "msg_6", "", []byte(`{}`)),
	}
	errs, err := s.MessageCreateBatch(ctx, items)
	if err != nil {
		t.Fatalf("MessageCreateBatch: %v", err)
	}
	want := []error{store.ErrConflict, nil, store.ErrConflict, store.ErrIdempotencyKeyUsed, nil, nil, store.ErrNotFound}
	for i := range want {
		if want[i] == nil && errs[i] != nil || want[i] != nil && !errors.Is(errs[i], want[i]) {
			t.Errorf("item %d error = %v, want %v", i, errs[i], want[i])
		}
	}
	for _, id := range []string{"msg_1", "msg_4", "msg_5"} {
		if _, err := s.MessageGet(ctx, appID, id); err != nil {
			t.Errorf("MessageGet(%s) = %v, want committed", id, err)
		}
	}
	if _, err := s.IdempotencyGet(ctx, "k2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("IdempotencyGet(k2) = %v, want ErrNotFound", err)
	}
}

func TestUnavailable(t *testing.T) {
	// Nothing listens on port 1.
	_, err := Open(t.Context(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", nil)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open(unreachable) = %v, want ErrUnavailable", err)
	}
}

// TestWriteSurvivesDeadPooledConnections: after the server ends the
// pool's connections (as a restart or pg_terminate_backend does), the
// next write still commits, on a new connection, instead of failing on
// the dead one.
func TestWriteSurvivesDeadPooledConnections(t *testing.T) {
	base := pgtest.RequireURL(t)
	appName := fmt.Sprintf("hookline_pgtest_%d", time.Now().UnixNano())
	u, err := pgtest.WithParam(pgtest.NewSchema(t, base), "application_name", appName)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// The admin connection is opened first so that the write below
	// follows the termination within milliseconds: pgxpool pings a
	// connection idle for over a second, which would hide the dead one.
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	s, err := Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appID, epID := storetest.Seed(t, s)
	for i := range 3 {
		tag, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`, appName)
		if err != nil || tag.RowsAffected() == 0 {
			t.Fatalf("terminate the store's connections = %v, %v; want at least one", tag, err)
		}
		id := fmt.Sprintf("msg_%d", i)
		if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{storetest.Message(appID, epID, id, "", []byte(`{}`))}); err != nil || errs[0] != nil {
			t.Fatalf("MessageCreateBatch after the connections died = %v, %v; want it committed on a new connection", errs, err)
		}
		if _, err := s.MessageGet(ctx, appID, id); err != nil {
			t.Fatalf("MessageGet(%s) = %v", id, err)
		}
	}
}

// TestConnectTimeoutDefault: a URL without connect_timeout gets 5 s, so
// that an unreachable server fails a request instead of holding it for
// the kernel's TCP timeout; one with it keeps its own.
func TestConnectTimeoutDefault(t *testing.T) {
	base := pgtest.RequireURL(t)
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{{"", defaultConnectTimeout}, {"2", 2 * time.Second}} {
		u := pgtest.NewSchema(t, base)
		if tc.value != "" {
			var err error
			if u, err = pgtest.WithParam(u, "connect_timeout", tc.value); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(t.Context(), u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.pool.Config().ConnConfig.ConnectTimeout; got != tc.want {
			t.Errorf("Open(connect_timeout=%q): ConnectTimeout = %v, want %v", tc.value, got, tc.want)
		}
		s.Close()
	}
}

func TestSecrets(t *testing.T) {
	base := pgtest.RequireURL(t)
	storetest.RunSecrets(t, storetest.SecretsBackend{
		Fresh: func(t *testing.T) string { return pgtest.NewSchema(t, base) },
		Open: func(t *testing.T, u string, key *seal.Key) (store.Store, error) {
			s, err := OpenWith(t.Context(), u, Options{Secrets: key})
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		Stored: func(t *testing.T, u string) map[string]string {
			t.Helper()
			conn, err := pgx.Connect(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			rows, err := conn.Query(t.Context(), `SELECT id, secret || ' ' || coalesce(headers, '') || ' ' || coalesce(old_secrets, '') FROM endpoints`)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for rows.Next() {
				var id, cols string
				if err := rows.Scan(&id, &cols); err != nil {
					t.Fatal(err)
				}
				out[id] = cols
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		},
	})
}
