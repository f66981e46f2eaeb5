// Package storetest is the conformance suite every store.Store backend
// passes: one set of behaviours, written once against the interface, so
// SQLite and PostgreSQL cannot drift apart. A backend runs it from its own
// test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t) })
//	}
//
// Every subtest opens its own fresh store and runs in parallel, so a test
// never depends on another's rows. All times are fixed, UTC and whole
// milliseconds (what the backends keep); the store is told the time
// wherever it needs one, so nothing here reads the wall clock.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Opener returns a fresh, empty, migrated store and registers its own
// cleanup on t.
type Opener = func(t *testing.T) store.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	groups := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"App", testApps},
		{"EventType", testEventTypes},
		{"Endpoint", testEndpoints},
		{"EndpointHealth", testEndpointHealth},
		{"EndpointDeliveryOptions", testEndpointDeliveryOptions},
		{"Message", testMessages},
		{"MessageImport", testMessageImport},
		{"Delivery", testDeliveries},
		{"DeliveryPendingCount", testDeliveryPendingCount},
		{"EndpointDisabledCount", testEndpointDisabledCount},
		{"Attempt", testAttempts},
		{"Token", testTokens},
		{"Idempotency", testIdempotency},
		{"ServerKey", testServerKeys},
		{"SessionEnded", testSessionsEnded},
		{"Bin", testBins},
		{"Source", testSources},
		{"Retention", testRetention},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, open)
		})
	}
}

// leaseTTL is how long the ingest lease in fixtures lasts.
const leaseTTL = 30 * time.Second

// fixture is one subtest's fresh store with helpers that build valid rows.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	// t0 is the suite's "now": a fixed instant, millisecond precise, so
	// round trips compare exactly and failures reproduce.
	t0  time.Time
	seq atomic.Int64
}

// setup marks t parallel and opens its store.
func setup(t *testing.T, open Opener) *fixture {
	t.Helper()
	t.Parallel()
	return &fixture{
		t:   t,
		s:   open(t),
		ctx: t.Context(),
		t0:  time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC),
	}
}

// at returns t0+d.
func (f *fixture) at(d time.Duration) time.Time { return f.t0.Add(d) }

// tick returns the next millisecond of a clock that starts an hour before
// t0: the apps, endpoints and tokens a test sets up exist before the
// messages it sends at t0 and later, each created in its own millisecond.
func (f *fixture) tick() time.Time {
	return f.t0.Add(-time.Hour + time.Duration(f.seq.Add(1))*time.Millisecond)
}

// id returns a new ID of kind p, created at the next tick. Lists are
// ordered by ID and NewID orders IDs only across milliseconds, so IDs made
// by id sort in the order they were made.
func (f *fixture) id(p webhook.Prefix) string { return webhook.NewID(p, f.tick()) }

// missing returns a well-formed ID of kind p that names nothing, so that
// a backend which parses IDs still has to look.
func (f *fixture) missing(p webhook.Prefix) string { return webhook.NewID(p, f.t0) }

// diffOpts are the options every comparison uses. EquateEmpty: a backend
// may return an empty map or slice for an unset one, and the contract does
// not tell the two apart (Payload's nil-ness, which matters, is checked
// explicitly). Delivery.UpdatedAt is ignored: no method is told the time
// of a record or claim, so what a backend writes there is its own choice.
func diffOpts() cmp.Options {
	return cmp.Options{
		cmpopts.EquateEmpty(),
		cmpopts.IgnoreFields(webhook.Delivery{}, "UpdatedAt"),
	}
}

// must fails the test now if err is not nil; call describes the call.
func (f *fixture) must(err error, call string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: %v", call, err)
	}
}

// wantErr reports a failure unless err matches want (nil means success).
func wantErr(t *testing.T, call string, err, want error) bool {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", call, err, want)
		return false
	}
	return true
}

// app creates an app with every field set, after applying mods.
func (f *fixture) app(mods ...func(*webhook.App)) webhook.App {
	f.t.Helper()
	rl := 100
	at := f.tick()
	a := webhook.App{
		ID:        webhook.NewID(webhook.PrefixApp, at),
		Name:      "Acme",
		RateLimit: &rl,
		Metadata:  map[string]string{"tier": "gold"},
		CreatedAt: at,
		UpdatedAt: at,
	}
	for _, m := range mods {
		m(&a)
	}
	f.must(f.s.AppCreate(f.ctx, store.AppCreateParams{App: a}), fmt.Sprintf("AppCreate(%q)", a.ID))
	return a
}

