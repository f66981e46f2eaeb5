package storecopy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/store/storecopy"
	"github.com/hookline/hookline/internal/webhook"
)

// pgSchema returns a URL of the test PostgreSQL whose search_path is a
// schema of this test's own, dropped at its end.
func pgSchema(t *testing.T) string {
	t.Helper()
	return pgtest.NewSchema(t, pgtest.RequireURL(t))
}

// source is what the test writes into the SQLite store, to find again in
// PostgreSQL.
type source struct {
	apps       []webhook.App
	eventTypes []webhook.EventType
	endpoints  []webhook.Endpoint // of apps[0]: [0] live, [1] disabled
	tokens     []webhook.Token
	sources    []inbound.Source
	bins       []inspector.Bin
	// pending has an unfinished delivery to endpoints[0] (one new, one
	// retrying); done's delivery succeeded.
	pending []store.MessageImport
	done    store.MessageImport
}

// fill writes a source into a fresh SQLite data directory whose live
// endpoint is receiverURL, with endpoint secrets encrypted with key (nil:
// none), and closes it.
func fill(t *testing.T, dir, receiverURL string, key *seal.Key) source {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.OpenWith(ctx, dir, sqlite.Options{Secrets: key})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	defer st.Close()
	must := func(err error, call string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
	}
	// Whole milliseconds: what the stores keep.
	t0 := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
	rl, epRL := 50, 20
	var src source
	src.apps = []webhook.App{
		{ID: webhook.NewID(webhook.PrefixApp, t0), UID: "acme", Name: "Acme", RateLimit: &rl,
			Metadata: map[string]string{"tier": "gold"}, CreatedAt: t0, UpdatedAt: t0.Add(time.Second)},
		{ID: webhook.NewID(webhook.PrefixApp, t0.Add(time.Second)), Name: "Bare", CreatedAt: t0, UpdatedAt: t0},
	}
	for _, a := range src.apps {
		must(st.AppCreate(ctx, store.AppCreateParams{App: a}), "AppCreate")
	}
	src.eventTypes = []webhook.EventType{
		{Name: "invoice.paid", Description: "Paid", Schemas: []byte(`{"1":{"type":"object"}}`), FeatureFlag: "beta",
			CreatedAt: t0, UpdatedAt: t0},
		{Name: "user.deleted", Archived: true, Deprecated: true, CreatedAt: t0, UpdatedAt: t0.Add(time.Minute)},
	}
	for _, et := range src.eventTypes {
		must(st.EventTypeCreate(ctx, store.EventTypeCreateParams{EventType: et}), "EventTypeCreate")
	}
	secret, err := signature.GenerateSecret()
	must(err, "GenerateSecret")
	oldSecret, err := signature.GenerateSecret()
	must(err, "GenerateSecret")
	app := src.apps[0].ID
	src.endpoints = []webhook.Endpoint{
		{ID: webhook.NewID(webhook.PrefixEndpoint, t0), AppID: app, UID: "main", URL: receiverURL + "/live",
			Description: "live", Version: 1, RateLimit: &epRL, FilterTypes: []string{"invoice.paid"},
			Channels: []string{"eu"}, Metadata: map[string]string{"team": "billing"},
			Headers: map[string]string{"X-Api-Key": "k1"}, Secret: secret,
			OldSecrets: []webhook.OldSecret{{Key: oldSecret, ExpiresAt: t0.Add(24 * time.Hour)}},
			Delivery:   webhook.DeliveryOptions{Format: webhook.FormatJSON, Method: "PUT", Retries: &epRL, Timeout: 3 * time.Second},
			CreatedAt:  t0, UpdatedAt: t0.Add(time.Second)},
		{ID: webhook.NewID(webhook.PrefixEndpoint, t0.Add(time.Second)), AppID: app, URL: receiverURL + "/disabled",
			Version: 1, Disabled: true, Secret: secret, CreatedAt: t0, UpdatedAt: t0},
	}
	for _, e := range src.endpoints {
		must(st.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: e}), "EndpointCreate")
	}
	src.tokens = []webhook.Token{
		{ID: webhook.NewID(webhook.PrefixToken, t0), Hash: webhook.HashToken("hk_admin"), Kind: webhook.TokenCreated,
			Name: "deploys", CreatedAt: t0, LastUsedAt: ptr(t0.Add(time.Minute))},
		{ID: webhook.NewID(webhook.PrefixToken, t0.Add(time.Second)), Hash: webhook.HashToken("hk_portal"),
			AppID: app, Kind: webhook.TokenAppPortal, ExpiresAt: ptr(t0.Add(48 * time.Hour)), CreatedAt: t0},
	}
	for _, tok := range src.tokens {
		must(st.TokenCreate(ctx, tok), "TokenCreate")
	}
	src.sources = []inbound.Source{inbound.Source{ID: webhook.NewID(webhook.PrefixSource, t0), Name: "GitHub",
		TokenHash: webhook.HashToken("hkin_copied"), Verify: verify.Config{Scheme: verify.SchemeGitHub, Secret: "gh-copied-secret"},
		Forward: inbound.Forward{App: &inbound.ForwardApp{AppID: app, EventTypeHeader: "X-GitHub-Event"}}, CreatedAt: t0, UpdatedAt: t0}.WithDefaults()}
	for _, s := range src.sources {
		must(st.SourceCreate(ctx, s), "SourceCreate")
	}
	bin := inspector.NewBin(webhook.NewID(webhook.PrefixBin, t0), t0)
	bin.Name, bin.TokenHash = "Stripe test", webhook.HashToken("bin_copied")
	src.bins = []inspector.Bin{bin}
	must(st.BinCreate(ctx, bin), "BinCreate")

	msg := func(at time.Time, status webhook.MessageStatus, attempts int, next *time.Time) store.MessageImport {
		id := webhook.NewID(webhook.PrefixMessage, at)
		return store.MessageImport{
			Message: webhook.Message{ID: id, AppID: app, EventType: "invoice.paid", EventID: "evt-" + id,
				Channels: []string{"eu"}, Payload: []byte(`{"msg":"` + id + `", "n": 1.50}`), CreatedAt: at},
			Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: src.endpoints[0].ID, AppID: app, Status: status,
				Attempts: attempts, NextAttemptAt: next, CreatedAt: at, UpdatedAt: at.Add(time.Second)}},
		}
	}
	src.done = msg(t0.Add(time.Minute), webhook.StatusSuccess, 1, nil)
	src.pending = []store.MessageImport{
		msg(t0.Add(2*time.Minute), webhook.StatusPending, 0, ptr(t0.Add(2*time.Minute))),
		msg(t0.Add(3*time.Minute), webhook.StatusSending, 2, ptr(t0.Add(4*time.Minute))),
	}
	must(st.MessageImport(ctx, append([]store.MessageImport{src.done}, src.pending...)), "MessageImport")
	return src
}

