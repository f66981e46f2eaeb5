package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/dashboard"
	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// benchMessages is how many messages the benchmark's one app holds: the
// issue's "1,000,000 messages in one app".
const benchMessages = 1_000_000

// benchToken is the admin token the seeded database holds.
const benchToken = "hk_bench-admin-token-0123456789abcdefghijklmnop"

// seeded is what a seeded database holds, kept beside it.
type seeded struct {
	AppID, EndpointID, MsgID string
	Oldest, Newest           time.Time
}

// BenchmarkPages renders the pages of one app that holds a million
// messages through the dashboard's Handler, signed in, on real SQLite:
// the endpoint list, the message log (first page, filtered pages, an old
// page) and a message page. The issue asks each under 50 ms of server
// time. The database is seeded once (about a minute) and kept under
// os.TempDir, keyed by the schema's version, for later runs:
//
//	go test ./internal/dashboard -run '^$' -bench BenchmarkPages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	st, seed := benchStore(b)
	authn, err := auth.New(auth.Config{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	sessions, err := auth.NewSessions(ctx, auth.SessionConfig{Keys: st, Auth: authn})
	if err != nil {
		b.Fatal(err)
	}
	client, err := send.NewClient(send.Config{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := delivery.New(delivery.Config{Store: st, Client: client})
	if err != nil {
		b.Fatal(err)
	}
	d, err := dashboard.New(dashboard.Config{Store: st, Engine: eng, Sessions: sessions})
	if err != nil {
		b.Fatal(err)
	}
	sess, err := sessions.Create(ctx, benchToken)
	if err != nil {
		b.Fatal(err)
	}
	cookie := &http.Cookie{Name: auth.AdminCookie.Name, Value: sessions.Encode(sess)}
	h := d.Handler()

	app := "/portal/" + seed.AppID
	mid := seed.Oldest.Add(seed.Newest.Sub(seed.Oldest) / 2).Format("2006-01-02T15:04")
	pages := []struct{ name, path string }{
		{"endpoints", app + "/endpoints"},
		{"log", app + "/messages"},
		{"log/event-type", app + "/messages?event_type=invoice.voided"},
		{"log/rare-event-type", app + "/messages?event_type=customer.deleted"},
		{"log/channel", app + "/messages?channel=eu"},
		{"log/no-match", app + "/messages?channel=nowhere"},
		{"log/dates", app + "/messages?from=" + mid + "&to=" + seed.Newest.Add(-time.Hour).Format("2006-01-02T15:04")},
		{"log/endpoint-failed", app + "/messages?endpoint=" + seed.EndpointID + "&status=failed"},
		{"log/old-page", app + "/messages?after=" + webhook.BoundaryID(webhook.PrefixMessage, seed.Oldest.Add(time.Hour))},
		{"message", app + "/messages/" + seed.MsgID},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, p.path, nil)
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d\n%s", p.path, w.Code, w.Body.String())
				}
			}
		})
	}
}

