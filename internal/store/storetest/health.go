package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func testEndpointHealth(t *testing.T, open Opener) {
	t.Run("NeverAttemptedIsAbsent", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		got, err := f.s.EndpointHealthList(f.ctx, store.EndpointHealthListParams{AppID: a.ID, EndpointIDs: []string{ep.ID}})
		f.must(err, "EndpointHealthList")
		if len(got) != 0 {
			t.Errorf("EndpointHealthList of a new endpoint = %+v, want none", got)
		}
	})

	// Each case flushes its records one call at a time, as flushes from
	// one or several nodes arrive, and expects the row that
	// webhook.EndpointHealth.Merge folds them into, spelled out.
	fail := func(at int, code int, msg string, n int) webhook.EndpointHealth {
		return webhook.EndpointHealth{LastAttemptAt: T0.Add(time.Duration(at) * time.Second), LastFailureAt: T0.Add(time.Duration(at) * time.Second), LastStatusCode: code, LastError: msg, ConsecutiveFailures: n}
	}
	ok := func(at int, failedAfter int) webhook.EndpointHealth {
		return webhook.EndpointHealth{LastAttemptAt: T0.Add(time.Duration(at) * time.Second), LastSuccessAt: T0.Add(time.Duration(at) * time.Second), LastStatusCode: 200, ConsecutiveFailures: failedAfter}
	}
	for _, tt := range []struct {
		name    string
		flushes []webhook.EndpointHealth
		want    webhook.EndpointHealth
	}{
		{"OneFailure", []webhook.EndpointHealth{fail(1, 500, "HTTP 500", 1)}, fail(1, 500, "HTTP 500", 1)},
		{"FailuresAddUp", []webhook.EndpointHealth{fail(1, 500, "a", 2), fail(2, 0, "connection refused", 3)},
			fail(2, 0, "connection refused", 5)},
		{"SuccessResets", []webhook.EndpointHealth{fail(1, 500, "a", 4), ok(2, 0)}, webhook.EndpointHealth{
			LastAttemptAt: T0.Add(2 * time.Second), LastSuccessAt: T0.Add(2 * time.Second), LastFailureAt: T0.Add(1 * time.Second), LastStatusCode: 200,
		}},
		{"SuccessThenFailuresInOneFlush", []webhook.EndpointHealth{fail(1, 500, "a", 4), {
			LastAttemptAt: T0.Add(3 * time.Second), LastSuccessAt: T0.Add(2 * time.Second), LastFailureAt: T0.Add(3 * time.Second), LastStatusCode: 503, LastError: "b", ConsecutiveFailures: 1,
		}}, webhook.EndpointHealth{
			LastAttemptAt: T0.Add(3 * time.Second), LastSuccessAt: T0.Add(2 * time.Second), LastFailureAt: T0.Add(3 * time.Second), LastStatusCode: 503, LastError: "b", ConsecutiveFailures: 1,
		}},
		// Another node's flush of older attempts arrives late: the newer
		// last attempt keeps its code and error, and failures seen before
		// the stored success are not counted again.
		{"StaleFlushKeepsNewer", []webhook.EndpointHealth{ok(5, 0), fail(3, 502, "old", 2)}, webhook.EndpointHealth{
			LastAttemptAt: T0.Add(5 * time.Second), LastSuccessAt: T0.Add(5 * time.Second), LastFailureAt: T0.Add(3 * time.Second), LastStatusCode: 200, ConsecutiveFailures: 0,
		}},
		{"StaleSuccessDoesNotReset", []webhook.EndpointHealth{fail(5, 500, "new", 3), ok(2, 0)}, webhook.EndpointHealth{
			LastAttemptAt: T0.Add(5 * time.Second), LastSuccessAt: T0.Add(2 * time.Second), LastFailureAt: T0.Add(5 * time.Second), LastStatusCode: 500, LastError: "new", ConsecutiveFailures: 3,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, open)
			a := f.app()
			ep := f.endpoint(a.ID)
			var merged webhook.EndpointHealth
			for i, h := range tt.flushes {
				h.AppID, h.EndpointID = a.ID, ep.ID
				f.must(f.s.EndpointHealthRecord(f.ctx, []webhook.EndpointHealth{h}), fmt.Sprintf("EndpointHealthRecord #%d", i))
				merged.Merge(h)
			}
			want := tt.want
			want.AppID, want.EndpointID = a.ID, ep.ID
			if diff := cmp.Diff(want, merged); diff != "" {
				t.Errorf("webhook Merge disagrees with the case (-want +got):\n%s", diff)
			}
			got, err := f.s.EndpointHealthList(f.ctx, store.EndpointHealthListParams{AppID: a.ID, EndpointIDs: []string{ep.ID}})
			f.must(err, "EndpointHealthList")
			if diff := cmp.Diff([]webhook.EndpointHealth{want}, got); diff != "" {
				t.Errorf("EndpointHealthList after %d flushes mismatch (-want +got):\n%s", len(tt.flushes), diff)
			}
		})
	}

	t.Run("BatchDropsDeletedEndpointsAndScopesByApp", func(t *testing.T) {
		f := setup(t, open)
		a, b := f.app(), f.app()
		ep1, gone, ep2 := f.endpoint(a.ID), f.endpoint(a.ID), f.endpoint(b.ID)
		f.must(f.s.EndpointDelete(f.ctx, a.ID, gone.ID), "EndpointDelete")
		rec := func(appID, epID string) webhook.EndpointHealth {
			h := fail(1, 500, "x", 1)
			h.AppID, h.EndpointID = appID, epID
			return h
		}
		f.must(f.s.EndpointHealthRecord(f.ctx, []webhook.EndpointHealth{rec(a.ID, ep1.ID), rec(a.ID, gone.ID), rec(b.ID, ep2.ID)}),
			"EndpointHealthRecord with a deleted endpoint")
		got, err := f.s.EndpointHealthList(f.ctx, store.EndpointHealthListParams{AppID: a.ID, EndpointIDs: []string{ep1.ID, gone.ID, ep2.ID}})
		f.must(err, "EndpointHealthList")
		if diff := cmp.Diff([]webhook.EndpointHealth{rec(a.ID, ep1.ID)}, got); diff != "" {
			t.Errorf("EndpointHealthList(app a) mismatch (-want +got):\n%s", diff)
		}
		got, err = f.s.EndpointHealthList(f.ctx, store.EndpointHealthListParams{AppID: b.ID, EndpointIDs: []string{ep2.ID}})
		f.must(err, "EndpointHealthList")
		if diff := cmp.Diff([]webhook.EndpointHealth{rec(b.ID, ep2.ID)}, got); diff != "" {
			t.Errorf("EndpointHealthList(app b) mismatch (-want +got):\n%s", diff)
		}
		// Deleting the endpoint takes its row along.
		f.must(f.s.EndpointDelete(f.ctx, b.ID, ep2.ID), "EndpointDelete")
		got, err = f.s.EndpointHealthList(f.ctx, store.EndpointHealthListParams{AppID: b.ID, EndpointIDs: []string{ep2.ID}})
		f.must(err, "EndpointHealthList")
		if len(got) != 0 {
			t.Errorf("EndpointHealthList after delete = %+v, want none", got)
		}
	})

	t.Run("FailingAcrossAppsMostFailuresFirst", func(t *testing.T) {
		f := setup(t, open)
		a, b := f.app(), f.app()
		recovered, once, thrice, disabled, _ := f.endpoint(a.ID), f.endpoint(a.ID), f.endpoint(b.ID),
			f.endpoint(b.ID, func(e *webhook.Endpoint) { e.Disabled = true }), f.endpoint(a.ID) // the last never attempted
		rec := func(ep webhook.Endpoint, h webhook.EndpointHealth) webhook.EndpointHealth {
			h.AppID, h.EndpointID = ep.AppID, ep.ID
			return h
		}
		f.must(f.s.EndpointHealthRecord(f.ctx, []webhook.EndpointHealth{
			rec(recovered, fail(1, 500, "x", 2)), rec(once, fail(1, 500, "x", 1)),
			rec(thrice, fail(2, 0, "connection refused", 3)), rec(disabled, fail(1, 500, "x", 9)),
		}), "EndpointHealthRecord")
		f.must(f.s.EndpointHealthRecord(f.ctx, []webhook.EndpointHealth{rec(recovered, ok(3, 0))}), "EndpointHealthRecord")
		ids := func(limit int) []string {
			got, err := f.s.EndpointHealthFailing(f.ctx, store.EndpointHealthFailingParams{Limit: limit})
			f.must(err, "EndpointHealthFailing")
			var out []string
			for _, h := range got {
				if h.Status(false) != webhook.HealthFailing {
					t.Errorf("EndpointHealthFailing returned %s, whose status is %s", h.EndpointID, h.Status(false))
				}
				out = append(out, h.EndpointID)
			}
			return out
		}
		if got, want := ids(10), []string{thrice.ID, once.ID}; !cmp.Equal(got, want) {
			t.Errorf("EndpointHealthFailing(Limit 10) = %v, want %v (most failures first, no recovered, disabled or unattempted one)", got, want)
		}
		if got, want := ids(1), []string{thrice.ID}; !cmp.Equal(got, want) {
			t.Errorf("EndpointHealthFailing(Limit 1) = %v, want %v", got, want)
		}
		if got := ids(0); len(got) != 0 {
			t.Errorf("EndpointHealthFailing(Limit 0) = %v, want none", got)
		}
	})
}
