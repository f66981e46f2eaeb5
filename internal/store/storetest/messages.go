package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// payloads must come back byte for byte: key order, number spelling, an
// escaped NUL (which PostgreSQL jsonb refuses), non-ASCII and whitespace.
var payloads = []string{
	`{"b":1,"a":"\u0000 é","n":1.50}`,
	` { "spaced" : [ 1 , 2 ] } `,
	`[]`,
	`{"big":"` + strings.Repeat("x", 256<<10) + `"}`,
}

func (f *fixture) messageIDs(p store.MessageListParams) ([]string, error) {
	ms, err := f.s.MessageList(f.ctx, p)
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids, err
}

func testMessages(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		other := f.app()
		ep := f.endpoint(a.ID)
		mc := f.newMessage(a.ID, "user.created", f.t0, ep)
		mc.Message.EventID = "evt-42"
		mc.Message.Channels = []string{"project:1", "eu"}
		mc.Message.Tags = []string{"vip", "order/42"}
		f.ingest(mc)

		for _, key := range []string{mc.Message.ID, "evt-42"} {
			got, err := f.s.MessageGet(f.ctx, a.ID, key)
			if err != nil {
				t.Errorf("MessageGet(%q, %q) error: %v", a.ID, key, err)
				continue
			}
			if diff := cmp.Diff(mc.Message, got, diffOpts()); diff != "" {
				t.Errorf("MessageGet(%q, %q) mismatch (-want +got):\n%s", a.ID, key, diff)
			}
		}
		for _, tt := range []struct{ appID, key string }{
			{other.ID, mc.Message.ID},
			{other.ID, "evt-42"},
			{a.ID, f.missing(webhook.PrefixMessage)},
			{a.ID, ""}, // "" must not find a message without an eventId
		} {
			_, err := f.s.MessageGet(f.ctx, tt.appID, tt.key)
			wantErr(t, fmt.Sprintf("MessageGet(%q, %q)", tt.appID, tt.key), err, store.ErrNotFound)
		}
		// The deliveries were written with the message.
		got := f.delivery(a.ID, mc.Message.ID, ep.ID)
		if diff := cmp.Diff(mc.Deliveries[0], got, diffOpts()); diff != "" {
			t.Errorf("delivery after MessageCreateBatch mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("PayloadExact", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		var mcs []store.MessageCreate
		for _, p := range payloads {
			mc := f.newMessage(a.ID, "user.created", f.t0, ep)
			mc.Message.Payload = []byte(p)
			mcs = append(mcs, mc)
		}
		f.ingest(mcs...)

		listed, err := f.s.MessageList(f.ctx, store.MessageListParams{AppID: a.ID, Page: store.Page{Limit: 10}, WithContent: true})
		f.must(err, "MessageList")
		byID := map[string][]byte{}
		for _, m := range listed {
			byID[m.ID] = m.Payload
		}
		claimed := map[string][]byte{}
		for _, c := range f.claim("node-b", f.at(time.Hour), 100) {
			claimed[c.Message.ID] = c.Message.Payload
		}
		for _, mc := range mcs {
			want := string(mc.Message.Payload)
			got, err := f.s.MessageGet(f.ctx, a.ID, mc.Message.ID)
			f.must(err, "MessageGet")
			for _, g := range []struct {
				via string
				got []byte
			}{{"MessageGet", got.Payload}, {"MessageList", byID[mc.Message.ID]}, {"DeliveryClaim", claimed[mc.Message.ID]}} {
				if string(g.got) != want {
					t.Errorf("%s(%q).Payload = %.80q, want %.80q (len %d, want %d)", g.via, mc.Message.ID, g.got, want, len(g.got), len(want))
				}
			}
		}
	})

	// Headers (an inbound request's, passed on to a source's
	// destinations) come back as written by every read the engine and
	// the API make, and go with the content when it is expunged.
	t.Run("Headers", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		with := f.newMessage(a.ID, "hookline.inbound.request", f.t0, ep)
		with.Message.Headers = map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Github-Event": "push, ping"}
		bare := f.newMessage(a.ID, "user.created", f.at(time.Millisecond), ep)
		f.ingest(with, bare)

		want := map[string]map[string]string{with.Message.ID: with.Message.Headers, bare.Message.ID: nil}
		check := func(via string, got webhook.Message) {
			t.Helper()
			if diff := cmp.Diff(want[got.ID], got.Headers); diff != "" {
				t.Errorf("%s(%s).Headers mismatch (-want +got):\n%s", via, got.ID, diff)
			}
		}
		for id := range want {
			got, err := f.s.MessageGet(f.ctx, a.ID, id)
			f.must(err, "MessageGet")
			check("MessageGet", got)
		}
		for _, content := range []bool{true, false} {
			listed, err := f.s.MessageList(f.ctx, store.MessageListParams{AppID: a.ID, Page: store.Page{Limit: 10}, WithContent: content})
			f.must(err, "MessageList")
			for _, m := range listed {
				check(fmt.Sprintf("MessageList(WithContent %v)", content), m)
			}
		}
		claims := f.claim("node-b", f.at(time.Hour), 100)
		if len(claims) != 2 {
			t.Fatalf("DeliveryClaim = %d claims, want 2", len(claims))
		}
		for _, c := range claims {
			check("DeliveryClaim", c.Message)
		}

		// An inbound request's body may be empty: it is kept empty, not
		// read back as an expunged payload.
		empty := f.newMessage(a.ID, "hookline.inbound.request", f.at(2*time.Millisecond), ep)
		empty.Message.Payload = []byte{}
		f.ingest(empty)
		if got, err := f.s.MessageGet(f.ctx, a.ID, empty.Message.ID); err != nil || got.Payload == nil || len(got.Payload) != 0 {
			t.Errorf("MessageGet(empty payload).Payload = %#v, %v; want empty, not nil", got.Payload, err)
		}
		claimed := false
		for _, c := range f.claim("node-c", f.at(2*time.Hour), 100) {
			if c.Message.ID == empty.Message.ID {
				claimed = true
				if c.Message.Payload == nil || len(c.Message.Payload) != 0 {
					t.Errorf("DeliveryClaim(empty payload).Payload = %#v, want empty, not nil", c.Message.Payload)
				}
			}
		}
		if !claimed {
			t.Error("DeliveryClaim did not claim the message with the empty payload")
		}

		f.must(f.s.MessageExpungeContent(f.ctx, a.ID, with.Message.ID), "MessageExpungeContent")
		got, err := f.s.MessageGet(f.ctx, a.ID, with.Message.ID)
		f.must(err, "MessageGet")
		if got.Headers != nil || got.Payload != nil {
			t.Errorf("after MessageExpungeContent: Headers = %v, Payload = %q; want both nil", got.Headers, got.Payload)
		}
	})

	t.Run("Batch", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		b := f.app()
		ep := f.endpoint(a.ID)
		bep := f.endpoint(b.ID)
		first := store.Idempotency{Key: "key-1", StatusCode: 202, Body: []byte(`{"id":"first"}`), CreatedAt: f.t0}
		m0 := f.newMessage(a.ID, "user.created", f.t0, ep)
		m0.Message.EventID = "evt-1"
		m0.Idempotency = &first
		f.ingest(m0)

		withEventID := func(mc store.MessageCreate, id string) store.MessageCreate {
			mc.Message.EventID = id
			return mc
		}
		withKey := func(mc store.MessageCreate, key string) store.MessageCreate {
			mc.Idempotency = &store.Idempotency{Key: key, StatusCode: 202, Body: []byte(`{"id":"` + mc.Message.ID + `"}`), CreatedAt: f.t0}
			return mc
		}
		// Each item in its own millisecond, so they list in batch order.
		at := func(i int) time.Time { return f.at(time.Second + time.Duration(i)*time.Millisecond) }
		items := []struct {
			mc   store.MessageCreate
			want error
		}{
			{f.newMessage(a.ID, "user.created", at(0), ep), nil},
			// A reused eventId fails alone, and its idempotency key is not
			// kept: a failed item leaves nothing behind.
			{withKey(withEventID(f.newMessage(a.ID, "user.created", at(1), ep), "evt-1"), "key-2"), store.ErrConflict},
			{withKey(f.newMessage(a.ID, "user.created", at(2), ep), "key-1"), store.ErrIdempotencyKeyUsed},
			{withEventID(f.newMessage(a.ID, "user.created", at(3), ep), "evt-2"), nil},
			// The same eventId twice in one batch: the first one wins.
			{withEventID(f.newMessage(a.ID, "user.created", at(4), ep), "evt-2"), store.ErrConflict},
			// eventIds are unique per app only.
			{withEventID(f.newMessage(b.ID, "user.created", at(5), bep), "evt-1"), nil},
			// The same new key twice in one batch: the first one wins.
			{withKey(f.newMessage(a.ID, "user.created", at(6), ep), "key-3"), nil},
			{withKey(f.newMessage(a.ID, "user.created", at(7), ep), "key-3"), store.ErrIdempotencyKeyUsed},
		}
		batch := make([]store.MessageCreate, len(items))
		for i, it := range items {
			batch[i] = it.mc
		}
		errs, err := f.s.MessageCreateBatch(f.ctx, batch)
		f.must(err, "MessageCreateBatch")
		if len(errs) != len(items) {
			t.Fatalf("MessageCreateBatch(%d items) returned %d errors, want one per item", len(items), len(errs))
		}
		for i, it := range items {
			wantErr(t, fmt.Sprintf("MessageCreateBatch item %d error", i), errs[i], it.want)
			_, err := f.s.MessageGet(f.ctx, it.mc.Message.AppID, it.mc.Message.ID)
			var want error
			if it.want != nil {
				want = store.ErrNotFound
			}
			wantErr(t, fmt.Sprintf("MessageGet(item %d)", i), err, want)
		}

		got, err := f.s.MessageGet(f.ctx, a.ID, "evt-1")
		if err != nil || got.ID != m0.Message.ID {
			t.Errorf("MessageGet(%q, evt-1) = %q, %v; want the first message %q", a.ID, got.ID, err, m0.Message.ID)
		}
		rec, err := f.s.IdempotencyGet(f.ctx, "key-1")
		if err != nil {
			t.Errorf("IdempotencyGet(key-1) error: %v", err)
		} else if diff := cmp.Diff(first, rec, diffOpts()); diff != "" {
			t.Errorf("IdempotencyGet(key-1) mismatch, want the first response (-want +got):\n%s", diff)
		}
		_, err = f.s.IdempotencyGet(f.ctx, "key-2")
		wantErr(t, "IdempotencyGet(key-2) of a failed item", err, store.ErrNotFound)

		// Nor deliveries: the endpoint has only the committed messages'.
		ds, err := f.s.DeliveryListByEndpoint(f.ctx, store.DeliveryListByEndpointParams{
			AppID: a.ID, EndpointID: ep.ID, Page: store.Page{Limit: 100, Order: store.Ascending},
		})
		f.must(err, "DeliveryListByEndpoint")
		var gotIDs []string
		for _, d := range ds {
			gotIDs = append(gotIDs, d.Delivery.MsgID)
		}
		wantIDs := []string{m0.Message.ID, items[0].mc.Message.ID, items[3].mc.Message.ID, items[6].mc.Message.ID}
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("DeliveryListByEndpoint after the batch = %v, want %v", gotIDs, wantIDs)
		}
	})

	t.Run("ListFilters", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		other := f.app()
		ep := f.endpoint(a.ID)
		mk := func(et string, ch []string, at time.Time) store.MessageCreate {
			mc := f.newMessage(a.ID, et, at, ep)
			mc.Message.Channels = ch
			f.ingest(mc)
			return mc
		}
		m1 := mk("user.created", []string{"a"}, f.t0)
		m2 := mk("user.deleted", []string{"b"}, f.at(time.Minute))
		m3 := mk("user.created", []string{"a", "b"}, f.at(2*time.Minute))
		m4 := mk("invoice.paid", nil, f.at(3*time.Minute))
		tagged := f.newMessage(a.ID, "invoice.paid", f.at(4*time.Minute), ep)
		tagged.Message.Tags = []string{"b", "vip"}
		f.ingest(tagged)
		f.message(other.ID, "user.created", f.t0)
		id := func(mcs ...store.MessageCreate) []string {
			var ids []string
			for _, mc := range mcs {
				ids = append(ids, mc.Message.ID)
			}
			return ids
		}

		for _, tt := range []struct {
			name string
			p    store.MessageListParams
			want []string
		}{
			// The zero Order is Descending: newest first.
			{"all", store.MessageListParams{}, id(tagged, m4, m3, m2, m1)},
			{"one type", store.MessageListParams{EventTypes: []string{"user.created"}}, id(m3, m1)},
			{"two types", store.MessageListParams{EventTypes: []string{"user.created", "invoice.paid"}}, id(tagged, m4, m3, m1)},
			{"channel", store.MessageListParams{Channel: "b"}, id(m3, m2)},
			// A tag is not a channel, nor a channel a tag.
			{"tag", store.MessageListParams{Tag: "b"}, id(tagged)},
			{"tag none", store.MessageListParams{Tag: "a"}, nil},
			{"ids", store.MessageListParams{IDs: id(m1, tagged, m3)}, id(tagged, m3, m1)},
			{"since (inclusive)", store.MessageListParams{Since: f.at(time.Minute)}, id(tagged, m4, m3, m2)},
			{"until (exclusive)", store.MessageListParams{Until: f.at(2 * time.Minute)}, id(m2, m1)},
			{"all filters", store.MessageListParams{Since: f.at(time.Minute), Until: f.at(3 * time.Minute), EventTypes: []string{"user.created"}, Channel: "a"}, id(m3)},
		} {
			tt.p.AppID = a.ID
			tt.p.Page.Limit = 10
			got, err := f.messageIDs(tt.p)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("MessageList(%s) = %v, %v; want %v", tt.name, got, err, tt.want)
			}
		}

		keys, err := f.s.MessageList(f.ctx, store.MessageListParams{AppID: a.ID, Page: store.Page{Limit: 10, Order: store.Ascending}, KeysOnly: true, WithContent: true})
		f.must(err, "MessageList(KeysOnly)")
		wantKeys := []webhook.Message{{ID: m1.Message.ID}, {ID: m2.Message.ID}, {ID: m3.Message.ID}, {ID: m4.Message.ID}, {ID: tagged.Message.ID}}
		for i := range wantKeys {
			wantKeys[i].AppID, wantKeys[i].CreatedAt = a.ID, time.UnixMilli(0).UTC()
		}
		if diff := cmp.Diff(wantKeys, keys, diffOpts()); diff != "" {
			t.Errorf("MessageList(KeysOnly) mismatch (-want +got):\n%s", diff)
		}

		for _, withContent := range []bool{false, true} {
			ms, err := f.s.MessageList(f.ctx, store.MessageListParams{AppID: a.ID, Page: store.Page{Limit: 10, Order: store.Ascending}, WithContent: withContent})
			f.must(err, "MessageList")
			want := []webhook.Message{m1.Message, m2.Message, m3.Message, m4.Message, tagged.Message}
			if !withContent {
				for i := range want {
					want[i].Payload = nil
				}
			}
			if diff := cmp.Diff(want, ms, diffOpts()); diff != "" {
				t.Errorf("MessageList(WithContent:%v) mismatch (-want +got):\n%s", withContent, diff)
			}
			for _, m := range ms {
				if (m.Payload != nil) != withContent {
					t.Errorf("MessageList(WithContent:%v) gave %q Payload %q", withContent, m.ID, m.Payload)
				}
			}
		}
	})

	t.Run("ExpungeAll", func(t *testing.T) {
		f := setup(t, open)
		a, other := f.app(), f.app()
		var mine []store.MessageCreate
		for i := range store.WakeChunk + 3 {
			mine = append(mine, f.newMessage(a.ID, "user.created", f.at(time.Duration(i)*time.Millisecond)))
		}
		f.ingest(mine...)
		f.must(f.s.MessageExpungeContent(f.ctx, a.ID, mine[0].Message.ID), "MessageExpungeContent")
		kept := f.message(other.ID, "user.created", f.t0)
		n, err := f.s.MessageExpungeAll(f.ctx, store.MessageExpungeAllParams{AppID: a.ID})
		if err != nil || n != len(mine)-1 {
			t.Fatalf("MessageExpungeAll = %d, %v; want %d (all but the one expunged before)", n, err, len(mine)-1)
		}
		for _, mc := range []store.MessageCreate{mine[0], mine[1], mine[len(mine)-1]} {
			if got, err := f.s.MessageGet(f.ctx, a.ID, mc.Message.ID); err != nil || got.Payload != nil {
				t.Errorf("MessageGet(%s) after MessageExpungeAll = payload %q, %v; want none", mc.Message.ID, got.Payload, err)
			}
		}
		if got, err := f.s.MessageGet(f.ctx, other.ID, kept.Message.ID); err != nil || string(got.Payload) != string(kept.Message.Payload) {
			t.Errorf("another app's message after MessageExpungeAll = %q, %v; want its payload", got.Payload, err)
		}
		if n, err := f.s.MessageExpungeAll(f.ctx, store.MessageExpungeAllParams{AppID: a.ID}); err != nil || n != 0 {
			t.Errorf("MessageExpungeAll again = %d, %v; want 0", n, err)
		}
	})

	t.Run("ListPaging", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		var ids []string
		for i := range 5 {
			mc := f.message(a.ID, "user.created", f.at(time.Duration(i)*time.Second))
			ids = append(ids, mc.Message.ID)
		}
		checkPaging(t, "MessageList", ids, func(p store.Page) ([]string, error) {
			return f.messageIDs(store.MessageListParams{AppID: a.ID, Page: p})
		})
	})

	t.Run("ExpungeContent", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		mc := f.newMessage(a.ID, "user.created", f.t0)
		mc.Message.EventID = "evt-1"
		keep := f.newMessage(a.ID, "user.created", f.at(time.Millisecond))
		f.ingest(mc, keep)

		f.must(f.s.MessageExpungeContent(f.ctx, a.ID, mc.Message.ID), "MessageExpungeContent")
		got, err := f.s.MessageGet(f.ctx, a.ID, mc.Message.ID)
		f.must(err, "MessageGet after MessageExpungeContent")
		want := mc.Message
		want.Payload = nil
		if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
			t.Errorf("MessageGet after MessageExpungeContent mismatch (-want +got):\n%s", diff)
		}
		if got.Payload != nil {
			t.Errorf("MessageGet after MessageExpungeContent: Payload = %q, want nil", got.Payload)
		}
		ms, err := f.s.MessageList(f.ctx, store.MessageListParams{AppID: a.ID, Page: store.Page{Limit: 10, Order: store.Ascending}, WithContent: true})
		f.must(err, "MessageList")
		if len(ms) != 2 || ms[0].Payload != nil || string(ms[1].Payload) != string(keep.Message.Payload) {
			t.Errorf("MessageList(WithContent) after MessageExpungeContent = %+v, want the first without payload, the second with", ms)
		}
		wantErr(t, "MessageExpungeContent(msg_missing)", f.s.MessageExpungeContent(f.ctx, a.ID, f.missing(webhook.PrefixMessage)), store.ErrNotFound)
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Group commit is the hot path: many API requests at once, each its
		// own batch. None may fail or be lost.
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		const workers, perWorker = 8, 50
		ids := make([][]string, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					mc := f.newMessage(a.ID, "user.created", f.at(time.Duration(i)*time.Millisecond), ep)
					errs, err := f.s.MessageCreateBatch(f.ctx, []store.MessageCreate{mc})
					if err != nil || len(errs) != 1 || errs[0] != nil {
						t.Errorf("worker %d: MessageCreateBatch(%s) = %v, %v; want success", w, mc.Message.ID, errs, err)
						return
					}
					ids[w] = append(ids[w], mc.Message.ID)
				}
			})
		}
		wg.Wait()
		n := 0
		for _, ws := range ids {
			for _, id := range ws {
				n++
				if _, err := f.s.MessageGet(f.ctx, a.ID, id); err != nil {
					t.Errorf("MessageGet(%q) after concurrent ingest: %v", id, err)
				}
			}
		}
		if n != workers*perWorker {
			t.Errorf("committed %d messages, want %d", n, workers*perWorker)
		}
	})
}