// benchStore opens the seeded database, seeding it first when no earlier
// run left one for this schema.
func benchStore(b *testing.B) (*sqlite.Store, seeded) {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("hookline-dashboard-bench-schema%s-%d", schemaVersion(b), benchMessages))
	marker := filepath.Join(dir, "seeded.json")
	var seed seeded
	if raw, err := os.ReadFile(marker); err == nil && json.Unmarshal(raw, &seed) == nil {
		st, err := sqlite.Open(ctx, dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st, seed
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	start := time.Now()
	seed = seedStore(b, st)
	b.Logf("seeded %d messages in %v into %s", benchMessages, time.Since(start).Round(time.Second), dir)
	raw, _ := json.Marshal(seed)
	if err := os.WriteFile(marker, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	return st, seed
}

// schemaVersion is the number of the SQLite schema's newest migration.
func schemaVersion(b *testing.B) string {
	files, err := filepath.Glob(filepath.Join("..", "store", "sqlite", "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		b.Fatalf("find the SQLite migrations: %v", err)
	}
	sort.Strings(files)
	base := filepath.Base(files[len(files)-1])
	return base[:5]
}

// seedStore writes the benchmark's app: three endpoints, one of which
// gets every message; a million messages 100 ms apart, of four event
// types (40, 30, 29 and 1 in 100), one in ten on channel "eu", one in
// fifty failed for good; and a last message with three attempts.
func seedStore(b *testing.B, st *sqlite.Store) seeded {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, t0), Name: "Bench", CreatedAt: t0, UpdatedAt: t0}
	must(b, st.AppCreate(ctx, store.AppCreateParams{App: app}))
	tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, t0), Hash: webhook.HashToken(benchToken), Kind: webhook.TokenBootstrap, CreatedAt: t0}
	must(b, st.TokenCreate(ctx, tok))
	var eps []webhook.Endpoint
	for i := range 3 {
		ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, t0.Add(time.Duration(i)*time.Millisecond)), AppID: app.ID,
			URL: fmt.Sprintf("https://receiver%d.example.com/hooks", i), Description: fmt.Sprintf("Receiver %d", i), Version: 1,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: t0, UpdatedAt: t0}
		must(b, st.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}))
		eps = append(eps, ep)
	}
	ep := eps[0]
	payload := []byte(`{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"currency":"EUR","customer":"cus_8fj3k2","lines":[{"sku":"plan-pro","qty":1}],"note":"a payload of about the size the store benchmarks use, two hundred and fifty-six bytes long"}}`)
	const chunk = 5000
	items := make([]store.MessageImport, 0, chunk)
	var at time.Time
	for i := range benchMessages {
		at = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		m := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, at), AppID: app.ID, Payload: payload, CreatedAt: at}
		switch k := i % 100; {
		case k < 40:
			m.EventType = "invoice.paid"
		case k < 70:
			m.EventType = "invoice.voided"
		case k < 99:
			m.EventType = "customer.created"
		default:
			m.EventType = "customer.deleted"
		}
		if i%10 == 3 {
			m.Channels = []string{"eu"}
		}
		dl := webhook.Delivery{MsgID: m.ID, EndpointID: ep.ID, AppID: app.ID, Status: webhook.StatusSuccess, Attempts: 1, CreatedAt: at, UpdatedAt: at}
		if i%50 == 7 {
			dl.Status, dl.Attempts = webhook.StatusFail, 8
		}
		items = append(items, store.MessageImport{Message: m, Deliveries: []webhook.Delivery{dl}})
		if len(items) == chunk {
			must(b, st.MessageImport(ctx, items))
			items = items[:0]
		}
	}
	must(b, st.MessageImport(ctx, items))

	// The message whose page is measured: sent through the ingest path,
	// failed twice, then delivered.
	at = at.Add(time.Second)
	m := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, at), AppID: app.ID, EventType: "invoice.paid", Channels: []string{"eu"}, Payload: payload, CreatedAt: at}
	lease := store.Lease{Owner: "bench", Token: 1, ExpiresAt: at.Add(time.Minute)}
	errs, err := st.MessageCreateBatch(ctx, []store.MessageCreate{{Message: m, Lease: lease,
		Deliveries: []webhook.Delivery{{MsgID: m.ID, EndpointID: ep.ID, AppID: app.ID, Status: webhook.StatusPending, CreatedAt: at, UpdatedAt: at}}}})
	must(b, err)
	must(b, errs[0])
	for i, code := range []int{500, 503, 200} {
		t := at.Add(time.Duration(i) * time.Second)
		o := store.Outcome{Token: 1, Status: webhook.StatusSuccess, Attempt: webhook.Attempt{
			ID: webhook.NewID(webhook.PrefixAttempt, t), MsgID: m.ID, EndpointID: ep.ID, AppID: app.ID, URL: ep.URL,
			Status: webhook.StatusSuccess, ResponseStatusCode: code, Response: `{"ok":true}`, ResponseDurationMs: 42, CreatedAt: t,
		}}
		if code != 200 {
			next := t.Add(time.Second)
			o.Status, o.Attempt.Status, o.NextAttemptAt = webhook.StatusSending, webhook.StatusFail, &next
		}
		_, err := st.DeliveryRecordBatch(ctx, []store.Outcome{o})
		must(b, err)
	}
	return seeded{AppID: app.ID, EndpointID: ep.ID, MsgID: m.ID, Oldest: t0, Newest: at}
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
