package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/openapi/openapitest"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// coreEngine is the Engine the app, event type, endpoint and auth tests
// run against: it commits published messages through the real store
// (one delivery to OnlyEndpoint, or to every receiving endpoint), sends
// nothing, and records what it was told.
type coreEngine struct {
	store store.Store

	mu        sync.Mutex
	changed   []string // EndpointsChanged app IDs
	recovers  []store.DeliveryRecoverParams
	published []delivery.PublishParams
	resends   []string // "msgID endpointID"
	events    []delivery.EndpointEvent
}

func (e *coreEngine) Publish(ctx context.Context, p delivery.PublishParams) error {
	msg := p.Message
	eps, err := e.store.EndpointList(ctx, store.EndpointListParams{AppID: msg.AppID})
	if err != nil {
		return err
	}
	var ds []webhook.Delivery
	for _, ep := range eps {
		if p.OnlyEndpoint == ep.ID || p.OnlyEndpoint == "" && ep.Receives(msg.EventType, msg.Channels) {
			ds = append(ds, webhook.Delivery{
				MsgID: msg.ID, EndpointID: ep.ID, AppID: msg.AppID, Status: webhook.StatusPending,
				NextAttemptAt: &msg.CreatedAt, CreatedAt: msg.CreatedAt, UpdatedAt: msg.CreatedAt,
			})
		}
	}
	errs, err := e.store.MessageCreateBatch(ctx, []store.MessageCreate{{
		Message:          msg,
		Deliveries:       ds,
		Lease:            store.Lease{Owner: "core-test", Token: 1, ExpiresAt: msg.CreatedAt.Add(time.Hour)},
		Idempotency:      p.Idempotency,
		PayloadExpiresAt: p.PayloadExpiresAt,
	}})
	if err != nil {
		return err
	}
	if errs[0] == nil {
		e.mu.Lock()
		e.published = append(e.published, p)
		e.mu.Unlock()
	}
	return errs[0]
}

// PreviewRequest builds the request as the engine does, without its gate.
func (e *coreEngine) PreviewRequest(ctx context.Context, ep webhook.Endpoint, msg webhook.Message, now time.Time) (send.Request, error) {
	return delivery.PreviewRequest(ctx, nil, ep, msg, now)
}

func (e *coreEngine) Resend(ctx context.Context, appID, msgID, endpointID string) error {
	_, err := e.store.DeliveryResend(ctx, store.DeliveryResendParams{
		AppID: appID, MsgID: msgID, EndpointID: endpointID, Now: time.Now(),
		Lease: store.Lease{Owner: "core-test", ExpiresAt: time.Now().Add(time.Hour)},
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.resends = append(e.resends, msgID+" "+endpointID)
	e.mu.Unlock()
	return nil
}

func (e *coreEngine) Recover(ctx context.Context, p store.DeliveryRecoverParams) (int, error) {
	e.mu.Lock()
	e.recovers = append(e.recovers, p)
	e.mu.Unlock()
	return e.store.DeliveryRecover(ctx, p)
}

func (e *coreEngine) ReplayMissing(ctx context.Context, p store.DeliveryReplayParams) (int, error) {
	return e.store.DeliveryReplay(ctx, p)
}

func (e *coreEngine) EndpointsChanged(appID string) {
	e.mu.Lock()
	e.changed = append(e.changed, appID)
	e.mu.Unlock()
}

// Ping is not exercised here: it sends a real request, which the
// end-to-end tests (internal/server) check against real receivers.
func (e *coreEngine) Ping(context.Context, string, string) (delivery.PingResult, error) {
	return delivery.PingResult{}, errors.New("coreEngine does not ping")
}

func (e *coreEngine) EndpointEvent(ev delivery.EndpointEvent) {
	e.mu.Lock()
	e.events = append(e.events, ev)
	e.mu.Unlock()
}

func (e *coreEngine) endpointEvents() []delivery.EndpointEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]delivery.EndpointEvent(nil), e.events...)
}

func (e *coreEngine) changedCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.changed)
}

// coreFixture is the API over a fresh SQLite store with an admin token.
// Its clock advances a millisecond per reading.
type coreFixture struct {
	t       *testing.T
	ctx     context.Context
	store   *sqlite.Store
	engine  *coreEngine
	handler http.Handler
	admin   string

	mu    sync.Mutex
	clock time.Time
}

const coreTestMaxBody = 64 << 10

// The server's retry schedule and request timeout as the core tests
// configure them: what an endpoint's delivery options default to.
var coreTestSchedule = []time.Duration{time.Second, time.Minute, time.Hour}

const coreTestRequestTimeout = 20 * time.Second

func newCoreFixture(t *testing.T) *coreFixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &coreFixture{t: t, ctx: ctx, store: st, engine: &coreEngine{store: st},
		clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	a, err := New(Config{Store: st, Engine: f.engine, MaxBodyBytes: coreTestMaxBody, Now: f.now, BaseURL: "https://hooks.example.com/",
		RetrySchedule: coreTestSchedule, RequestTimeout: coreTestRequestTimeout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.handler = a.Handler()
	f.admin = f.token("")
	return f
}

func (f *coreFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(time.Millisecond)
	return f.clock
}

// token stores a token for appID ("" for an admin) and returns it.
func (f *coreFixture) token(appID string) string {
	f.t.Helper()
	now := f.now()
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		f.t.Fatal(err)
	}
	tok := webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, AppID: appID, CreatedAt: now}
	if appID != "" {
		exp := now.Add(time.Hour)
		tok.ExpiresAt = &exp
	}
	if err := f.store.TokenCreate(f.ctx, tok); err != nil {
		f.t.Fatalf("TokenCreate: %v", err)
	}
	return plain
}