// importItem builds a message of appID created at, with a delivery to each
// of eps in the states given: a retry scheduled after two attempts, and
// one not attempted yet.
func (f *fixture) importItem(appID string, at time.Time, retrying, pending webhook.Endpoint) store.MessageImport {
	id := webhook.NewID(webhook.PrefixMessage, at)
	return store.MessageImport{
		Message: webhook.Message{
			ID: id, AppID: appID, EventType: "user.signup", EventID: "evt-" + id, Channels: []string{"eu"},
			Payload: []byte(`{"b":1,"a":[2]}`), CreatedAt: at,
		},
		Deliveries: []webhook.Delivery{
			{MsgID: id, EndpointID: retrying.ID, AppID: appID, Status: webhook.StatusSending, Attempts: 2,
				NextAttemptAt: ptr(at.Add(10 * time.Second)), CreatedAt: at, UpdatedAt: at.Add(time.Second)},
			{MsgID: id, EndpointID: pending.ID, AppID: appID, Status: webhook.StatusPending,
				NextAttemptAt: ptr(at), CreatedAt: at, UpdatedAt: at},
		},
	}
}

func testMessageImport(t *testing.T, open Opener) {
	t.Run("KeepsStateUnleased", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		e1, e2 := f.endpoint(a.ID), f.endpoint(a.ID)
		it := f.importItem(a.ID, f.t0, e1, e2)
		f.must(f.s.MessageImport(f.ctx, []store.MessageImport{it}), "MessageImport")

		m, err := f.s.MessageGet(f.ctx, a.ID, it.Message.ID)
		f.must(err, "MessageGet")
		if diff := cmp.Diff(it.Message, m, diffOpts()); diff != "" {
			t.Errorf("MessageGet after MessageImport mismatch (-want +got):\n%s", diff)
		}
		ds, err := f.s.DeliveryListByMessage(f.ctx, store.DeliveryListByMessageParams{
			AppID: a.ID, MsgID: it.Message.ID, Page: store.Page{Limit: 10, Order: store.Ascending},
		})
		f.must(err, "DeliveryListByMessage")
		var got []webhook.Delivery
		for _, d := range ds {
			got = append(got, d.Delivery)
		}
		// Unlike elsewhere, UpdatedAt counts: the import was told it.
		if diff := cmp.Diff(it.Deliveries, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("DeliveryListByMessage after MessageImport mismatch (-want +got):\n%s", diff)
		}
		// Unleased: each delivery is claimable once due, not before.
		if cs := f.claim("node-b", f.t0, 10); !cmp.Equal(claimKeys(cs), []string{it.Message.ID + "/" + e2.ID}) {
			t.Errorf("DeliveryClaim(now t0) = %v, want only the pending delivery", claimKeys(cs))
		}
		cs := f.claim("node-b", f.at(10*time.Second), 10)
		if !cmp.Equal(claimKeys(cs), []string{it.Message.ID + "/" + e1.ID}) {
			t.Fatalf("DeliveryClaim(now t0+10s, the first lease live) = %v, want only the retrying delivery", claimKeys(cs))
		}
		if cs[0].Delivery.Attempts != 2 || cs[0].Delivery.Status != webhook.StatusSending {
			t.Errorf("claimed retrying delivery = %+v, want Sending with 2 attempts", cs[0].Delivery)
		}
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		f := setup(t, open)
		a, other := f.app(), f.app()
		e1, e2, foreign := f.endpoint(a.ID), f.endpoint(a.ID), f.endpoint(other.ID)
		done := f.importItem(a.ID, f.t0, e1, e2)
		f.must(f.s.MessageImport(f.ctx, []store.MessageImport{done}), "MessageImport")

		fresh := f.importItem(a.ID, f.at(time.Second), e1, e2)
		badEndpoint := f.importItem(a.ID, f.at(2*time.Second), e1, foreign)
		noApp := f.importItem(f.missing(webhook.PrefixApp), f.at(3*time.Second), e1, e2)
		tests := []struct {
			name  string
			items []store.MessageImport
			want  error
		}{
			{"message ID taken", []store.MessageImport{fresh, done}, store.ErrConflict},
			{"endpoint of another app", []store.MessageImport{fresh, badEndpoint}, store.ErrNotFound},
			{"app missing", []store.MessageImport{fresh, noApp}, store.ErrNotFound},
		}
		for _, tt := range tests {
			wantErr(t, "MessageImport("+tt.name+")", f.s.MessageImport(f.ctx, tt.items), tt.want)
			// The good item of the same call was not written either.
			_, err := f.s.MessageGet(f.ctx, a.ID, fresh.Message.ID)
			wantErr(t, "MessageGet(fresh) after MessageImport("+tt.name+")", err, store.ErrNotFound)
		}
		wantErr(t, "MessageImport(none)", f.s.MessageImport(f.ctx, nil), nil)
	})
}