// endpoint creates an endpoint of appID receiving everything, after
// applying mods.
func (f *fixture) endpoint(appID string, mods ...func(*webhook.Endpoint)) webhook.Endpoint {
	f.t.Helper()
	at := f.tick()
	e := webhook.Endpoint{
		ID:        webhook.NewID(webhook.PrefixEndpoint, at),
		AppID:     appID,
		URL:       "https://receiver.example.com/hook",
		Version:   1,
		Secret:    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		CreatedAt: at,
		UpdatedAt: at,
	}
	for _, m := range mods {
		m(&e)
	}
	f.must(f.s.EndpointCreate(f.ctx, store.EndpointCreateParams{Endpoint: e}), fmt.Sprintf("EndpointCreate(%q)", e.ID))
	return e
}

// newMessage builds what the ingest path writes for a message of appID
// created at: one pending delivery per endpoint, due at once, leased to
// "node-a" with token 1 for leaseTTL.
func (f *fixture) newMessage(appID, eventType string, at time.Time, eps ...webhook.Endpoint) store.MessageCreate {
	// The ID carries the creation time, as a real one does: backends may
	// turn a time filter into an ID range (webhook.BoundaryID). Messages
	// that must list in order therefore need distinct milliseconds.
	id := webhook.NewID(webhook.PrefixMessage, at)
	mc := store.MessageCreate{
		Message: webhook.Message{
			ID:        id,
			AppID:     appID,
			EventType: eventType,
			Payload:   []byte(fmt.Sprintf(`{"id":%q}`, id)),
			CreatedAt: at,
		},
		Lease: store.Lease{Owner: "node-a", Token: 1, ExpiresAt: at.Add(leaseTTL)},
	}
	for _, e := range eps {
		next := at
		mc.Deliveries = append(mc.Deliveries, webhook.Delivery{
			MsgID:         id,
			EndpointID:    e.ID,
			AppID:         appID,
			Status:        webhook.StatusPending,
			NextAttemptAt: &next,
			CreatedAt:     at,
			UpdatedAt:     at,
		})
	}
	return mc
}

// ingest writes items in one batch and fails the test unless every item
// was committed.
func (f *fixture) ingest(items ...store.MessageCreate) {
	f.t.Helper()
	errs, err := f.s.MessageCreateBatch(f.ctx, items)
	f.must(err, "MessageCreateBatch")
	if len(errs) != len(items) {
		f.t.Fatalf("MessageCreateBatch(%d items) returned %d errors, want one per item", len(items), len(errs))
	}
	for i, err := range errs {
		f.must(err, fmt.Sprintf("MessageCreateBatch item %d (%s)", i, items[i].Message.ID))
	}
}

// message creates one message of appID at time at, delivered to eps.
func (f *fixture) message(appID, eventType string, at time.Time, eps ...webhook.Endpoint) store.MessageCreate {
	f.t.Helper()
	mc := f.newMessage(appID, eventType, at, eps...)
	f.ingest(mc)
	return mc
}

// delivery reads back the delivery of msgID to endpointID.
func (f *fixture) delivery(appID, msgID, endpointID string) webhook.Delivery {
	f.t.Helper()
	d, ok := f.findDelivery(appID, msgID, endpointID)
	if !ok {
		f.t.Fatalf("DeliveryListByMessage(%q) has no delivery to %q", msgID, endpointID)
	}
	return d
}

// findDelivery reads back the delivery of msgID to endpointID, if any.
func (f *fixture) findDelivery(appID, msgID, endpointID string) (webhook.Delivery, bool) {
	f.t.Helper()
	ds, err := f.s.DeliveryListByMessage(f.ctx, store.DeliveryListByMessageParams{
		AppID: appID, MsgID: msgID, Page: store.Page{Limit: 250, Order: store.Ascending},
	})
	f.must(err, fmt.Sprintf("DeliveryListByMessage(%q)", msgID))
	for _, d := range ds {
		if d.Delivery.EndpointID == endpointID {
			return d.Delivery, true
		}
	}
	return webhook.Delivery{}, false
}

// outcome builds the result of one attempt at d made at time at, recorded
// under token, leaving the delivery in status.
func (f *fixture) outcome(d webhook.Delivery, token int64, status webhook.MessageStatus, next *time.Time, at time.Time) store.Outcome {
	a := webhook.Attempt{
		ID:                 webhook.NewID(webhook.PrefixAttempt, at), // see newMessage
		MsgID:              d.MsgID,
		EndpointID:         d.EndpointID,
		AppID:              d.AppID,
		URL:                "https://receiver.example.com/hook",
		Status:             webhook.StatusFail,
		ResponseStatusCode: 500,
		Response:           `{"error":"boom"}`,
		ResponseDurationMs: 42,
		TriggerType:        webhook.TriggerScheduled,
		CreatedAt:          at,
	}
	if status == webhook.StatusSuccess {
		a.Status, a.ResponseStatusCode, a.Response = webhook.StatusSuccess, 200, `{"ok":true}`
	}
	return store.Outcome{Attempt: a, Token: token, Status: status, NextAttemptAt: next}
}

