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

func testApps(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		f := setup(t, open)
		a := f.app(func(a *webhook.App) { a.UID = "acme-prod" })
		// An app with nothing optional set round-trips as unset.
		bare := f.app(func(a *webhook.App) { a.RateLimit, a.Metadata = nil, nil })

		for _, tt := range []struct {
			key  string
			want webhook.App
		}{
			{a.ID, a},
			{a.UID, a},
			{bare.ID, bare},
		} {
			got, err := f.s.AppGet(f.ctx, tt.key)
			if err != nil {
				t.Errorf("AppGet(%q) error: %v", tt.key, err)
				continue
			}
			if diff := cmp.Diff(tt.want, got, diffOpts()); diff != "" {
				t.Errorf("AppGet(%q) mismatch (-want +got):\n%s", tt.key, diff)
			}
		}
		// "" must not find the app whose UID is unset: a backend storing
		// unset as '' and matching "id = ? OR uid = ?" would return it.
		for _, key := range []string{f.missing(webhook.PrefixApp), ""} {
			_, err := f.s.AppGet(f.ctx, key)
			wantErr(t, fmt.Sprintf("AppGet(%q)", key), err, store.ErrNotFound)
		}
	})

	t.Run("UIDConflict", func(t *testing.T) {
		f := setup(t, open)
		f.app(func(a *webhook.App) { a.UID = "dup" })
		dup := webhook.App{ID: f.id(webhook.PrefixApp), UID: "dup", Name: "Second", CreatedAt: f.t0, UpdatedAt: f.t0}
		err := f.s.AppCreate(f.ctx, store.AppCreateParams{App: dup})
		wantErr(t, `AppCreate(uid "dup" again)`, err, store.ErrConflict)
		_, err = f.s.AppGet(f.ctx, dup.ID)
		wantErr(t, fmt.Sprintf("AppGet(%q) after the conflict", dup.ID), err, store.ErrNotFound)

		// Unset UIDs are not values: any number of apps may lack one.
		f.app()
		f.app()

		// Taking a UID by update conflicts too.
		other := f.app(func(a *webhook.App) { a.UID = "other" })
		other.UID = "dup"
		wantErr(t, `AppUpdate(uid "other" -> "dup")`, f.s.AppUpdate(f.ctx, other), store.ErrConflict)
	})

	t.Run("Update", func(t *testing.T) {
		f := setup(t, open)
		a := f.app(func(a *webhook.App) { a.UID = "before" })
		a.UID = "after"
		a.Name = "Renamed"
		a.RateLimit = nil
		a.Metadata = map[string]string{"tier": "silver", "region": "eu"}
		a.UpdatedAt = f.at(time.Minute)
		f.must(f.s.AppUpdate(f.ctx, a), "AppUpdate")

		for _, key := range []string{a.ID, "after"} {
			got, err := f.s.AppGet(f.ctx, key)
			if err != nil {
				t.Errorf("AppGet(%q) error: %v", key, err)
				continue
			}
			if diff := cmp.Diff(a, got, diffOpts()); diff != "" {
				t.Errorf("AppGet(%q) after AppUpdate mismatch (-want +got):\n%s", key, diff)
			}
		}
		_, err := f.s.AppGet(f.ctx, "before")
		wantErr(t, `AppGet("before") after the UID changed`, err, store.ErrNotFound)

		missing := a
		missing.ID, missing.UID = f.missing(webhook.PrefixApp), ""
		wantErr(t, "AppUpdate(app_missing)", f.s.AppUpdate(f.ctx, missing), store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		f := setup(t, open)
		var ids []string
		var apps []webhook.App
		for i := range 5 {
			a := f.app(func(a *webhook.App) { a.UID = fmt.Sprintf("app-%d", i) })
			ids = append(ids, a.ID)
			apps = append(apps, a)
		}
		// Whole rows once; then the paging by ID alone.
		got, err := f.s.AppList(f.ctx, store.AppListParams{Page: store.Page{Limit: 10, Order: store.Ascending}})
		f.must(err, "AppList")
		if diff := cmp.Diff(apps, got, diffOpts()); diff != "" {
			t.Errorf("AppList(Limit:10 Ascending) mismatch (-want +got):\n%s", diff)
		}
		checkPaging(t, "AppList", ids, func(p store.Page) ([]string, error) {
			apps, err := f.s.AppList(f.ctx, store.AppListParams{Page: p})
			ids := make([]string, len(apps))
			for i, a := range apps {
				ids[i] = a.ID
			}
			return ids, err
		})
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		mc := f.message(a.ID, "user.created", f.t0, ep)
		att := f.outcome(mc.Deliveries[0], 1, webhook.StatusSuccess, nil, f.at(time.Second))
		f.record(att)
		// A neighbour whose rows must survive.
		b := f.app()
		bep := f.endpoint(b.ID)
		bmc := f.message(b.ID, "user.created", f.t0, bep)

		f.must(f.s.AppDelete(f.ctx, a.ID), "AppDelete")

		_, err := f.s.AppGet(f.ctx, a.ID)
		wantErr(t, "AppGet(deleted app)", err, store.ErrNotFound)
		_, err = f.s.EndpointGet(f.ctx, a.ID, ep.ID)
		wantErr(t, "EndpointGet(deleted app's endpoint)", err, store.ErrNotFound)
		_, err = f.s.MessageGet(f.ctx, a.ID, mc.Message.ID)
		wantErr(t, "MessageGet(deleted app's message)", err, store.ErrNotFound)
		_, err = f.s.AttemptGet(f.ctx, a.ID, mc.Message.ID, att.Attempt.ID)
		wantErr(t, "AttemptGet(deleted app's attempt)", err, store.ErrNotFound)
		wantErr(t, "AppDelete(deleted app)", f.s.AppDelete(f.ctx, a.ID), store.ErrNotFound)

		// The deleted app's deliveries must not be claimable once their
		// lease lapses: a sender would post a message that no longer exists.
		cs := f.claim("node-b", f.at(time.Hour), 100)
		if got, want := claimKeys(cs), deliveryKeys(bmc); !slices.Equal(got, want) {
			t.Errorf("DeliveryClaim after AppDelete = %v, want only the other app's %v", got, want)
		}
		_, err = f.s.EndpointGet(f.ctx, b.ID, bep.ID)
		wantErr(t, "EndpointGet(other app's endpoint)", err, nil)
		_, err = f.s.MessageGet(f.ctx, b.ID, bmc.Message.ID)
		wantErr(t, "MessageGet(other app's message)", err, nil)
	})
}
