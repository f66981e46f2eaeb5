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

func testEndpoints(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		other := f.app()
		ep := f.endpoint(a.ID, func(e *webhook.Endpoint) {
			e.UID = "primary"
			e.Description = "Billing receiver"
			e.RateLimit = ptr(5)
			e.FilterTypes = []string{"invoice.paid", "invoice.failed"}
			e.Channels = []string{"project:1", "eu"}
			e.Metadata = map[string]string{"owner": "billing"}
			e.Headers = map[string]string{"X-Tenant": "acme", "Authorization": "Bearer s3cret"}
			e.OldSecrets = []webhook.OldSecret{{Key: "whsec_b2xkLW9uZS1vbGQtb25lLW9sZC1vbmU=", ExpiresAt: f.at(24 * time.Hour)}}
		})
		bare := f.endpoint(a.ID)

		for _, tt := range []struct {
			appID, key string
			want       webhook.Endpoint
		}{
			{a.ID, ep.ID, ep},
			{a.ID, "primary", ep},
			{a.ID, bare.ID, bare},
		} {
			got, err := f.s.EndpointGet(f.ctx, tt.appID, tt.key)
			if err != nil {
				t.Errorf("EndpointGet(%q, %q) error: %v", tt.appID, tt.key, err)
				continue
			}
			if diff := cmp.Diff(tt.want, got, diffOpts()); diff != "" {
				t.Errorf("EndpointGet(%q, %q) mismatch (-want +got):\n%s", tt.appID, tt.key, diff)
			}
		}
		// Scoped to the app: another app cannot name this endpoint, by ID
		// or UID, and "" does not find an endpoint without a UID.
		for _, tt := range []struct{ appID, key string }{
			{other.ID, ep.ID},
			{other.ID, "primary"},
			{a.ID, f.missing(webhook.PrefixEndpoint)},
			{a.ID, ""},
		} {
			_, err := f.s.EndpointGet(f.ctx, tt.appID, tt.key)
			wantErr(t, fmt.Sprintf("EndpointGet(%q, %q)", tt.appID, tt.key), err, store.ErrNotFound)
		}
	})

	t.Run("UIDConflict", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		b := f.app()
		f.endpoint(a.ID, func(e *webhook.Endpoint) { e.UID = "dup" })

		dup := webhook.Endpoint{ID: f.id(webhook.PrefixEndpoint), AppID: a.ID, UID: "dup", URL: "https://x.example.com/", Version: 1,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: f.t0, UpdatedAt: f.t0}
		err := f.s.EndpointCreate(f.ctx, store.EndpointCreateParams{Endpoint: dup})
		wantErr(t, `EndpointCreate(uid "dup" again in the same app)`, err, store.ErrConflict)
		_, err = f.s.EndpointGet(f.ctx, a.ID, dup.ID)
		wantErr(t, "EndpointGet(the conflicting endpoint)", err, store.ErrNotFound)

		// UIDs are unique per app only, and unset ones not at all.
		f.endpoint(b.ID, func(e *webhook.Endpoint) { e.UID = "dup" })
		f.endpoint(a.ID)
		f.endpoint(a.ID)

		mover := f.endpoint(a.ID, func(e *webhook.Endpoint) { e.UID = "mover" })
		mover.UID = "dup"
		wantErr(t, `EndpointUpdate(uid "mover" -> "dup")`, f.s.EndpointUpdate(f.ctx, mover), store.ErrConflict)
	})

	t.Run("Update", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID, func(e *webhook.Endpoint) {
			e.FilterTypes = []string{"user.created"}
			e.Channels = []string{"one"}
			e.Headers = map[string]string{"X-Old": "1"}
			e.Metadata = map[string]string{"k": "v"}
		})
		oldSecret := ep.Secret
		ep.UID = "renamed"
		ep.URL = "https://new.example.com/hooks?x=1"
		ep.Description = "changed"
		ep.Version = 2
		ep.Disabled = true
		ep.RateLimit = ptr(50)
		ep.FilterTypes = []string{"user.deleted", "user.created"}
		ep.Channels = nil
		ep.Headers = map[string]string{"X-New": "2", "X-Other": "three"}
		ep.Metadata = map[string]string{}
		ep.Secret = "whsec_bmV3LW5ldy1uZXctbmV3LW5ldy1uZXctbmV3"
		ep.OldSecrets = []webhook.OldSecret{{Key: oldSecret, ExpiresAt: f.at(24 * time.Hour)}}
		ep.UpdatedAt = f.at(time.Minute)
		f.must(f.s.EndpointUpdate(f.ctx, ep), "EndpointUpdate")

		for _, key := range []string{ep.ID, "renamed"} {
			got, err := f.s.EndpointGet(f.ctx, a.ID, key)
			if err != nil {
				t.Errorf("EndpointGet(%q) error: %v", key, err)
				continue
			}
			if diff := cmp.Diff(ep, got, diffOpts()); diff != "" {
				t.Errorf("EndpointGet(%q) after EndpointUpdate mismatch (-want +got):\n%s", key, diff)
			}
		}

		other := f.app()
		moved := ep
		moved.AppID = other.ID
		wantErr(t, "EndpointUpdate(endpoint under another app)", f.s.EndpointUpdate(f.ctx, moved), store.ErrNotFound)
		missing := ep
		missing.ID, missing.UID = f.missing(webhook.PrefixEndpoint), ""
		wantErr(t, "EndpointUpdate(ep_missing)", f.s.EndpointUpdate(f.ctx, missing), store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		b := f.app()
		var ids []string
		for i := range 5 {
			ep := f.endpoint(a.ID, func(e *webhook.Endpoint) { e.Disabled = i == 2 })
			ids = append(ids, ep.ID)
			f.endpoint(b.ID) // interleaved, must never show up in a's list
		}

		list := func(p store.Page) ([]string, error) {
			eps, err := f.s.EndpointList(f.ctx, store.EndpointListParams{AppID: a.ID, Page: p})
			ids := make([]string, len(eps))
			for i, e := range eps {
				ids[i] = e.ID
			}
			return ids, err
		}
		// Limit 0 lists every endpoint (the routing index loads them so),
		// disabled ones included; the order is not the point here.
		got, err := list(store.Page{})
		slices.Sort(got)
		if err != nil || !slices.Equal(got, ids) {
			t.Errorf("EndpointList(%q, Page{}) = %v, %v; want all of %v", a.ID, got, err, ids)
		}
		checkPaging(t, "EndpointList", ids, list)
	})

	t.Run("Delete", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		other := f.app()
		ep := f.endpoint(a.ID)
		keep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep, keep)

		wantErr(t, "EndpointDelete(another app's ID)", f.s.EndpointDelete(f.ctx, other.ID, ep.ID), store.ErrNotFound)
		f.must(f.s.EndpointDelete(f.ctx, a.ID, ep.ID), "EndpointDelete")
		_, err := f.s.EndpointGet(f.ctx, a.ID, ep.ID)
		wantErr(t, "EndpointGet(deleted)", err, store.ErrNotFound)
		wantErr(t, "EndpointDelete(deleted)", f.s.EndpointDelete(f.ctx, a.ID, ep.ID), store.ErrNotFound)
		_, err = f.s.EndpointGet(f.ctx, a.ID, keep.ID)
		wantErr(t, "EndpointGet(sibling of deleted)", err, nil)
		// A deleted endpoint's deliveries are never handed to a sender:
		// there is nothing left to send them to.
		cs := f.claim("node-b", f.at(time.Hour), 10)
		if got, want := claimKeys(cs), []string{mc.Message.ID + "/" + keep.ID}; !slices.Equal(got, want) {
			t.Errorf("DeliveryClaim after EndpointDelete = %v, want only the sibling's %v", got, want)
		}
	})

	t.Run("Stats", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		other := f.endpoint(a.ID)

		// One message per target status, one hour apart, each also
		// delivered to other, whose counts must not leak in.
		statuses := []webhook.MessageStatus{
			webhook.StatusSuccess, webhook.StatusSuccess, webhook.StatusPending,
			webhook.StatusSending, webhook.StatusFail, webhook.StatusPending,
		}
		for i, st := range statuses {
			at := f.at(time.Duration(i) * time.Hour)
			mc := f.message(a.ID, "user.created", at, ep, other)
			if st == webhook.StatusPending {
				continue
			}
			d := mc.Deliveries[0]
			var next *time.Time
			if st == webhook.StatusSending {
				next = ptr(at.Add(time.Minute))
			}
			f.record(f.outcome(d, 1, st, next, at.Add(time.Second)))
		}

		for _, tt := range []struct {
			since, until time.Time
			want         webhook.EndpointStats
		}{
			{time.Time{}, time.Time{}, webhook.EndpointStats{Success: 2, Pending: 2, Sending: 1, Fail: 1}},
			// [1h, 4h): the second Success, the first Pending, Sending.
			{f.at(time.Hour), f.at(4 * time.Hour), webhook.EndpointStats{Success: 1, Pending: 1, Sending: 1}},
			{f.at(4 * time.Hour), time.Time{}, webhook.EndpointStats{Fail: 1, Pending: 1}},
			{time.Time{}, f.at(time.Hour), webhook.EndpointStats{Success: 1}},
		} {
			p := store.EndpointStatsParams{AppID: a.ID, EndpointID: ep.ID, Since: tt.since, Until: tt.until}
			got, err := f.s.EndpointStats(f.ctx, p)
			call := fmt.Sprintf("EndpointStats(Since:%s Until:%s)", fmtTime(tt.since), fmtTime(tt.until))
			if err != nil {
				t.Errorf("%s error: %v", call, err)
				continue
			}
			if got != tt.want {
				t.Errorf("%s = %+v, want %+v", call, got, tt.want)
			}
		}
	})
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "open"
	}
	return t.Format(time.RFC3339Nano)
}
