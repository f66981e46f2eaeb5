package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storetest"
	"github.com/hookline/hookline/internal/webhook"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir()) })
}

// openTest opens a store in dir and closes it when the test ends.
func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestLockHeld(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	_, err := Open(context.Background(), dir, nil)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open(%q) = %v, want ErrLocked", dir, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	appID, epID := storetest.Seed(t, s)
	mc := storetest.Message(appID, epID, "msg_1", "", []byte(`{"a":1}`))
	mc.Lease = store.Lease{Owner: "node-a", Token: 1, ExpiresAt: storetest.T0.Add(time.Hour)}
	if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{mc}); err != nil || errs[0] != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// The lock is released on Close, and the reopened store has the rows.
	s = openTest(t, dir)
	m, err := s.MessageGet(ctx, appID, "msg_1")
	if err != nil || string(m.Payload) != `{"a":1}` {
		t.Fatalf("MessageGet after reopen = %q, %v", m.Payload, err)
	}
	// Open released the dead process's lease: the delivery is claimable
	// now, not only after the lease's hour.
	cs, err := s.DeliveryClaim(ctx, store.DeliveryClaimParams{Now: storetest.T0, Limit: 10, Lease: store.Lease{Owner: "node-b", ExpiresAt: storetest.T0.Add(time.Minute)}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("DeliveryClaim after reopen = %d claims, %v; want 1", len(cs), err)
	}
	if cs[0].Lease.Token != 2 {
		t.Errorf("claim token = %d, want 2 (ingest took 1)", cs[0].Lease.Token)
	}
}

func TestBatchSavepointIsolation(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	appID, epID := storetest.Seed(t, s)
	first := storetest.Message(appID, epID, "msg_0", "evt", []byte(`{}`))
	first.Idempotency = &store.Idempotency{Key: "k0", StatusCode: 202, Body: []byte(`{}`), CreatedAt: storetest.T0}
	if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{first}); err != nil || errs[0] != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}

	dupEvent := storetest.Message(appID, epID, "msg_2", "evt", []byte(`{}`)) // eventId reused
	dupEvent.Idempotency = &store.Idempotency{Key: "k2", StatusCode: 202, CreatedAt: storetest.T0}
	dupKey := storetest.Message(appID, epID, "msg_3", "", []byte(`{}`))
	dupKey.Idempotency = &store.Idempotency{Key: "k0", StatusCode: 202, CreatedAt: storetest.T0}
	// An endpoint deleted between routing and commit is skipped; the
	// message itself still commits.
	goneEndpoint := storetest.Message(appID, "ep_gone", "msg_5", "", []byte(`{}`))
	items := []store.MessageCreate{
		storetest.Message(appID, epID, "msg_1", "", []byte(`{}`)),
		dupEvent,
		dupKey,
		storetest.Message(appID, epID, "msg_4", "evt4", []byte(`{}`)),
		storetest.Message("app_gone", epID, "msg_6", "", []byte(`{}`)),
		goneEndpoint,
	}
	errs, err := s.MessageCreateBatch(ctx, items)
	if err != nil {
		t.Fatalf("MessageCreateBatch: %v", err)
	}
	want := []error{nil, store.ErrConflict, store.ErrIdempotencyKeyUsed, nil, store.ErrNotFound, nil}
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
	for _, id := range []string{"msg_2", "msg_3"} {
		if _, err := s.MessageGet(ctx, appID, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MessageGet(%s) = %v, want ErrNotFound (rolled back)", id, err)
		}
	}
	// The failed item's idempotency row went with it.
	if _, err := s.IdempotencyGet(ctx, "k2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("IdempotencyGet(k2) = %v, want ErrNotFound", err)
	}
	ds, err := s.DeliveryListByEndpoint(ctx, store.DeliveryListByEndpointParams{AppID: appID, EndpointID: epID, Page: store.Page{Limit: 10}})
	if err != nil || len(ds) != 3 {
		t.Errorf("DeliveryListByEndpoint = %d rows, %v; want 3 (msg_0, msg_1, msg_4)", len(ds), err)
	}
}

