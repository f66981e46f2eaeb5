package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
	"github.com/hookline/hookline/internal/webhook"
)

func testDeliveries(t *testing.T, open Opener) {
	t.Run("IngestLease", func(t *testing.T) {
		// The ingesting node sends at once under its lease; nobody else may
		// take the delivery until that lease lapses (the node crashed).
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)

		if cs := f.claim("node-b", f.at(time.Second), 10); len(cs) != 0 {
			t.Errorf("DeliveryClaim during the ingest lease = %v, want none", claimKeys(cs))
		}
		now := mc.Lease.ExpiresAt.Add(time.Millisecond)
		cs := f.claim("node-b", now, 10)
		if len(cs) != 1 {
			t.Fatalf("DeliveryClaim after the ingest lease lapsed = %v, want %v", claimKeys(cs), deliveryKeys(mc))
		}
		c := cs[0]
		want := store.Claim{
			Delivery: mc.Deliveries[0],
			Message:  mc.Message,
			Lease:    store.Lease{Owner: "node-b", Token: c.Lease.Token, ExpiresAt: now.Add(leaseTTL)},
			Trigger:  webhook.TriggerScheduled,
		}
		if diff := cmp.Diff(want, c, diffOpts()); diff != "" {
			t.Errorf("DeliveryClaim mismatch (-want +got):\n%s", diff)
		}
		if c.Lease.Token <= mc.Lease.Token {
			t.Errorf("DeliveryClaim lease token = %d, want more than the ingest token %d", c.Lease.Token, mc.Lease.Token)
		}
	})

	t.Run("IngestTokenRecords", func(t *testing.T) {
		// The fast path: the ingesting node records under its own token.
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)
		if got := f.record(f.outcome(mc.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Second))); !got[0] {
			t.Errorf("DeliveryRecordBatch(ingest token 1) = %v, want applied", got)
		}
		d := f.delivery(a.ID, mc.Message.ID, ep.ID)
		if d.Status != webhook.StatusSuccess || d.Attempts != 1 || d.NextAttemptAt != nil {
			t.Errorf("delivery after success = %s, want Success, 1 attempt, no next attempt", fmtDelivery(d))
		}
	})

	t.Run("ClaimDueAndLimit", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		due := f.at(time.Minute)
		var mcs []store.MessageCreate
		for range 5 {
			mc := f.newMessage(a.ID, "user.created", f.t0, ep)
			*mc.Deliveries[0].NextAttemptAt = due
			mc.Lease.ExpiresAt = f.at(time.Second)
			mcs = append(mcs, mc)
		}
		f.ingest(mcs...)

		if cs := f.claim("node-b", due.Add(-time.Millisecond), 10); len(cs) != 0 {
			t.Errorf("DeliveryClaim before next_attempt_at = %v, want none", claimKeys(cs))
		}
		now := due.Add(time.Millisecond)
		var got []store.Claim
		for _, tt := range []struct{ limit, want int }{{2, 2}, {10, 3}, {10, 0}} {
			cs := f.claim("node-b", now, tt.limit)
			if len(cs) != tt.want {
				t.Errorf("DeliveryClaim(Limit:%d) returned %d claims, want %d", tt.limit, len(cs), tt.want)
			}
			got = append(got, cs...)
		}
		if keys, want := claimKeys(got), deliveryKeys(mcs...); !slices.Equal(keys, want) {
			t.Errorf("DeliveryClaim over three calls = %v, want each delivery once: %v", keys, want)
		}
	})

	t.Run("ClaimSkipsDisabledEndpoints", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		on := f.endpoint(a.ID)
		off := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, on, off)
		// Disabled after ingest: its pending delivery must wait, not be sent.
		off.Disabled = true
		f.must(f.s.EndpointUpdate(f.ctx, off), "EndpointUpdate(disable)")

		cs := f.claim("node-b", f.at(time.Hour), 10)
		if got, want := claimKeys(cs), []string{mc.Message.ID + "/" + on.ID}; !slices.Equal(got, want) {
			t.Errorf("DeliveryClaim with %s disabled = %v, want %v", off.ID, got, want)
		}
	})

	t.Run("ClaimExclusive", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		var mcs []store.MessageCreate
		for range 20 {
			mcs = append(mcs, f.newMessage(a.ID, "user.created", f.t0, ep))
		}
		f.ingest(mcs...)

		// Eight pollers race over the same due rows; each row goes to one.
		now := f.at(time.Hour)
		const pollers = 8
		got := make([][]store.Claim, pollers)
		var wg sync.WaitGroup
		for i := range pollers {
			wg.Go(func() {
				for range 20 { // bounded: 20 rows, at least one per round
					cs, err := f.s.DeliveryClaim(f.ctx, store.DeliveryClaimParams{
						Now: now, Limit: 3, Lease: store.Lease{Owner: fmt.Sprintf("node-%d", i), ExpiresAt: now.Add(leaseTTL)},
					})
					if err != nil {
						t.Errorf("poller %d: DeliveryClaim: %v", i, err)
						return
					}
					if len(cs) == 0 {
						return
					}
					got[i] = append(got[i], cs...)
				}
			})
		}
		wg.Wait()
		if keys, want := claimKeys(slices.Concat(got...)), deliveryKeys(mcs...); !slices.Equal(keys, want) {
			t.Errorf("concurrent DeliveryClaim = %v, want each delivery exactly once: %v", keys, want)
		}
		if cs := f.claim("node-x", now.Add(time.Second), 100); len(cs) != 0 {
			t.Errorf("DeliveryClaim while every lease is live = %v, want none", claimKeys(cs))
		}
	})

	t.Run("Fencing", func(t *testing.T) {
		// node-a stalls past its lease, node-b takes over; node-a's late
		// outcome must not overwrite node-b's work.
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		m1 := f.message(a.ID, "user.created", f.t0, ep)
		m2 := f.message(a.ID, "user.created", f.t0, ep)
		now := f.t0.Add(leaseTTL + time.Second)
		cs := f.claim("node-b", now, 10)
		if len(cs) != 2 {
			t.Fatalf("DeliveryClaim after the lease lapsed = %v, want both deliveries", claimKeys(cs))
		}
		tokens := map[string]int64{}
		for _, c := range cs {
			tokens[c.Delivery.MsgID] = c.Lease.Token
		}

		stale := f.outcome(m1.Deliveries[0], 1, webhook.StatusFail, nil, now)
		stale.DisableEndpoint = true
		current := f.outcome(m2.Deliveries[0], tokens[m2.Message.ID], webhook.StatusSuccess, nil, now)
		if got, want := f.record(stale, current), []bool{false, true}; !slices.Equal(got, want) {
			t.Errorf("DeliveryRecordBatch(stale token 1, current token %d) = %v, want %v", tokens[m2.Message.ID], got, want)
		}

		// The stale outcome changed nothing but left its attempt row.
		if d := f.delivery(a.ID, m1.Message.ID, ep.ID); d.Status != webhook.StatusPending || d.Attempts != 0 {
			t.Errorf("delivery after a fenced outcome = %s, want untouched: Pending, 0 attempts", fmtDelivery(d))
		}
		if e, err := f.s.EndpointGet(f.ctx, a.ID, ep.ID); err != nil || e.Disabled {
			t.Errorf("EndpointGet after a fenced DisableEndpoint = Disabled %v, %v; want enabled", e.Disabled, err)
		}
		if _, err := f.s.AttemptGet(f.ctx, a.ID, m1.Message.ID, stale.Attempt.ID); err != nil {
			t.Errorf("AttemptGet(fenced attempt %q) = %v, want the attempt kept", stale.Attempt.ID, err)
		}
		if d := f.delivery(a.ID, m2.Message.ID, ep.ID); d.Status != webhook.StatusSuccess || d.Attempts != 1 || d.NextAttemptAt != nil {
			t.Errorf("delivery after its current outcome = %s, want Success, 1 attempt, no next attempt", fmtDelivery(d))
		}

		// node-b, the holder, still records m1.
		ok := f.outcome(m1.Deliveries[0], tokens[m1.Message.ID], webhook.StatusFail, nil, now)
		if got := f.record(ok); !got[0] {
			t.Errorf("DeliveryRecordBatch(current token %d) = %v, want applied", ok.Token, got)
		}
		if d := f.delivery(a.ID, m1.Message.ID, ep.ID); d.Status != webhook.StatusFail || d.Attempts != 1 || d.NextAttemptAt != nil {
			t.Errorf("delivery after Fail = %s, want Fail, 1 attempt, no next attempt", fmtDelivery(d))
		}
	})

	t.Run("WriteBatchMixed", func(t *testing.T) {
		// The engine's writer commits new messages and outcomes together;
		// each keeps its own result, a failed item included.
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		m1 := f.message(a.ID, "user.created", f.t0, ep)
		taken := f.newMessage(a.ID, "user.created", f.at(time.Second), ep)
		taken.Message.EventID = "evt-1"
		f.ingest(taken)
		fresh := f.newMessage(a.ID, "user.created", f.at(time.Second), ep)
		dup := f.newMessage(a.ID, "user.created", f.at(time.Second), ep)
		dup.Message.EventID = "evt-1"
		done := f.outcome(m1.Deliveries[0], m1.Lease.Token, webhook.StatusSuccess, nil, f.at(time.Second))
		stale := f.outcome(taken.Deliveries[0], 99, webhook.StatusFail, nil, f.at(time.Second))

		errs, applied, err := f.s.WriteBatch(f.ctx, []store.MessageCreate{fresh, dup}, []store.Outcome{done, stale})
		f.must(err, "WriteBatch")
		if len(errs) != 2 {
			t.Fatalf("WriteBatch returned %d item errors, want 2", len(errs))
		}
		wantErr(t, "WriteBatch fresh item", errs[0], nil)
		wantErr(t, "WriteBatch item reusing an eventId", errs[1], store.ErrConflict)
		if want := []bool{true, false}; !slices.Equal(applied, want) {
			t.Errorf("WriteBatch applied = %v, want %v (current token, stale token)", applied, want)
		}
		if _, err := f.s.MessageGet(f.ctx, a.ID, fresh.Message.ID); err != nil {
			t.Errorf("MessageGet(fresh item) = %v, want it committed", err)
		}
		_, err = f.s.MessageGet(f.ctx, a.ID, dup.Message.ID)
		wantErr(t, "MessageGet(failed item)", err, store.ErrNotFound)
		if d := f.delivery(a.ID, fresh.Message.ID, ep.ID); d.Status != webhook.StatusPending {
			t.Errorf("fresh item's delivery = %s, want Pending", fmtDelivery(d))
		}
		if d := f.delivery(a.ID, m1.Message.ID, ep.ID); d.Status != webhook.StatusSuccess || d.Attempts != 1 {
			t.Errorf("delivery after its outcome in the batch = %s, want Success, 1 attempt", fmtDelivery(d))
		}
		if d := f.delivery(a.ID, taken.Message.ID, ep.ID); d.Status != webhook.StatusPending || d.Attempts != 0 {
			t.Errorf("delivery after a fenced outcome in the batch = %s, want untouched", fmtDelivery(d))
		}
	})

	t.Run("Postpone", func(t *testing.T) {
		// An open circuit moves a leased delivery's next attempt without
		// an attempt: no attempt row, the count and status unchanged, the
		// lease released; a stale token changes nothing.
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)
		later := f.at(time.Minute)
		postpone := func(token int64) store.Outcome {
			o := f.outcome(mc.Deliveries[0], token, webhook.StatusPending, &later, f.at(time.Second))
			o.Postpone = true
			return o
		}
		if got := f.record(postpone(99)); got[0] {
			t.Errorf("postpone under a stale token = applied, want fenced")
		}
		if got := f.record(postpone(mc.Lease.Token)); !got[0] {
			t.Errorf("postpone under the current token = not applied")
		}
		d := f.delivery(a.ID, mc.Message.ID, ep.ID)
		if d.Status != webhook.StatusPending || d.Attempts != 0 || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(later) {
			t.Errorf("delivery after postpone = %s, want Pending, 0 attempts, next at %s", fmtDelivery(d), later)
		}
		ids, err := f.attemptIDs(store.AttemptListParams{AppID: a.ID, MsgID: mc.Message.ID, Page: store.Page{Limit: 10}})
		f.must(err, "AttemptList")
		if len(ids) != 0 {
			t.Errorf("attempts after postpones = %v, want none", ids)
		}
		// Released: not due before later, claimable at later by anyone.
		if cs := f.claim("node-b", later.Add(-time.Millisecond), 10); len(cs) != 0 {
			t.Errorf("claim before the postponed time = %v, want none", claimKeys(cs))
		}
		if cs := f.claim("node-b", later, 10); len(cs) != 1 {
			t.Errorf("claim at the postponed time = %v, want the delivery", claimKeys(cs))
		}
	})

	t.Run("WakeEndpoint", func(t *testing.T) {
		// An endpoint's waiting deliveries become due now, more than one
		// chunk of them; leased, finished, already due and other endpoints'
		// deliveries are left alone.
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		other := f.endpoint(a.ID)
		now := f.at(time.Minute)
		later := f.at(time.Hour)
		waiting := func(at time.Time, e webhook.Endpoint, due time.Time) store.MessageCreate {
			mc := f.newMessage(a.ID, "user.created", at, e)
			mc.Lease = store.Lease{}
			mc.Deliveries[0].NextAttemptAt = &due
			return mc
		}
		var batch []store.MessageCreate
		for i := range store.WakeChunk + 5 {
			batch = append(batch, waiting(f.at(time.Duration(i)*time.Microsecond), ep, later))
		}
		f.ingest(batch...)
		leased := f.message(a.ID, "user.created", f.t0, ep) // leased to node-a
		early := f.at(time.Second)
		alreadyDue := waiting(f.t0, ep, early)
		otherEP := waiting(f.t0, other, later)
		done := f.message(a.ID, "user.created", f.t0, ep)
		f.ingest(alreadyDue, otherEP)
		f.record(f.outcome(done.Deliveries[0], done.Lease.Token, webhook.StatusSuccess, nil, f.at(time.Second)))

		n, err := f.s.DeliveryWakeEndpoint(f.ctx, ep.ID, now)
		f.must(err, "DeliveryWakeEndpoint")
		if n != store.WakeChunk+5 {
			t.Errorf("DeliveryWakeEndpoint = %d, want %d (the waiting ones)", n, store.WakeChunk+5)
		}
		for _, mc := range []store.MessageCreate{batch[0], batch[store.WakeChunk], batch[len(batch)-1]} {
			if d := f.delivery(a.ID, mc.Message.ID, ep.ID); d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(now) {
				t.Errorf("woken delivery %s next attempt = %v, want %s", mc.Message.ID, d.NextAttemptAt, now)
			}
		}
		checks := []struct {
			name string
			mc   store.MessageCreate
			ep   webhook.Endpoint
			want *time.Time
		}{
			{"leased", leased, ep, leased.Deliveries[0].NextAttemptAt},
			{"already due", alreadyDue, ep, &early},
			{"other endpoint", otherEP, other, &later},
			{"finished", done, ep, nil},
		}
		for _, c := range checks {
			d := f.delivery(a.ID, c.mc.Message.ID, c.ep.ID)
			if (d.NextAttemptAt == nil) != (c.want == nil) || (c.want != nil && !d.NextAttemptAt.Equal(*c.want)) {
				t.Errorf("%s delivery next attempt = %v, want %v (untouched)", c.name, d.NextAttemptAt, c.want)
			}
		}
	})

	t.Run("DisableEndpoint", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)
		gone := f.outcome(mc.Deliveries[0], 1, webhook.StatusFail, nil, f.at(time.Second))
		gone.Attempt.ResponseStatusCode = 410
		gone.DisableEndpoint = true
		if got := f.record(gone); !got[0] {
			t.Fatalf("DeliveryRecordBatch(410) = %v, want applied", got)
		}
		if e, err := f.s.EndpointGet(f.ctx, a.ID, ep.ID); err != nil || !e.Disabled {
			t.Errorf("EndpointGet after DisableEndpoint = Disabled %v, %v; want disabled", e.Disabled, err)
		}
	})

	t.Run("Retry", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)
		// The retry is due before the ingest lease would lapse: recording
		// must end the lease, or every retry would wait out a lease.
		retryAt := f.at(5 * time.Second)
		if got := f.record(f.outcome(mc.Deliveries[0], 1, webhook.StatusSending, &retryAt, f.at(time.Second))); !got[0] {
			t.Fatalf("DeliveryRecordBatch(Sending) = %v, want applied", got)
		}
		d := f.delivery(a.ID, mc.Message.ID, ep.ID)
		want := mc.Deliveries[0]
		want.Status, want.Attempts, want.NextAttemptAt = webhook.StatusSending, 1, &retryAt
		if diff := cmp.Diff(want, d, diffOpts()); diff != "" {
			t.Errorf("delivery after a failed attempt mismatch (-want +got):\n%s", diff)
		}
		if got, ok, err := f.s.DeliveryNextDue(f.ctx); err != nil || !ok || !got.Equal(retryAt) {
			t.Errorf("DeliveryNextDue() = %v, %v, %v; want %v, true", got, ok, err, retryAt)
		}

		if cs := f.claim("node-b", retryAt.Add(-time.Millisecond), 10); len(cs) != 0 {
			t.Errorf("DeliveryClaim before the retry is due = %v, want none", claimKeys(cs))
		}
		cs := f.claim("node-b", retryAt.Add(time.Millisecond), 10)
		if len(cs) != 1 || cs[0].Delivery.Attempts != 1 || cs[0].Delivery.Status != webhook.StatusSending {
			t.Fatalf("DeliveryClaim when the retry is due = %+v, want the delivery, Sending after 1 attempt", cs)
		}
		if got := f.record(f.outcome(cs[0].Delivery, cs[0].Lease.Token, webhook.StatusSuccess, nil, retryAt)); !got[0] {
			t.Errorf("DeliveryRecordBatch(retry Success) = %v, want applied", got)
		}
		if d := f.delivery(a.ID, mc.Message.ID, ep.ID); d.Status != webhook.StatusSuccess || d.Attempts != 2 || d.NextAttemptAt != nil {
			t.Errorf("delivery after the retry succeeded = %s, want Success, 2 attempts, no next attempt", fmtDelivery(d))
		}
	})

	t.Run("ReleaseLeases", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mine := f.newMessage(a.ID, "user.created", f.t0, ep)
		theirs := f.newMessage(a.ID, "user.created", f.t0, ep)
		mine.Lease.ExpiresAt = f.at(time.Hour)
		theirs.Lease = store.Lease{Owner: "node-b", Token: 1, ExpiresAt: f.at(time.Hour)}
		f.ingest(mine, theirs)
		now := f.at(time.Second)

		if _, ok, err := f.s.DeliveryNextDue(f.ctx); err != nil || ok {
			t.Errorf("DeliveryNextDue() with every delivery leased = ok %v, %v; want none", ok, err)
		}
		f.must(f.s.DeliveryReleaseLeases(f.ctx, "node-c"), `DeliveryReleaseLeases("node-c")`)
		if cs := f.claim("node-z", now, 10); len(cs) != 0 {
			t.Errorf("DeliveryClaim after releasing another owner's leases = %v, want none", claimKeys(cs))
		}
		f.must(f.s.DeliveryReleaseLeases(f.ctx, "node-a"), `DeliveryReleaseLeases("node-a")`)
		if got, ok, err := f.s.DeliveryNextDue(f.ctx); err != nil || !ok || !got.Equal(f.t0) {
			t.Errorf("DeliveryNextDue() after the release = %v, %v, %v; want %v, true", got, ok, err, f.t0)
		}
		if got, want := claimKeys(f.claim("node-z", now, 10)), deliveryKeys(mine); !slices.Equal(got, want) {
			t.Errorf(`DeliveryClaim after DeliveryReleaseLeases("node-a") = %v, want %v`, got, want)
		}
		f.must(f.s.DeliveryReleaseLeases(f.ctx, ""), `DeliveryReleaseLeases("")`)
		if got, want := claimKeys(f.claim("node-z", now, 10)), deliveryKeys(mine, theirs); !slices.Equal(got, want) {
			t.Errorf(`DeliveryClaim after DeliveryReleaseLeases("") = %v, want %v`, got, want)
		}
	})

	t.Run("NextDue", func(t *testing.T) {
		f := setup(t, open)
		if _, ok, err := f.s.DeliveryNextDue(f.ctx); err != nil || ok {
			t.Errorf("DeliveryNextDue() on an empty store = ok %v, %v; want none", ok, err)
		}
		a := f.app()
		ep := f.endpoint(a.ID)
		late := f.newMessage(a.ID, "user.created", f.t0, ep)
		*late.Deliveries[0].NextAttemptAt = f.at(2 * time.Minute)
		early := f.newMessage(a.ID, "user.created", f.t0, ep)
		*early.Deliveries[0].NextAttemptAt = f.at(time.Minute)
		f.ingest(late, early)
		f.must(f.s.DeliveryReleaseLeases(f.ctx, ""), "DeliveryReleaseLeases")
		if got, ok, err := f.s.DeliveryNextDue(f.ctx); err != nil || !ok || !got.Equal(f.at(time.Minute)) {
			t.Errorf("DeliveryNextDue() = %v, %v, %v; want %v, true", got, ok, err, f.at(time.Minute))
		}
		// Once the early one is claimed and finished, the late one is next.
		cs := f.claim("node-b", f.at(time.Minute+time.Millisecond), 10)
		if len(cs) != 1 {
			t.Fatalf("DeliveryClaim = %v, want only the early delivery", claimKeys(cs))
		}
		f.record(f.outcome(cs[0].Delivery, cs[0].Lease.Token, webhook.StatusSuccess, nil, f.at(time.Minute)))
		if got, ok, err := f.s.DeliveryNextDue(f.ctx); err != nil || !ok || !got.Equal(f.at(2*time.Minute)) {
			t.Errorf("DeliveryNextDue() after the early one finished = %v, %v, %v; want %v, true", got, ok, err, f.at(2*time.Minute))
		}
	})

	t.Run("Resend", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		other := f.app()
		ep := f.endpoint(a.ID)
		done := f.message(a.ID, "user.created", f.t0, ep)
		waiting := f.message(a.ID, "user.created", f.t0, ep)
		retryAt := f.at(time.Hour)
		f.record(
			f.outcome(done.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Second)),
			f.outcome(waiting.Deliveries[0], 1, webhook.StatusSending, &retryAt, f.at(time.Second)),
		)

		now := f.at(time.Minute)
		lease := store.Lease{Owner: "node-b", ExpiresAt: now.Add(leaseTTL)}
		for _, mc := range []store.MessageCreate{done, waiting} {
			c, err := f.s.DeliveryResend(f.ctx, store.DeliveryResendParams{
				AppID: a.ID, MsgID: mc.Message.ID, EndpointID: ep.ID, Now: now, Lease: lease,
			})
			if err != nil {
				t.Errorf("DeliveryResend(%q) error: %v", mc.Message.ID, err)
				continue
			}
			if c.Trigger != webhook.TriggerManual || c.Lease.Owner != "node-b" || !c.Lease.ExpiresAt.Equal(lease.ExpiresAt) || c.Lease.Token <= 1 {
				t.Errorf("DeliveryResend(%q) = Trigger %v, Lease %+v; want Manual, node-b's lease with a token above 1", mc.Message.ID, c.Trigger, c.Lease)
			}
			if c.Delivery.MsgID != mc.Message.ID || c.Delivery.EndpointID != ep.ID || string(c.Message.Payload) != string(mc.Message.Payload) {
				t.Errorf("DeliveryResend(%q) = delivery %s/%s, payload %q; want the delivery and its message", mc.Message.ID, c.Delivery.MsgID, c.Delivery.EndpointID, c.Message.Payload)
			}
			// The old token is fenced; the new lease is live; the new token
			// records.
			if got := f.record(f.outcome(mc.Deliveries[0], 1, webhook.StatusFail, nil, now)); got[0] {
				t.Errorf("DeliveryRecordBatch(token 1 after resend of %q) = %v, want fenced", mc.Message.ID, got)
			}
			if got := f.record(f.outcome(c.Delivery, c.Lease.Token, webhook.StatusSuccess, nil, now)); !got[0] {
				t.Errorf("DeliveryRecordBatch(resend token of %q) = %v, want applied", mc.Message.ID, got)
			}
			if d := f.delivery(a.ID, mc.Message.ID, ep.ID); d.Status != webhook.StatusSuccess || d.Attempts != 2 || d.NextAttemptAt != nil {
				t.Errorf("delivery of %q after the resend succeeded = %s, want Success, 2 attempts, no next attempt", mc.Message.ID, fmtDelivery(d))
			}
		}

		// An endpoint the message was never routed to has no delivery
		// to send again, and gets none.
		unrouted := f.endpoint(a.ID)
		for _, p := range []store.DeliveryResendParams{
			{AppID: a.ID, MsgID: f.missing(webhook.PrefixMessage), EndpointID: ep.ID},
			{AppID: a.ID, MsgID: done.Message.ID, EndpointID: f.missing(webhook.PrefixEndpoint)},
			{AppID: other.ID, MsgID: done.Message.ID, EndpointID: ep.ID},
			{AppID: a.ID, MsgID: done.Message.ID, EndpointID: unrouted.ID},
		} {
			p.Now, p.Lease = now, lease
			_, err := f.s.DeliveryResend(f.ctx, p)
			wantErr(t, fmt.Sprintf("DeliveryResend(app %s, %s, %s)", p.AppID, p.MsgID, p.EndpointID), err, store.ErrNotFound)
		}
		if d, ok := f.findDelivery(a.ID, done.Message.ID, unrouted.ID); ok {
			t.Errorf("DeliveryResend to an endpoint never routed to made a delivery: %s", fmtDelivery(d))
		}
	})

	t.Run("ResendHoldsLease", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)
		f.record(f.outcome(mc.Deliveries[0], 1, webhook.StatusFail, nil, f.at(time.Second)))
		now := f.at(time.Minute)
		_, err := f.s.DeliveryResend(f.ctx, store.DeliveryResendParams{
			AppID: a.ID, MsgID: mc.Message.ID, EndpointID: ep.ID, Now: now,
			Lease: store.Lease{Owner: "node-b", ExpiresAt: now.Add(leaseTTL)},
		})
		f.must(err, "DeliveryResend")
		// Due now, but leased to the resender: a poller must not send it too.
		if cs := f.claim("node-c", now.Add(time.Second), 10); len(cs) != 0 {
			t.Errorf("DeliveryClaim during the resend's lease = %v, want none", claimKeys(cs))
		}
		// The resender died: whoever claims it once the lease lapsed still
		// makes the manual attempt.
		cs := f.claim("node-c", now.Add(leaseTTL+time.Second), 10)
		if len(cs) != 1 || cs[0].Trigger != webhook.TriggerManual {
			t.Errorf("DeliveryClaim after the resend's lease lapsed = %v, want the delivery as a manual trigger", cs)
		}
	})

	t.Run("Recover", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		sibling := f.endpoint(a.ID)
		fail := func(at time.Time, eps ...webhook.Endpoint) store.MessageCreate {
			mc := f.message(a.ID, "user.created", at, eps...)
			for _, d := range mc.Deliveries {
				f.record(f.outcome(d, 1, webhook.StatusFail, nil, at.Add(time.Second)))
			}
			return mc
		}
		old := fail(f.at(-2*time.Hour), ep)         // before the window
		inWindow := fail(f.t0, ep)                  // recovered
		atUntil := fail(f.at(time.Hour), ep)        // Until is exclusive
		otherEp := fail(f.at(time.Minute), sibling) // another endpoint's
		succeeded := f.message(a.ID, "user.created", f.at(time.Minute), ep)
		f.record(f.outcome(succeeded.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Minute)))

		now := f.at(2 * time.Hour)
		n, err := f.s.DeliveryRecover(f.ctx, store.DeliveryRecoverParams{
			AppID: a.ID, EndpointID: ep.ID, Since: f.at(-time.Hour), Until: f.at(time.Hour), Now: now,
		})
		if err != nil || n != 1 {
			t.Errorf("DeliveryRecover([t0-1h, t0+1h)) = %d, %v; want 1", n, err)
		}
		claimed := f.claim("node-b", now, 10)
		if got, want := claimKeys(claimed), deliveryKeys(inWindow); !slices.Equal(got, want) {
			t.Errorf("DeliveryClaim after DeliveryRecover = %v, want only %v", got, want)
		}
		// A recovery is a manual trigger, as resend is; once its attempt
		// is recorded, the retries it schedules are scheduled ones.
		for _, c := range claimed {
			if c.Trigger != webhook.TriggerManual {
				t.Errorf("recovered delivery %s/%s claimed as trigger %v, want Manual", c.Delivery.MsgID, c.Delivery.EndpointID, c.Trigger)
			}
			retry := now.Add(time.Minute)
			f.record(f.outcome(c.Delivery, c.Lease.Token, webhook.StatusSending, &retry, now))
		}
		for _, c := range f.claim("node-b", now.Add(2*time.Minute), 10) {
			if c.Trigger != webhook.TriggerScheduled {
				t.Errorf("retry of recovered delivery %s/%s claimed as trigger %v, want Scheduled", c.Delivery.MsgID, c.Delivery.EndpointID, c.Trigger)
			}
		}
		for _, mc := range []store.MessageCreate{old, atUntil, otherEp} {
			d := mc.Deliveries[0]
			if got := f.delivery(a.ID, d.MsgID, d.EndpointID); got.Status != webhook.StatusFail {
				t.Errorf("delivery %s/%s outside the recovery = %s, want still Fail", d.MsgID, d.EndpointID, fmtDelivery(got))
			}
		}

		// Until zero means up to Now.
		n, err = f.s.DeliveryRecover(f.ctx, store.DeliveryRecoverParams{AppID: a.ID, EndpointID: ep.ID, Since: f.at(-time.Hour), Now: now})
		if err != nil || n != 1 {
			t.Errorf("DeliveryRecover([t0-1h, now)) = %d, %v; want 1 (the one at t0+1h)", n, err)
		}
	})

	t.Run("Replay", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		other := f.app()
		ep := f.endpoint(a.ID, func(e *webhook.Endpoint) {
			e.FilterTypes = []string{"user.created"}
			e.Channels = []string{"eu"}
		})
		sibling := f.endpoint(a.ID)
		mk := func(et string, ch []string, at time.Time, eps ...webhook.Endpoint) store.MessageCreate {
			mc := f.newMessage(a.ID, et, at, eps...)
			mc.Message.Channels = ch
			return mc
		}
		had := mk("user.created", []string{"eu"}, f.t0, ep)                             // delivered before: not again
		missing := mk("user.created", []string{"eu", "us"}, f.at(time.Second), sibling) // replayed
		filtered := mk("user.deleted", []string{"eu"}, f.at(2*time.Second))             // not its event type
		otherChannel := mk("user.created", []string{"us"}, f.at(3*time.Second))
		expunged := mk("user.created", []string{"eu"}, f.at(4*time.Second))
		before := mk("user.created", []string{"eu"}, f.at(-time.Hour))
		atUntil := mk("user.created", []string{"eu"}, f.at(time.Hour))
		f.ingest(had, missing, filtered, otherChannel, expunged, before, atUntil)
		f.message(other.ID, "user.created", f.at(5*time.Second)) // another app's
		f.must(f.s.MessageExpungeContent(f.ctx, a.ID, expunged.Message.ID), "MessageExpungeContent")

		now := f.at(2 * time.Hour)
		n, err := f.s.DeliveryReplay(f.ctx, store.DeliveryReplayParams{Endpoint: ep, Since: f.at(-time.Minute), Until: f.at(time.Hour), Now: now})
		if err != nil || n != 1 {
			t.Fatalf("DeliveryReplay = %d, %v; want 1", n, err)
		}
		got := f.delivery(a.ID, missing.Message.ID, ep.ID)
		if got.Status != webhook.StatusPending || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(now) {
			t.Errorf("replayed delivery = %s, want Pending and due now", fmtDelivery(got))
		}
		for _, mc := range []store.MessageCreate{filtered, otherChannel, expunged, before, atUntil} {
			if d, ok := f.findDelivery(a.ID, mc.Message.ID, ep.ID); ok {
				t.Errorf("DeliveryReplay made %s for %s (%s %v), want none", fmtDelivery(d), mc.Message.ID, mc.Message.EventType, mc.Message.Channels)
			}
		}
		// The one it had is as it was; the sibling's is untouched.
		if d := f.delivery(a.ID, had.Message.ID, ep.ID); d.Status != webhook.StatusPending || !d.NextAttemptAt.Equal(f.t0) {
			t.Errorf("the delivery the endpoint had = %s, want unchanged", fmtDelivery(d))
		}
		claimed := f.claim("node-b", now, 10)
		var replayed []store.Claim
		for _, c := range claimed {
			if c.Delivery.MsgID == missing.Message.ID && c.Delivery.EndpointID == ep.ID {
				replayed = append(replayed, c)
			}
		}
		if len(replayed) != 1 || replayed[0].Trigger != webhook.TriggerManual || string(replayed[0].Message.Payload) != string(missing.Message.Payload) {
			t.Errorf("claims after DeliveryReplay = %v, want the replayed one, manual, with its message", claimKeys(claimed))
		}
		// Twice is once: nothing is missing any more.
		if n, err := f.s.DeliveryReplay(f.ctx, store.DeliveryReplayParams{Endpoint: ep, Since: f.at(-time.Minute), Now: now}); err != nil || n != 1 {
			t.Errorf("second DeliveryReplay up to now = %d, %v; want 1 (the one at Until before)", n, err)
		}
		if n, err := f.s.DeliveryReplay(f.ctx, store.DeliveryReplayParams{Endpoint: ep, Since: f.at(-time.Minute), Now: now}); err != nil || n != 0 {
			t.Errorf("third DeliveryReplay = %d, %v; want 0", n, err)
		}

		// More messages than one chunk: all of them.
		var many []store.MessageCreate
		for i := range sqlbuild.ReplayChunk + 7 {
			many = append(many, mk("user.created", []string{"eu"}, f.at(3*time.Hour+time.Duration(i)*time.Millisecond)))
		}
		f.ingest(many...)
		if n, err := f.s.DeliveryReplay(f.ctx, store.DeliveryReplayParams{Endpoint: ep, Since: f.at(3 * time.Hour), Now: f.at(4 * time.Hour)}); err != nil || n != len(many) {
			t.Errorf("DeliveryReplay over %d messages = %d, %v", len(many), n, err)
		}

		gone := ep
		gone.ID = f.missing(webhook.PrefixEndpoint)
		_, err = f.s.DeliveryReplay(f.ctx, store.DeliveryReplayParams{Endpoint: gone, Since: f.t0, Now: now})
		wantErr(t, "DeliveryReplay(missing endpoint)", err, store.ErrNotFound)
	})

	t.Run("ListByMessage", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		var eps []webhook.Endpoint
		var ids []string
		for range 5 {
			ep := f.endpoint(a.ID)
			eps = append(eps, ep)
			ids = append(ids, ep.ID)
		}
		mc := f.message(a.ID, "user.created", f.t0, eps...)
		f.message(a.ID, "user.created", f.t0, eps...) // must not show up

		got, err := f.s.DeliveryListByMessage(f.ctx, store.DeliveryListByMessageParams{
			AppID: a.ID, MsgID: mc.Message.ID, Page: store.Page{Limit: 10, Order: store.Ascending},
		})
		f.must(err, "DeliveryListByMessage")
		var want []store.DeliveryWithEndpoint
		for i, ep := range eps {
			want = append(want, store.DeliveryWithEndpoint{Delivery: mc.Deliveries[i], Endpoint: ep})
		}
		if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
			t.Errorf("DeliveryListByMessage(%q) mismatch (-want +got):\n%s", mc.Message.ID, diff)
		}
		checkPaging(t, "DeliveryListByMessage", ids, func(p store.Page) ([]string, error) {
			ds, err := f.s.DeliveryListByMessage(f.ctx, store.DeliveryListByMessageParams{AppID: a.ID, MsgID: mc.Message.ID, Page: p})
			ids := make([]string, len(ds))
			for i, d := range ds {
				ids[i] = d.Delivery.EndpointID
			}
			return ids, err
		})
	})

	t.Run("ListByEndpoint", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		other := f.endpoint(a.ID)
		var mcs []store.MessageCreate
		var ids []string
		for i := range 5 {
			et := "user.created"
			if i%2 == 1 {
				et = "user.deleted"
			}
			mc := f.message(a.ID, et, f.at(time.Duration(i)*time.Minute), ep, other)
			mcs = append(mcs, mc)
			ids = append(ids, mc.Message.ID)
		}
		// Messages 1 and 3 succeed on ep; the rest stay pending.
		for _, i := range []int{1, 3} {
			f.record(f.outcome(mcs[i].Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Hour)))
		}

		list := func(p store.DeliveryListByEndpointParams) ([]string, error) {
			p.AppID, p.EndpointID = a.ID, ep.ID
			ds, err := f.s.DeliveryListByEndpoint(f.ctx, p)
			ids := make([]string, len(ds))
			for i, d := range ds {
				ids[i] = d.Delivery.MsgID
			}
			return ids, err
		}
		for _, tt := range []struct {
			name string
			p    store.DeliveryListByEndpointParams
			want []string
		}{
			// The zero Order is Descending: newest message first.
			{"all", store.DeliveryListByEndpointParams{}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"Status Success", store.DeliveryListByEndpointParams{Status: ptr(webhook.StatusSuccess)}, []string{ids[3], ids[1]}},
			{"Status Pending", store.DeliveryListByEndpointParams{Status: ptr(webhook.StatusPending)}, []string{ids[4], ids[2], ids[0]}},
			{"Status Fail", store.DeliveryListByEndpointParams{Status: ptr(webhook.StatusFail)}, nil},
			{"EventTypes", store.DeliveryListByEndpointParams{EventTypes: []string{"user.deleted"}}, []string{ids[3], ids[1]}},
			{"Since, Until", store.DeliveryListByEndpointParams{Since: f.at(time.Minute), Until: f.at(3 * time.Minute)}, []string{ids[2], ids[1]}},
		} {
			tt.p.Page.Limit = 10
			got, err := list(tt.p)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("DeliveryListByEndpoint(%s) = %v, %v; want %v", tt.name, got, err, tt.want)
			}
		}

		ds, err := f.s.DeliveryListByEndpoint(f.ctx, store.DeliveryListByEndpointParams{
			AppID: a.ID, EndpointID: ep.ID, Page: store.Page{Limit: 1, Order: store.Ascending}, WithContent: true,
		})
		f.must(err, "DeliveryListByEndpoint")
		want := []store.DeliveryWithMessage{{Delivery: mcs[0].Deliveries[0], Message: mcs[0].Message}}
		if diff := cmp.Diff(want, ds, diffOpts()); diff != "" {
			t.Errorf("DeliveryListByEndpoint(WithContent) mismatch (-want +got):\n%s", diff)
		}
		checkPaging(t, "DeliveryListByEndpoint", ids, func(p store.Page) ([]string, error) {
			return list(store.DeliveryListByEndpointParams{Page: p})
		})
	})
}

