package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func testAttempts(t *testing.T, open Opener) {
	// attempts builds one app with two endpoints and records six attempts:
	//
	//	m1 -> ep1 fail, later retried with success   (two attempts)
	//	m1 -> ep2 success
	//	m2 -> ep1 fail (exhausted)
	//	m3 -> ep1 success
	//	m4 -> ep1 fail (exhausted)
	//
	// returned in the order they were recorded (oldest first).
	attempts := func(f *fixture) (app webhook.App, ep1, ep2 webhook.Endpoint, msgs []string, recorded []webhook.Attempt) {
		app = f.app()
		ep1 = f.endpoint(app.ID)
		ep2 = f.endpoint(app.ID)
		m1 := f.message(app.ID, "user.created", f.t0, ep1, ep2)
		m2 := f.message(app.ID, "user.created", f.t0, ep1)
		m3 := f.message(app.ID, "user.created", f.t0, ep1)
		m4 := f.message(app.ID, "user.created", f.t0, ep1)
		msgs = []string{m1.Message.ID, m2.Message.ID, m3.Message.ID, m4.Message.ID}

		retryAt := f.at(time.Minute)
		outs := []store.Outcome{
			f.outcome(m1.Deliveries[0], 1, webhook.StatusSending, &retryAt, f.at(1*time.Second)),
			f.outcome(m1.Deliveries[1], 1, webhook.StatusSuccess, nil, f.at(2*time.Second)),
			f.outcome(m2.Deliveries[0], 1, webhook.StatusFail, nil, f.at(3*time.Second)),
			f.outcome(m3.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(4*time.Second)),
			f.outcome(m4.Deliveries[0], 1, webhook.StatusFail, nil, f.at(5*time.Second)),
		}
		for i, ok := range f.record(outs...) {
			if !ok {
				f.t.Fatalf("DeliveryRecordBatch outcome %d not applied", i)
			}
		}
		cs := f.claim("node-b", retryAt.Add(time.Millisecond), 10)
		if len(cs) != 1 {
			f.t.Fatalf("DeliveryClaim of the retry = %v, want one", claimKeys(cs))
		}
		retry := f.outcome(cs[0].Delivery, cs[0].Lease.Token, webhook.StatusSuccess, nil, retryAt.Add(time.Second))
		if ok := f.record(retry); !ok[0] {
			f.t.Fatalf("DeliveryRecordBatch(retry) not applied")
		}
		for _, o := range append(outs, retry) {
			recorded = append(recorded, o.Attempt)
		}
		return app, ep1, ep2, msgs, recorded
	}

	t.Run("Get", func(t *testing.T) {
		f := setup(t, open)
		a, _, _, msgs, recorded := attempts(f)
		for _, want := range recorded {
			got, err := f.s.AttemptGet(f.ctx, a.ID, want.MsgID, want.ID)
			if err != nil {
				t.Errorf("AttemptGet(%q) error: %v", want.ID, err)
				continue
			}
			if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
				t.Errorf("AttemptGet(%q) mismatch (-want +got):\n%s", want.ID, diff)
			}
		}
		other := f.app()
		for _, tt := range []struct{ appID, msgID, id string }{
			{a.ID, recorded[0].MsgID, f.missing(webhook.PrefixAttempt)},
			{a.ID, msgs[1], recorded[0].ID}, // another message's attempt
			{other.ID, recorded[0].MsgID, recorded[0].ID},
		} {
			_, err := f.s.AttemptGet(f.ctx, tt.appID, tt.msgID, tt.id)
			wantErr(t, fmt.Sprintf("AttemptGet(%q, %q, %q)", tt.appID, tt.msgID, tt.id), err, store.ErrNotFound)
		}
	})

	t.Run("List", func(t *testing.T) {
		f := setup(t, open)
		a, ep1, ep2, msgs, r := attempts(f)
		// r: 0 m1/ep1 fail, 1 m1/ep2 ok, 2 m2/ep1 fail, 3 m3/ep1 ok,
		// 4 m4/ep1 fail, 5 m1/ep1 ok (the retry).
		id := func(is ...int) []string {
			var ids []string
			for _, i := range is {
				ids = append(ids, r[i].ID)
			}
			return ids
		}
		for _, tt := range []struct {
			name string
			p    store.AttemptListParams
			want []string
		}{
			// The zero Order is Descending: newest first.
			{"by message", store.AttemptListParams{MsgID: msgs[0]}, id(5, 1, 0)},
			{"by endpoint", store.AttemptListParams{EndpointID: ep1.ID}, id(5, 4, 3, 2, 0)},
			{"by both", store.AttemptListParams{MsgID: msgs[0], EndpointID: ep1.ID}, id(5, 0)},
			{"by both, other endpoint", store.AttemptListParams{MsgID: msgs[0], EndpointID: ep2.ID}, id(1)},
			{"by endpoint, Fail", store.AttemptListParams{EndpointID: ep1.ID, Status: ptr(webhook.StatusFail)}, id(4, 2, 0)},
			{"by message, Success", store.AttemptListParams{MsgID: msgs[0], Status: ptr(webhook.StatusSuccess)}, id(5, 1)},
			{"by endpoint, Since, Until", store.AttemptListParams{EndpointID: ep1.ID, Since: f.at(3 * time.Second), Until: f.at(5 * time.Second)}, id(3, 2)},
		} {
			tt.p.AppID = a.ID
			tt.p.Page.Limit = 10
			got, err := f.attemptIDs(tt.p)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("AttemptList(%s) = %v, %v; want %v", tt.name, got, err, tt.want)
			}
		}
		ep1IDs := id(0, 2, 3, 4, 5)
		checkPaging(t, "AttemptList(by endpoint)", ep1IDs, func(p store.Page) ([]string, error) {
			return f.attemptIDs(store.AttemptListParams{AppID: a.ID, EndpointID: ep1.ID, Page: p})
		})
	})

	t.Run("ExpungeContent", func(t *testing.T) {
		f := setup(t, open)
		a, _, _, _, r := attempts(f)
		f.must(f.s.AttemptExpungeContent(f.ctx, a.ID, r[0].MsgID, r[0].ID), "AttemptExpungeContent")
		got, err := f.s.AttemptGet(f.ctx, a.ID, r[0].MsgID, r[0].ID)
		f.must(err, "AttemptGet after AttemptExpungeContent")
		want := r[0]
		want.Response = webhook.ExpungedResponse
		if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
			t.Errorf("AttemptGet after AttemptExpungeContent mismatch (-want +got):\n%s", diff)
		}
		// Only that attempt.
		if got, err := f.s.AttemptGet(f.ctx, a.ID, r[1].MsgID, r[1].ID); err != nil || got.Response != r[1].Response {
			t.Errorf("AttemptGet(another attempt) = Response %q, %v; want %q", got.Response, err, r[1].Response)
		}
		err = f.s.AttemptExpungeContent(f.ctx, a.ID, r[0].MsgID, f.missing(webhook.PrefixAttempt))
		wantErr(t, "AttemptExpungeContent(atmpt_missing)", err, store.ErrNotFound)
	})
}

func (f *fixture) attemptIDs(p store.AttemptListParams) ([]string, error) {
	as, err := f.s.AttemptList(f.ctx, p)
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids, err
}