// record writes outcomes and returns whether each was applied.
func (f *fixture) record(outcomes ...store.Outcome) []bool {
	f.t.Helper()
	applied, err := f.s.DeliveryRecordBatch(f.ctx, outcomes)
	f.must(err, "DeliveryRecordBatch")
	if len(applied) != len(outcomes) {
		f.t.Fatalf("DeliveryRecordBatch(%d outcomes) returned %d results, want one per outcome", len(outcomes), len(applied))
	}
	return applied
}

// claim claims up to limit deliveries for owner at now, with a lease of
// leaseTTL.
func (f *fixture) claim(owner string, now time.Time, limit int) []store.Claim {
	f.t.Helper()
	cs, err := f.s.DeliveryClaim(f.ctx, store.DeliveryClaimParams{
		Now: now, Limit: limit, Lease: store.Lease{Owner: owner, ExpiresAt: now.Add(leaseTTL)},
	})
	f.must(err, fmt.Sprintf("DeliveryClaim(%s, now %s)", owner, now.Format(time.RFC3339Nano)))
	return cs
}

// claimKeys lists claims as "msgID/endpointID", sorted, for comparison.
func claimKeys(cs []store.Claim) []string {
	keys := make([]string, 0, len(cs))
	for _, c := range cs {
		keys = append(keys, c.Delivery.MsgID+"/"+c.Delivery.EndpointID)
	}
	slices.Sort(keys)
	return keys
}

// deliveryKeys lists mc's deliveries as claimKeys does.
func deliveryKeys(mcs ...store.MessageCreate) []string {
	var keys []string
	for _, mc := range mcs {
		for _, d := range mc.Deliveries {
			keys = append(keys, d.MsgID+"/"+d.EndpointID)
		}
	}
	slices.Sort(keys)
	return keys
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// wantPage is the reference for store.Page's contract over keys sorted
// ascending: After returns rows strictly after it in Order's direction;
// Before returns the Limit rows just before it, still in Order's direction.
func wantPage(keys []string, p store.Page) []string {
	seq := slices.Clone(keys)
	if p.Order == store.Descending {
		slices.Reverse(seq)
	}
	// beyond reports whether k comes after cursor in Order's direction.
	beyond := func(k, cursor string) bool {
		if p.Order == store.Descending {
			return k < cursor
		}
		return k > cursor
	}
	switch {
	case p.After != "":
		seq = slices.DeleteFunc(seq, func(k string) bool { return !beyond(k, p.After) })
	case p.Before != "":
		seq = slices.DeleteFunc(seq, func(k string) bool { return !beyond(p.Before, k) })
		if len(seq) > p.Limit {
			seq = seq[len(seq)-p.Limit:]
		}
		return seq
	}
	if len(seq) > p.Limit {
		seq = seq[:p.Limit]
	}
	return seq
}

// pageCases are the pages checkPaging asks for over keys (at least 5,
// sorted ascending): first pages, middle pages both ways, the ends, and a
// limit past the end, in both orders.
func pageCases(keys []string) []store.Page {
	n := len(keys)
	var ps []store.Page
	for _, o := range []store.Order{store.Ascending, store.Descending} {
		seq := slices.Clone(keys)
		if o == store.Descending {
			slices.Reverse(seq)
		}
		ps = append(ps,
			store.Page{Limit: 2, Order: o},
			store.Page{Limit: 2, Order: o, After: seq[1]},
			store.Page{Limit: 2, Order: o, After: seq[n-2]},
			store.Page{Limit: 2, Order: o, After: seq[n-1]},
			store.Page{Limit: 2, Order: o, Before: seq[n-2]},
			store.Page{Limit: 2, Order: o, Before: seq[1]},
			store.Page{Limit: 2, Order: o, Before: seq[0]},
			store.Page{Limit: n + 5, Order: o},
		)
	}
	return ps
}

// checkPaging checks that list pages keys (all the rows it can see,
// sorted ascending) as store.Page describes. call names the method.
func checkPaging(t *testing.T, call string, keys []string, list func(store.Page) ([]string, error)) {
	t.Helper()
	for _, p := range pageCases(keys) {
		got, err := list(p)
		if err != nil {
			t.Errorf("%s(%s) error: %v", call, fmtPage(p), err)
			continue
		}
		if want := wantPage(keys, p); !slices.Equal(got, want) {
			t.Errorf("%s(%s) = %v, want %v", call, fmtPage(p), got, want)
		}
	}
}

func fmtPage(p store.Page) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Limit:%d", p.Limit)
	if p.After != "" {
		fmt.Fprintf(&b, " After:%s", p.After)
	}
	if p.Before != "" {
		fmt.Fprintf(&b, " Before:%s", p.Before)
	}
	if p.Order == store.Ascending {
		b.WriteString(" Ascending")
	} else {
		b.WriteString(" Descending")
	}
	return "Page{" + b.String() + "}"
}