func fmtDelivery(d webhook.Delivery) string {
	next := "nil"
	if d.NextAttemptAt != nil {
		next = d.NextAttemptAt.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("{Status:%d Attempts:%d NextAttemptAt:%s}", d.Status, d.Attempts, next)
}

func testDeliveryPendingCount(t *testing.T, open Opener) {
	t.Run("CountsUnfinishedUpToLimit", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		count := func(limit int) int {
			n, err := f.s.DeliveryPendingCount(f.ctx, store.DeliveryPendingCountParams{Limit: limit})
			f.must(err, "DeliveryPendingCount")
			return n
		}
		if n := count(10); n != 0 {
			t.Errorf("DeliveryPendingCount of an empty store = %d, want 0", n)
		}
		var msgs []store.MessageCreate
		for i := range 4 {
			msgs = append(msgs, f.message(a.ID, "invoice.paid", f.at(time.Duration(i)*time.Second), ep))
		}
		// One delivered, one waiting for a retry: three are unfinished.
		delivered, retrying := f.delivery(a.ID, msgs[0].Message.ID, ep.ID), f.delivery(a.ID, msgs[1].Message.ID, ep.ID)
		next := f.at(time.Hour)
		f.record(f.outcome(delivered, 1, webhook.StatusSuccess, nil, f.at(5*time.Second)),
			f.outcome(retrying, 1, webhook.StatusPending, &next, f.at(5*time.Second)))
		for _, tt := range []struct{ limit, want int }{{10, 3}, {3, 3}, {2, 2}, {0, 0}} {
			if n := count(tt.limit); n != tt.want {
				t.Errorf("DeliveryPendingCount(Limit %d) = %d, want %d", tt.limit, n, tt.want)
			}
		}
		// Due: the two new ones once their ingest leases lapse, the retry
		// at its time.
		for _, tt := range []struct {
			by          time.Time
			limit, want int
		}{
			{f.at(3 * time.Second), 10, 0},          // due, but leased
			{f.at(leaseTTL + 5*time.Second), 10, 2}, // leases lapsed; the retry not yet due
			{f.at(2 * time.Hour), 10, 3},
			{f.at(2 * time.Hour), 2, 2},
		} {
			n, err := f.s.DeliveryPendingCount(f.ctx, store.DeliveryPendingCountParams{Limit: tt.limit, DueBy: tt.by})
			f.must(err, "DeliveryPendingCount")
			if n != tt.want {
				t.Errorf("DeliveryPendingCount(Limit %d, DueBy t0+%v) = %d, want %d", tt.limit, tt.by.Sub(f.at(0)), n, tt.want)
			}
		}
	})
}

func testEndpointDisabledCount(t *testing.T, open Opener) {
	t.Run("CountsDisabledUpToLimit", func(t *testing.T) {
		f := setup(t, open)
		a, b := f.app(), f.app()
		disabled := func(e *webhook.Endpoint) { e.Disabled = true }
		f.endpoint(a.ID)
		f.endpoint(a.ID, disabled)
		f.endpoint(b.ID, disabled)
		f.endpoint(b.ID, disabled)
		for _, tt := range []struct{ limit, want int }{{10, 3}, {2, 2}, {0, 0}} {
			n, err := f.s.EndpointDisabledCount(f.ctx, store.EndpointDisabledCountParams{Limit: tt.limit})
			f.must(err, "EndpointDisabledCount")
			if n != tt.want {
				t.Errorf("EndpointDisabledCount(Limit %d) = %d, want %d", tt.limit, n, tt.want)
			}
		}
	})
}
