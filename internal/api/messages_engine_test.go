package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// msgTestEngine is the shared test engine (core_fixture_test.go).
type msgTestEngine = coreEngine

// msgFixture is an API over a fresh SQLite store with one app and an
// admin token. Its clock advances a millisecond per reading, so messages
// created one after another sort in creation order.
type msgFixture struct {
	t       *testing.T
	ctx     context.Context
	store   *sqlite.Store
	engine  *msgTestEngine
	handler http.Handler
	token   string
	app     webhook.App

	mu    sync.Mutex
	clock time.Time
}

const msgTestMaxBody = 4096

func newMsgFixture(t *testing.T) *msgFixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &msgFixture{t: t, ctx: ctx, store: st, engine: &msgTestEngine{store: st},
		clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	a, err := New(Config{Store: st, Engine: f.engine, MaxBodyBytes: msgTestMaxBody, Now: f.now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.handler = a.Handler()

	now := f.now()
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.TokenCreate(ctx, webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, CreatedAt: now}); err != nil {
		t.Fatalf("TokenCreate: %v", err)
	}
	f.token = plain
	f.app = f.newApp("acme")
	return f
}

func (f *msgFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(time.Millisecond)
	return f.clock
}

func (f *msgFixture) newApp(uid string) webhook.App {
	f.t.Helper()
	now := f.now()
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), UID: uid, Name: uid, CreatedAt: now, UpdatedAt: now}
	if err := f.store.AppCreate(f.ctx, store.AppCreateParams{App: app}); err != nil {
		f.t.Fatalf("AppCreate: %v", err)
	}
	return app
}

// endpoint creates an endpoint in the fixture's app; edit adjusts it first.
func (f *msgFixture) endpoint(uid string, edit func(*webhook.Endpoint)) webhook.Endpoint {
	f.t.Helper()
	now := f.now()
	ep := webhook.Endpoint{
		ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: f.app.ID, UID: uid,
		URL: "https://example.com/hook/" + uid, Description: "ep " + uid, Version: 1,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now,
	}
	if edit != nil {
		edit(&ep)
	}
	if err := f.store.EndpointCreate(f.ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
		f.t.Fatalf("EndpointCreate: %v", err)
	}
	return ep
}

// do sends a request with the admin token; hdr holds header name, value pairs.
func (f *msgFixture) do(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(f.ctx, method, path, rd)
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// send creates a message through the API and returns its ID.
func (f *msgFixture) send(body string) string {
	f.t.Helper()
	rec := f.do("POST", "/api/v1/app/"+f.app.ID+"/msg", body)
	if rec.Code != http.StatusAccepted {
		f.t.Fatalf("POST msg %s = %d %s, want 202", body, rec.Code, rec.Body)
	}
	var out struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		f.t.Fatal(err)
	}
	return out.ID
}

// attempt records one attempt of msgID to ep, as the engine would.
func (f *msgFixture) attempt(msgID string, ep webhook.Endpoint, code int, response string, trigger webhook.TriggerType) webhook.Attempt {
	f.t.Helper()
	now := f.now()
	st := webhook.StatusSuccess
	next := (*time.Time)(nil)
	dst := webhook.StatusSuccess
	if code < 200 || code > 299 {
		st = webhook.StatusFail
		dst = webhook.StatusSending
		n := now.Add(time.Minute)
		next = &n
	}
	at := webhook.Attempt{
		ID: webhook.NewID(webhook.PrefixAttempt, now), MsgID: msgID, EndpointID: ep.ID, AppID: f.app.ID,
		URL: ep.URL, Status: st, ResponseStatusCode: code, Response: response, ResponseDurationMs: 12,
		TriggerType: trigger, CreatedAt: now,
	}
	if _, err := f.store.DeliveryRecordBatch(f.ctx, []store.Outcome{{Attempt: at, Token: 1, Status: dst, NextAttemptAt: next}}); err != nil {
		f.t.Fatalf("DeliveryRecordBatch: %v", err)
	}
	return at
}

// decodeStrict is sdkDecode (core_fixture_test.go) that stops the test
// when body does not decode.
func decodeStrict(t *testing.T, body []byte, v any) {
	t.Helper()
	if !sdkDecode(t, body, v) {
		t.FailNow()
	}
}