func TestFencing(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	appID, epID := storetest.Seed(t, s)
	mc := storetest.Message(appID, epID, "msg_1", "", []byte(`{}`))
	mc.Lease = store.Lease{Owner: "node-a", Token: 1, ExpiresAt: storetest.T0.Add(time.Second)}
	if errs, err := s.MessageCreateBatch(ctx, []store.MessageCreate{mc}); err != nil || errs[0] != nil {
		t.Fatalf("MessageCreateBatch = %v, %v", errs, err)
	}
	// Before the ingest lease lapses nobody else can claim.
	if cs, _ := s.DeliveryClaim(ctx, store.DeliveryClaimParams{Now: storetest.T0, Limit: 10, Lease: store.Lease{Owner: "b", ExpiresAt: storetest.T0.Add(time.Minute)}}); len(cs) != 0 {
		t.Fatalf("claim under a live lease = %d claims, want 0", len(cs))
	}
	// After, node b takes over with token 2.
	now := storetest.T0.Add(2 * time.Second)
	cs, err := s.DeliveryClaim(ctx, store.DeliveryClaimParams{Now: now, Limit: 10, Lease: store.Lease{Owner: "b", ExpiresAt: now.Add(time.Minute)}})
	if err != nil || len(cs) != 1 || cs[0].Lease.Token != 2 {
		t.Fatalf("claim after lapse = %+v, %v; want one claim with token 2", cs, err)
	}
	attempt := func(id string) webhook.Attempt {
		return webhook.Attempt{ID: id, MsgID: "msg_1", EndpointID: epID, AppID: appID, URL: "https://example.com/",
			Status: webhook.StatusSuccess, ResponseStatusCode: 200, CreatedAt: now}
	}
	applied, err := s.DeliveryRecordBatch(ctx, []store.Outcome{
		{Attempt: attempt("atmpt_1"), Token: 1, Status: webhook.StatusSuccess, DisableEndpoint: true}, // node a, late
		{Attempt: attempt("atmpt_2"), Token: 2, Status: webhook.StatusSuccess},
	})
	if err != nil || applied[0] || !applied[1] {
		t.Fatalf("DeliveryRecordBatch = %v, %v; want [false true]", applied, err)
	}
	as, err := s.AttemptList(ctx, store.AttemptListParams{AppID: appID, MsgID: "msg_1", Page: store.Page{Limit: 10}})
	if err != nil || len(as) != 2 {
		t.Errorf("AttemptList = %d attempts, %v; want both kept", len(as), err)
	}
	ds, _ := s.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{AppID: appID, MsgID: "msg_1", Page: store.Page{Limit: 10}})
	if len(ds) != 1 || ds[0].Delivery.Attempts != 1 || ds[0].Delivery.Status != webhook.StatusSuccess {
		t.Errorf("delivery = %+v, want one applied attempt, Success", ds)
	}
	if ds[0].Endpoint.Disabled {
		t.Errorf("fenced outcome disabled the endpoint")
	}
}

func TestPayloadBytesExact(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	appID, epID := storetest.Seed(t, s)
	payloads := [][]byte{
		[]byte(`{"z":1,"a":{"y":"\u0000","b":[3,2,1]},"m":"\u00e9\ud83d\ude00"}`),
		[]byte("{\n  \"spaced\" :  true ,\"dup\":1,\"dup\":2}\n"),
		[]byte(`{"big":12345678901234567890123456789,"f":1.0e+2,"s":"\/"}`),
		{'{', '"', 'x', '"', ':', '"', 0xff, 0xfe, '"', '}'}, // not UTF-8: still stored as given
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
	cs, err := s.DeliveryClaim(ctx, store.DeliveryClaimParams{Now: storetest.T0, Limit: 10, Lease: store.Lease{Owner: "n", ExpiresAt: storetest.T0.Add(time.Minute)}})
	if err != nil || len(cs) != len(payloads) {
		t.Fatalf("DeliveryClaim = %d, %v", len(cs), err)
	}
	for _, c := range cs {
		var i int
		fmt.Sscanf(c.Message.ID, "msg_%d", &i)
		if !bytes.Equal(c.Message.Payload, payloads[i]) {
			t.Errorf("claimed %s payload = %q, want %q", c.Message.ID, c.Message.Payload, payloads[i])
		}
	}
}

// TestClaimUsesIndex guards the hot queries' plans: a full scan of
// deliveries would make every poll cost the table's size.
func TestClaimUsesIndex(t *testing.T) {
	s := openTest(t, t.TempDir())
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT d.msg_id, d.endpoint_id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
		WHERE d.status IN (1, 3) AND d.next_attempt_at <= ?3
			AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ?3) AND e.disabled = 0
		ORDER BY d.next_attempt_at LIMIT ?4`, 0, 0, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		plan += detail + "\n"
	}
	if !bytes.Contains([]byte(plan), []byte("deliveries_due")) || bytes.Contains([]byte(plan), []byte("TEMP B-TREE")) {
		t.Errorf("claim plan does not walk deliveries_due in order:\n%s", plan)
	}
}

func TestSecrets(t *testing.T) {
	storetest.RunSecrets(t, storetest.SecretsBackend{
		Fresh: func(t *testing.T) string { return t.TempDir() },
		Open: func(t *testing.T, dir string, key *seal.Key) (store.Store, error) {
			s, err := OpenWith(t.Context(), dir, Options{Secrets: key})
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		Stored: storedSecrets,
	})
}

// storedSecrets reads the endpoints' secret columns of the database in
// dir directly, through database/sql and the same driver, as anyone who
// can read the file can.
func storedSecrets(t *testing.T, dir string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn(filepath.Join(dir, DBFile), "", "query_only(on)"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT id, secret, coalesce(headers, ''), coalesce(old_secrets, '') FROM endpoints`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, secret, hdrs, olds string
		if err := rows.Scan(&id, &secret, &hdrs, &olds); err != nil {
			t.Fatal(err)
		}
		out[id] = secret + " " + hdrs + " " + olds
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