// request is one delivery a real HTTP receiver on loopback got.
type request struct {
	path   string
	header http.Header
	body   []byte
}

// receiver hands every request it gets to a channel, room for 100.
func receiver() (*httptest.Server, chan request) {
	reqs := make(chan request, 100)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case reqs <- request{r.URL.Path, r.Header.Clone(), b}:
		default: // the test stopped reading; answering 2xx is enough
		}
	})), reqs
}

func TestFromSQLite(t *testing.T) {
	pgURL := pgSchema(t)
	hs, reqs := receiver()
	defer hs.Close()
	dir := t.TempDir()
	src := fill(t, dir, hs.URL, nil)
	ctx := t.Context()

	var out bytes.Buffer
	sum, err := storecopy.FromSQLite(ctx, "sqlite://"+dir, pgURL, storecopy.Options{Progress: &out}, nil)
	if err != nil {
		t.Fatalf("FromSQLite: %v\n%s", err, out.String())
	}
	want := storecopy.Summary{
		Apps: storecopy.Count{Copied: 2}, EventTypes: storecopy.Count{Copied: 2}, Endpoints: storecopy.Count{Copied: 2},
		Tokens: storecopy.Count{Copied: 2}, Sources: storecopy.Count{Copied: 1}, Bins: storecopy.Count{Copied: 1}, Messages: storecopy.Count{Copied: 2}, Deliveries: storecopy.Count{Copied: 2},
		FinishedLeft: 1,
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("FromSQLite summary mismatch (-want +got):\n%s\noutput:\n%s", diff, out.String())
	}
	for _, line := range []string{"apps: 2 copied", "endpoints: 2 copied", "unfinished deliveries: 2 copied",
		"finished deliveries not copied (history, with its attempts, stays in the source): 1"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("FromSQLite output lacks %q:\n%s", line, out.String())
		}
	}

	pg, err := postgres.Open(ctx, pgURL, nil)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { pg.Close() })
	checkCopied(t, pg, src)

	// Again: refused, then with Force every row is found already there.
	_, err = storecopy.FromSQLite(ctx, "sqlite://"+dir, pgURL, storecopy.Options{}, nil)
	if !errors.Is(err, storecopy.ErrNotEmpty) {
		t.Errorf("FromSQLite into a filled database = %v, want ErrNotEmpty", err)
	}
	sum, err = storecopy.FromSQLite(ctx, "sqlite://"+dir, pgURL, storecopy.Options{Force: true}, nil)
	if err != nil {
		t.Fatalf("FromSQLite(Force) again: %v", err)
	}
	wantAgain := storecopy.Summary{
		Apps: storecopy.Count{Skipped: 2}, EventTypes: storecopy.Count{Skipped: 2}, Endpoints: storecopy.Count{Skipped: 2},
		Tokens: storecopy.Count{Skipped: 2}, Sources: storecopy.Count{Skipped: 1}, Bins: storecopy.Count{Skipped: 1}, Messages: storecopy.Count{Skipped: 2}, Deliveries: storecopy.Count{Skipped: 2},
		FinishedLeft: 1,
	}
	if diff := cmp.Diff(wantAgain, sum); diff != "" {
		t.Errorf("FromSQLite(Force) again summary mismatch (-want +got):\n%s", diff)
	}
	checkCopied(t, pg, src)

	checkServerDelivers(t, pgURL, src, reqs, nil)
}

