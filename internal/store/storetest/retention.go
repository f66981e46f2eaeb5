package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func testRetention(t *testing.T, open Opener) {
	// purgeAll runs MessagePurge steps of limit until the scan ends, as
	// the purger does, and returns how many it deleted.
	purgeAll := func(f *fixture, before time.Time, limit int) int {
		f.t.Helper()
		total, after := 0, ""
		for range 1000 {
			n, last, err := f.s.MessagePurge(f.ctx, store.MessagePurgeParams{Before: before, After: after, Limit: limit})
			f.must(err, "MessagePurge")
			total += n
			if last == "" {
				return total
			}
			if last <= after {
				f.t.Fatalf("MessagePurge(after %q) returned last %q: the scan does not move on", after, last)
			}
			after = last
		}
		f.t.Fatal("MessagePurge never reported the end of its scan")
		return 0
	}
	exists := func(f *fixture, appID, msgID string) bool {
		f.t.Helper()
		_, err := f.s.MessageGet(f.ctx, appID, msgID)
		if errors.Is(err, store.ErrNotFound) {
			return false
		}
		f.must(err, "MessageGet")
		return true
	}
	attempts := func(f *fixture, appID, msgID string) int {
		f.t.Helper()
		as, err := f.s.AttemptList(f.ctx, store.AttemptListParams{AppID: appID, MsgID: msgID, Page: store.Page{Limit: 250}})
		f.must(err, "AttemptList")
		return len(as)
	}

	t.Run("purges exactly the finished messages past the retention", func(t *testing.T) {
		f := setup(t, open)
		app := f.app()
		ep1, ep2 := f.endpoint(app.ID), f.endpoint(app.ID)
		before := f.at(24 * time.Hour)
		old := func(i int) time.Time { return f.t0.Add(time.Duration(i) * time.Millisecond) }

		succeeded := f.message(app.ID, "user.created", old(1), ep1)
		failed := f.message(app.ID, "user.created", old(2), ep1)
		pending := f.message(app.ID, "user.created", old(3), ep1)            // never attempted
		retrying := f.message(app.ID, "user.created", old(4), ep1)           // failed once, retry due
		halfDone := f.message(app.ID, "user.created", old(5), ep1, ep2)      // ep1 done, ep2 pending
		routedNowhere := f.message(app.ID, "user.created", old(6))           // no delivery at all
		atCutoff := f.message(app.ID, "user.created", before, ep1)           // not before Before
		recent := f.message(app.ID, "user.created", f.at(48*time.Hour), ep1) // finished, but new
		retryAt := f.at(25 * time.Hour)
		for i, ok := range f.record(
			f.outcome(succeeded.Deliveries[0], 1, webhook.StatusSuccess, nil, old(10)),
			f.outcome(failed.Deliveries[0], 1, webhook.StatusFail, nil, old(11)),
			f.outcome(retrying.Deliveries[0], 1, webhook.StatusSending, &retryAt, old(12)),
			f.outcome(halfDone.Deliveries[0], 1, webhook.StatusSuccess, nil, old(13)),
			f.outcome(atCutoff.Deliveries[0], 1, webhook.StatusSuccess, nil, before.Add(time.Second)),
			f.outcome(recent.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(49*time.Hour)),
		) {
			if !ok {
				t.Fatalf("DeliveryRecordBatch outcome %d not applied", i)
			}
		}

		if n := purgeAll(f, before, 2); n != 3 {
			t.Errorf("purge deleted %d messages, want 3 (succeeded, failed, routed nowhere)", n)
		}
		for _, mc := range []store.MessageCreate{succeeded, failed, routedNowhere} {
			if exists(f, app.ID, mc.Message.ID) {
				t.Errorf("message %s past the retention, finished, still exists", mc.Message.ID)
			}
			if n := attempts(f, app.ID, mc.Message.ID); n != 0 {
				t.Errorf("message %s purged, but %d of its attempts remain", mc.Message.ID, n)
			}
		}
		if _, ok := f.findDelivery(app.ID, succeeded.Message.ID, ep1.ID); ok {
			t.Errorf("a purged message's delivery remains")
		}
		for name, mc := range map[string]store.MessageCreate{
			"pending": pending, "retrying": retrying, "half done": halfDone, "at the cutoff": atCutoff, "recent": recent,
		} {
			if !exists(f, app.ID, mc.Message.ID) {
				t.Errorf("%s message %s was purged", name, mc.Message.ID)
			}
		}
		if d := f.delivery(app.ID, pending.Message.ID, ep1.ID); d.Status != webhook.StatusPending {
			t.Errorf("pending delivery is %v after the purge, want pending", d.Status)
		}
		if d := f.delivery(app.ID, halfDone.Message.ID, ep2.ID); d.Status != webhook.StatusPending {
			t.Errorf("half-done message's pending delivery is %v after the purge, want pending", d.Status)
		}
		as, err := f.s.AttemptList(f.ctx, store.AttemptListParams{AppID: app.ID, MsgID: halfDone.Message.ID, Page: store.Page{Limit: 250}})
		f.must(err, "AttemptList")
		if len(as) != 1 || as[0].Response != webhook.ExpungedResponse {
			t.Errorf("half-done message's attempts after the purge = %+v, want its 1 kept with its old body expunged", as)
		}
		as, err = f.s.AttemptList(f.ctx, store.AttemptListParams{AppID: app.ID, MsgID: atCutoff.Message.ID, Page: store.Page{Limit: 250}})
		f.must(err, "AttemptList")
		if len(as) != 1 || as[0].Response == webhook.ExpungedResponse {
			t.Errorf("a kept message's attempt made after the cutoff = %+v, want its body kept", as)
		}
		if m, err := f.s.MessageGet(f.ctx, app.ID, halfDone.Message.ID); err != nil || m.Payload == nil {
			t.Errorf("half-done message after the purge: payload %q, %v; want its payload kept for its pending delivery", m.Payload, err)
		}
		cs := f.claim("node-b", retryAt, 10)
		if !slices.Contains(claimKeys(cs), retrying.Message.ID+"/"+ep1.ID) {
			t.Errorf("the retrying delivery is not claimable after the purge: claimed %v", claimKeys(cs))
		}
		// Once the last delivery finishes, the message goes too.
		for _, c := range cs {
			if c.Delivery.MsgID != pending.Message.ID {
				continue
			}
			if ok := f.record(f.outcome(c.Delivery, c.Lease.Token, webhook.StatusSuccess, nil, f.at(26*time.Hour))); !ok[0] {
				t.Fatal("DeliveryRecordBatch(pending) not applied")
			}
		}
		if n := purgeAll(f, before, 100); n != 1 || exists(f, app.ID, pending.Message.ID) {
			t.Errorf("second purge deleted %d messages, want the 1 just finished", n)
		}
	})

	t.Run("a step looks at no more than its limit", func(t *testing.T) {
		f := setup(t, open)
		app := f.app()
		var ids []string
		for i := range 5 {
			ids = append(ids, f.message(app.ID, "user.created", f.t0.Add(time.Duration(i)*time.Millisecond)).Message.ID)
		}
		n, last, err := f.s.MessagePurge(f.ctx, store.MessagePurgeParams{Before: f.at(time.Hour), Limit: 2})
		f.must(err, "MessagePurge")
		if n != 2 || last != ids[1] {
			t.Errorf("MessagePurge(limit 2) = %d, %q; want 2, %q", n, last, ids[1])
		}
		if exists(f, app.ID, ids[0]) || exists(f, app.ID, ids[1]) || !exists(f, app.ID, ids[2]) {
			t.Errorf("MessagePurge(limit 2) did not delete exactly the first two messages")
		}
		if n := purgeAll(f, f.at(time.Hour), 2); n != 3 {
			t.Errorf("the rest of the purge deleted %d, want 3", n)
		}
		n, last, err = f.s.MessagePurge(f.ctx, store.MessagePurgeParams{Before: f.at(time.Hour), Limit: 2})
		if err != nil || n != 0 || last != "" {
			t.Errorf("MessagePurge of an empty store = %d, %q, %v; want 0, \"\", nil", n, last, err)
		}
	})

	t.Run("payloads go at their own retention, never before delivery", func(t *testing.T) {
		f := setup(t, open)
		app := f.app()
		ep := f.endpoint(app.ID)
		expiry := f.at(time.Hour)
		later := f.at(2 * time.Hour)
		make := func(i int, exp *time.Time) store.MessageCreate {
			mc := f.newMessage(app.ID, "user.created", f.t0.Add(time.Duration(i)*time.Millisecond), ep)
			mc.PayloadExpiresAt = exp
			mc.Message.Headers = map[string]string{"X-Source": "a"}
			f.ingest(mc)
			return mc
		}
		expired, stillPending, notYet, noExpiry := make(1, &expiry), make(2, &expiry), make(3, &later), make(4, nil)
		for i, ok := range f.record(
			f.outcome(expired.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Second)),
			f.outcome(notYet.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Second)),
			f.outcome(noExpiry.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Second)),
		) {
			if !ok {
				t.Fatalf("DeliveryRecordBatch outcome %d not applied", i)
			}
		}
		n, err := f.s.MessagePayloadExpire(f.ctx, store.MessagePayloadExpireParams{Now: expiry, Limit: 100})
		f.must(err, "MessagePayloadExpire")
		if n != 1 {
			t.Errorf("MessagePayloadExpire = %d, want 1", n)
		}
		get := func(mc store.MessageCreate) webhook.Message {
			m, err := f.s.MessageGet(f.ctx, app.ID, mc.Message.ID)
			f.must(err, "MessageGet")
			return m
		}
		if m := get(expired); m.Payload != nil || m.Headers != nil || m.EventType != "user.created" {
			t.Errorf("expired message = payload %q, headers %v, event type %q; want no content, the rest kept", m.Payload, m.Headers, m.EventType)
		}
		if n := attempts(f, app.ID, expired.Message.ID); n != 1 {
			t.Errorf("expired message has %d attempts, want its 1 kept", n)
		}
		for name, mc := range map[string]store.MessageCreate{"pending": stillPending, "not yet due": notYet, "without expiry": noExpiry} {
			if m := get(mc); string(m.Payload) != string(mc.Message.Payload) {
				t.Errorf("%s message's payload = %q, want %q kept", name, m.Payload, mc.Message.Payload)
			}
		}
		// Delivered at last, the pending one's payload goes at the next step.
		if ok := f.record(f.outcome(stillPending.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(90*time.Minute))); !ok[0] {
			t.Fatal("DeliveryRecordBatch(pending) not applied")
		}
		n, err = f.s.MessagePayloadExpire(f.ctx, store.MessagePayloadExpireParams{Now: later, Limit: 1})
		f.must(err, "MessagePayloadExpire")
		n2, err := f.s.MessagePayloadExpire(f.ctx, store.MessagePayloadExpireParams{Now: later, Limit: 1})
		f.must(err, "MessagePayloadExpire")
		n3, err := f.s.MessagePayloadExpire(f.ctx, store.MessagePayloadExpireParams{Now: later, Limit: 1})
		f.must(err, "MessagePayloadExpire")
		if n != 1 || n2 != 1 || n3 != 0 {
			t.Errorf("MessagePayloadExpire(limit 1) x3 = %d, %d, %d; want 1, 1, 0", n, n2, n3)
		}
		if get(stillPending).Payload != nil || get(notYet).Payload != nil || get(noExpiry).Payload == nil {
			t.Errorf("after the second expiry, want the formerly pending and the later one without payload, the one without expiry kept")
		}
	})
}