// noToken makes a request without an Authorization header.
const noToken = "-"

// do sends a request with token (the admin's when empty); hdr holds
// header name, value pairs.
func (f *coreFixture) do(token, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(f.ctx, method, path, rd)
	switch token {
	case "":
		req.Header.Set("Authorization", "Bearer "+f.admin)
	case noToken:
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// must sends an admin request and fails unless it answers want; it
// returns the decoded body (nil when empty).
func (f *coreFixture) must(want int, method, path, body string) map[string]any {
	f.t.Helper()
	rec := f.do("", method, path, body)
	if rec.Code != want {
		f.t.Fatalf("%s %s %s = %d %s, want %d", method, path, body, rec.Code, rec.Body, want)
	}
	return decodeMap(f.t, rec.Body.Bytes())
}

func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// absent, as a wanted field value, means the field must not be present.
type absentField struct{}

var absent = absentField{}

// scenario is one request of a table test and what it must answer.
type scenario struct {
	name   string
	token  string // "" admin, noToken none, else the token
	method string
	path   string
	body   string
	hdr    []string
	want   int
	// fields are top-level JSON members the body must hold (compared as
	// JSON), or absent.
	fields map[string]any
	// errLoc, when set, must be the loc of one item of a 422's detail.
	errLoc []string
	check  func(t *testing.T, body []byte)
}

func (f *coreFixture) run(scenarios []scenario) {
	f.t.Helper()
	for _, sc := range scenarios {
		rec := f.do(sc.token, sc.method, sc.path, sc.body, sc.hdr...)
		call := fmt.Sprintf("%s: %s %s %s", sc.name, sc.method, sc.path, sc.body)
		if len(call) > 300 {
			call = call[:300] + "..."
		}
		if rec.Code != sc.want {
			f.t.Errorf("%s = %d %s, want %d", call, rec.Code, rec.Body, sc.want)
			continue
		}
		got := decodeMap(f.t, rec.Body.Bytes())
		for k, want := range sc.fields {
			v, ok := got[k]
			if want == absent {
				if ok {
					f.t.Errorf("%s: body has %q = %v, want it absent", call, k, v)
				}
				continue
			}
			if !ok {
				f.t.Errorf("%s: body %s lacks %q", call, rec.Body, k)
				continue
			}
			if !jsonEqual(v, want) {
				f.t.Errorf("%s: %q = %#v, want %#v", call, k, v, want)
			}
		}
		if sc.errLoc != nil && !hasErrLoc(got, sc.errLoc) {
			f.t.Errorf("%s: body %s has no error at %v", call, rec.Body, sc.errLoc)
		}
		if sc.check != nil {
			sc.check(f.t, rec.Body.Bytes())
		}
	}
}

// jsonEqual compares a decoded JSON value with want after sending want
// through JSON too.
func jsonEqual(got, want any) bool {
	b, err := json.Marshal(want)
	if err != nil {
		return false
	}
	var w any
	if err := json.Unmarshal(b, &w); err != nil {
		return false
	}
	return reflect.DeepEqual(got, w)
}

func hasErrLoc(body map[string]any, loc []string) bool {
	items, _ := body["detail"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if jsonEqual(m["loc"], loc) {
			return true
		}
	}
	return false
}

// errLocs lists the locations of a 422 body's problems.
func errLocs(t *testing.T, b []byte) []string {
	t.Helper()
	var v ValidationError
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	var locs []string
	for _, it := range v.Detail {
		locs = append(locs, strings.Join(it.Loc, "."))
	}
	return locs
}

// sdkDecode checks body against the served OpenAPI document's schema for v (a model of the
// Svix Go SDK, or Hookline's own ValidationError), strictly: no property the schema lacks,
// every required one (see openapitest). Then it decodes body into v. It reports whether
// both held.
func sdkDecode(t *testing.T, body []byte, v any) bool {
	t.Helper()
	return sdkDecodeAs(t, schemaOf(v), body, v)
}

// sdkDecodeAs is sdkDecode against a named schema, for the answers whose Go model the
// newest SDK no longer has (the deprecated routes).
func sdkDecodeAs(t *testing.T, schema string, body []byte, v any) bool {
	t.Helper()
	// A fresh value, so that nothing of an earlier decode into v survives.
	reflect.ValueOf(v).Elem().SetZero()
	if err := openapitest.Decode(schema, body, v); err != nil {
		t.Errorf("%v", err)
		return false
	}
	return true
}

// schemaOf names the document's schema for a Go model: the SDK's ListResponseXOut is the
// document's ListResponse_XOut_, Hookline's ValidationError its HTTPValidationError, and
// any other model has its schema's name.
func schemaOf(v any) string {
	name := reflect.TypeOf(v).Elem().Name()
	if rest, ok := strings.CutPrefix(name, "ListResponse"); ok {
		return "ListResponse_" + rest + "_"
	}
	if name == "ValidationError" {
		return "HTTPValidationError"
	}
	return name
}