// TestFromSQLiteEncrypted copies a data directory whose endpoint secrets
// are encrypted: with the key, PostgreSQL gets them encrypted with it
// (never in plain text), they read back the same, and a server on
// PostgreSQL with the key signs with the copied secret; without the key
// the copy is refused before anything is written.
func TestFromSQLiteEncrypted(t *testing.T) {
	pgURL := pgSchema(t)
	hs, reqs := receiver()
	defer hs.Close()
	dir := t.TempDir()
	raw := bytes.Repeat([]byte{3}, seal.KeySize)
	key, err := seal.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	src := fill(t, dir, hs.URL, key)
	ctx := t.Context()

	_, err = storecopy.FromSQLite(ctx, "sqlite://"+dir, pgURL, storecopy.Options{}, nil)
	if !errors.Is(err, store.ErrEncryptionKey) {
		t.Fatalf("FromSQLite without the key = %v, want ErrEncryptionKey", err)
	}
	if _, err := storecopy.FromSQLite(ctx, "sqlite://"+dir, pgURL, storecopy.Options{Secrets: key}, nil); err != nil {
		t.Fatalf("FromSQLite with the key: %v", err)
	}

	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT secret || ' ' || coalesce(headers, '') || ' ' || coalesce(old_secrets, '') FROM endpoints`)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(stored) != len(src.endpoints) {
		t.Fatalf("endpoints in PostgreSQL = %d, %v; want %d", len(stored), err, len(src.endpoints))
	}
	for _, cols := range stored {
		for _, plain := range []string{src.endpoints[0].Secret, src.endpoints[0].OldSecrets[0].Key, src.endpoints[0].Headers["X-Api-Key"] + `"`} {
			if strings.Contains(cols, plain) {
				t.Errorf("PostgreSQL stores %q in plain text: %s", plain, cols)
			}
		}
		if !strings.HasPrefix(cols, seal.Prefix) {
			t.Errorf("PostgreSQL stores an endpoint secret as %q, want it sealed", cols)
		}
	}
	pg, err := postgres.OpenWith(ctx, pgURL, postgres.Options{Secrets: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	checkCopied(t, pg, src)
	checkServerDelivers(t, pgURL, src, reqs, raw)
}

// checkCopied compares every copied field in the PostgreSQL store pg.
func checkCopied(t *testing.T, pg store.Store, src source) {
	t.Helper()
	ctx := t.Context()
	diff := func(call string, want, got any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", call, err)
		} else if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s mismatch (-sqlite +postgres):\n%s", call, d)
		}
	}
	page := store.Page{Limit: 100, Order: store.Ascending}
	apps, err := pg.AppList(ctx, store.AppListParams{Page: page})
	diff("AppList", src.apps, apps, err)
	ets, err := pg.EventTypeList(ctx, store.EventTypeListParams{Page: page, IncludeArchived: true})
	diff("EventTypeList", src.eventTypes, ets, err)
	// A zero Page lists every endpoint, newest first.
	eps, err := pg.EndpointList(ctx, store.EndpointListParams{AppID: src.apps[0].ID})
	slices.Reverse(eps)
	diff("EndpointList", src.endpoints, eps, err)
	toks, err := pg.TokenList(ctx, store.TokenListParams{})
	diff("TokenList", src.tokens, toks, err)
	srcs, err := pg.SourceList(ctx, store.SourceListParams{Page: page})
	diff("SourceList", src.sources, srcs, err)
	bins, err := pg.BinList(ctx, store.BinListParams{Page: page})
	diff("BinList", src.bins, bins, err)
	for _, it := range src.pending {
		m, err := pg.MessageGet(ctx, it.Message.AppID, it.Message.ID)
		diff("MessageGet("+it.Message.ID+")", it.Message, m, err)
		ds, err := pg.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{
			AppID: it.Message.AppID, MsgID: it.Message.ID, Page: page})
		var got []webhook.Delivery
		for _, d := range ds {
			got = append(got, d.Delivery)
		}
		diff("DeliveryListByMessage("+it.Message.ID+")", it.Deliveries, got, err)
	}
	if _, err := pg.MessageGet(ctx, src.done.Message.AppID, src.done.Message.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MessageGet(finished message) = %v, want ErrNotFound: history is not copied", err)
	}
}

