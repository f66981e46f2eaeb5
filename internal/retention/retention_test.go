package retention_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/hookline/hookline/internal/retention"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// t0 is the first window's time; the load's clock moves on one window a
// step, so the test needs no real time: what it measures is the file.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// steady is a steady load on a real SQLite store: each window writes
// perWindow messages of payloadSize bytes, each delivered once with a
// response body of bodySize bytes, at the window's time.
type steady struct {
	t         *testing.T
	s         *sqlite.Store
	app, ep   string
	perWindow int
	payload   []byte
	body      string
}

func newSteady(t *testing.T, dir string) *steady {
	t.Helper()
	s, err := sqlite.Open(t.Context(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	l := &steady{t: t, s: s, app: "app_1", ep: "ep_1", perWindow: 250,
		payload: []byte(`{"data":"` + string(bytes.Repeat([]byte("p"), 2000)) + `"}`),
		body:    string(bytes.Repeat([]byte("r"), 1000))}
	ctx := t.Context()
	if err := s.AppCreate(ctx, store.AppCreateParams{App: webhook.App{ID: l.app, Name: "a", CreatedAt: t0, UpdatedAt: t0}}); err != nil {
		t.Fatalf("AppCreate: %v", err)
	}
	ep := webhook.Endpoint{ID: l.ep, AppID: l.app, URL: "https://example.com/", Version: 1, Secret: "whsec_x", CreatedAt: t0, UpdatedAt: t0}
	if err := s.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
		t.Fatalf("EndpointCreate: %v", err)
	}
	return l
}

// window writes one window's messages at at and records their deliveries
// as succeeded.
func (l *steady) window(ctx context.Context, at time.Time) {
	l.t.Helper()
	const batch = 100
	for i := 0; i < l.perWindow; i += batch {
		items := make([]store.MessageCreate, min(batch, l.perWindow-i))
		outs := make([]store.Outcome, len(items))
		for j := range items {
			created := at.Add(time.Duration(i+j) * time.Microsecond)
			id := webhook.NewID(webhook.PrefixMessage, created)
			items[j] = store.MessageCreate{
				Message:    webhook.Message{ID: id, AppID: l.app, EventType: "user.created", Payload: l.payload, CreatedAt: created},
				Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: l.ep, AppID: l.app, Status: webhook.StatusPending, NextAttemptAt: &created, CreatedAt: created, UpdatedAt: created}},
				Lease:      store.Lease{Owner: "n", Token: 1, ExpiresAt: created.Add(time.Minute)},
			}
			outs[j] = store.Outcome{Token: 1, Status: webhook.StatusSuccess, Attempt: webhook.Attempt{
				ID: webhook.NewID(webhook.PrefixAttempt, created), MsgID: id, EndpointID: l.ep, AppID: l.app,
				URL: "https://example.com/", Status: webhook.StatusSuccess, ResponseStatusCode: 200,
				Response: l.body, TriggerType: webhook.TriggerScheduled, CreatedAt: created,
			}}
		}
		errs, err := l.s.MessageCreateBatch(ctx, items)
		if err != nil {
			l.t.Fatalf("MessageCreateBatch: %v", err)
		}
		for _, err := range errs {
			if err != nil {
				l.t.Fatalf("MessageCreateBatch item: %v", err)
			}
		}
		if _, err := l.s.DeliveryRecordBatch(ctx, outs); err != nil {
			l.t.Fatalf("DeliveryRecordBatch: %v", err)
		}
	}
}

// pages is the database's size in pages as a reader sees it (the file
// once the WAL is copied back) and how many of them are free.
func pages(t *testing.T, db *sql.DB) (total, free int64) {
	t.Helper()
	if err := db.QueryRow(`SELECT (SELECT page_count FROM pragma_page_count()), (SELECT freelist_count FROM pragma_freelist_count())`).Scan(&total, &free); err != nil {
		t.Fatalf("page_count: %v", err)
	}
	return total, free
}

// TestSQLiteSizeLevelsOff runs a steady load with a retention of three
// seconds (three windows of the load's clock) and the purger after each
// window: the pages the purge frees are reused, so the database stops
// growing once it holds the retention's worth. It compares the largest
// size of two spans of windows after the first fill.
func TestSQLiteSizeLevelsOff(t *testing.T) {
	dir := t.TempDir()
	l := newSteady(t, dir)
	ctx := t.Context()
	now := t0
	p := retention.New(retention.Config{Store: l.s, Retention: 3 * time.Second, Now: func() time.Time { return now }, Pause: time.Microsecond, RestFactor: 1})
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, sqlite.DBFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	const windows = 30
	var sizes []int64
	for w := range windows {
		now = t0.Add(time.Duration(w) * time.Second)
		l.window(ctx, now)
		res := p.Pass(ctx)
		if w >= 4 && res.Messages != l.perWindow {
			t.Fatalf("window %d: purge deleted %d messages, want one window's %d", w, res.Messages, l.perWindow)
		}
		total, free := pages(t, db)
		sizes = append(sizes, total)
		if w%5 == 0 || w == windows-1 {
			t.Logf("window %2d: %6d pages, %5d free", w, total, free)
		}
	}
	maxOf := func(s []int64) int64 {
		m := s[0]
		for _, v := range s {
			m = max(m, v)
		}
		return m
	}
	early, late := maxOf(sizes[10:20]), maxOf(sizes[windows-10:])
	t.Logf("largest size in windows 10-19: %d pages, in windows 20-29: %d pages", early, late)
	// A steady state may still move by a few pages (b-tree splits); a
	// database that kept growing would add a window's worth (about 220
	// pages here) every window, 2,200 pages over the span.
	if late > early+early/50 {
		t.Errorf("the database grew from %d to %d pages under a steady load with a 3s retention", early, late)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM messages`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := 4 * l.perWindow; n != want {
		t.Errorf("%d messages kept, want the retention's %d (the 3s before the last window's, and its own)", n, want)
	}
}