// checkServerDelivers starts a real server on the PostgreSQL database and
// waits until the receiver has both pending messages, signed with the
// copied secret, and the disabled endpoint nothing.
func checkServerDelivers(t *testing.T, pgURL string, src source, reqs <-chan request, key []byte) {
	t.Helper()
	cfg := config.Default()
	cfg.EncryptionKey = key
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = pgURL
	cfg.AdminToken = "hk_admin"
	cfg.AllowPrivateTargets = true
	cfg.ShutdownTimeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, io.Discard, slog.New(slog.DiscardHandler)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server.Run: %v", err)
		}
	}()
	want := map[string][]byte{}
	for _, it := range src.pending {
		want[it.Message.ID] = it.Message.Payload
	}
	timeout := time.After(30 * time.Second)
	for got := 0; got < len(want); {
		var r request
		select {
		case r = <-reqs:
		case err := <-done:
			t.Fatalf("server exited: %v", err)
		case <-timeout:
			t.Fatalf("the receiver got %d of %d pending messages within 30s", got, len(want))
		}
		id := r.header.Get("webhook-id")
		body, ok := want[id]
		switch {
		case r.path != "/live":
			t.Errorf("%s got message %s; only /live is enabled", r.path, id)
			continue
		case !ok:
			t.Errorf("receiver got webhook-id %q, want one of the pending messages (finished %s must not be resent)", id, src.done.Message.ID)
			continue
		}
		got++
		if !bytes.Equal(r.body, body) {
			t.Errorf("body of %s = %s, want %s", id, r.body, body)
		}
		if err := signature.Verify(src.endpoints[0].Secret, r.header, r.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature of %s with the copied secret: %v", id, err)
		}
		if got := r.header.Get("X-Api-Key"); got != "k1" {
			t.Errorf("X-Api-Key of %s = %q, want the copied header k1", id, got)
		}
	}
}

func TestFromSQLiteRefuses(t *testing.T) {
	ctx := t.Context()
	empty := t.TempDir()
	busy := t.TempDir()
	st, err := sqlite.Open(ctx, busy, nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	defer st.Close()
	const pg = "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"
	tests := []struct {
		from, databaseURL string
		want              string
		is                error
	}{
		{"/var/lib/hookline", pg, "want sqlite://PATH_TO_DATA_DIR", nil},
		{"sqlite://", pg, "path is empty", nil},
		{"sqlite://" + empty, pg, "no Hookline database in", nil},
		{"sqlite://" + busy, "mysql://x", "want a postgres:// URL", nil},
		{"sqlite://" + busy, pg, "in use by a running hookline server", sqlite.ErrLocked},
	}
	for _, tt := range tests {
		_, err := storecopy.FromSQLite(ctx, tt.from, tt.databaseURL, storecopy.Options{}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("FromSQLite(%q, %q) = %v, want an error containing %q", tt.from, tt.databaseURL, err, tt.want)
		}
	}
	if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
		t.Errorf("FromSQLite wrote into the empty directory: %v %v", entries, err)
	}
}

// A destination without apps but with a row of the source's refuses that
// row, and Force skips it.
func TestCopyConflict(t *testing.T) {
	ctx := t.Context()
	src, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	dst, err := postgres.Open(ctx, pgSchema(t), nil)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { dst.Close() })
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range []store.Store{src, dst} {
		et := webhook.EventType{Name: "invoice.paid", CreatedAt: at, UpdatedAt: at}
		if err := s.EventTypeCreate(ctx, store.EventTypeCreateParams{EventType: et}); err != nil {
			t.Fatalf("EventTypeCreate: %v", err)
		}
	}
	if _, err := storecopy.Copy(ctx, dst, src, storecopy.Options{}); !errors.Is(err, store.ErrConflict) ||
		!strings.Contains(err.Error(), "invoice.paid exists in the destination") {
		t.Errorf("Copy onto an existing event type = %v, want ErrConflict naming it", err)
	}
	sum, err := storecopy.Copy(ctx, dst, src, storecopy.Options{Force: true})
	if err != nil || sum.EventTypes != (storecopy.Count{Skipped: 1}) {
		t.Errorf("Copy(Force) = %+v, %v; want the event type skipped", sum, err)
	}
}

func ptr[T any](v T) *T { return &v }
