package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func testEndpointDeliveryOptions(t *testing.T, open Opener) {
	full := webhook.DeliveryOptions{
		Format: webhook.FormatTemplate, Template: "First_Name={{urlquery .payload.name}}\n",
		ContentType: "application/x-www-form-urlencoded; charset=utf-8", Method: "PUT",
		Retries: ptr(0), Timeout: 2500 * time.Millisecond, PassHeaders: []string{"Content-Type", "X-GitHub-Event"},
	}

	t.Run("CreateGetList", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		with := f.endpoint(a.ID, func(e *webhook.Endpoint) { e.Delivery = full })
		bare := f.endpoint(a.ID)
		for _, want := range []webhook.Endpoint{with, bare} {
			got, err := f.s.EndpointGet(f.ctx, a.ID, want.ID)
			if err != nil {
				t.Fatalf("EndpointGet(%s) error: %v", want.ID, err)
			}
			if diff := cmp.Diff(want.Delivery, got.Delivery); diff != "" {
				t.Errorf("EndpointGet(%s).Delivery mismatch (-want +got):\n%s", want.ID, diff)
			}
		}
		// The routing index loads endpoints with EndpointList.
		list, err := f.s.EndpointList(f.ctx, store.EndpointListParams{AppID: a.ID})
		if err != nil || len(list) != 2 {
			t.Fatalf("EndpointList = %d endpoints, %v; want 2", len(list), err)
		}
		for _, got := range list {
			want := map[string]webhook.DeliveryOptions{with.ID: full, bare.ID: {}}[got.ID]
			if diff := cmp.Diff(want, got.Delivery); diff != "" {
				t.Errorf("EndpointList %s Delivery mismatch (-want +got):\n%s", got.ID, diff)
			}
		}
	})

	t.Run("Set", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		set := func(o webhook.DeliveryOptions, at time.Time) {
			t.Helper()
			f.must(f.s.EndpointDeliveryOptionsSet(f.ctx, store.EndpointDeliveryOptionsSetParams{
				AppID: a.ID, EndpointID: ep.ID, Options: o, UpdatedAt: at}), "EndpointDeliveryOptionsSet")
			got, err := f.s.EndpointGet(f.ctx, a.ID, ep.ID)
			if err != nil {
				t.Fatalf("EndpointGet error: %v", err)
			}
			want := ep
			want.Delivery, want.UpdatedAt = o, at
			if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
				t.Errorf("EndpointGet after EndpointDeliveryOptionsSet(%+v) mismatch (-want +got):\n%s", o, diff)
			}
		}
		set(full, f.at(time.Minute))
		set(webhook.DeliveryOptions{Format: webhook.FormatForm, Retries: ptr(50)}, f.at(2*time.Minute))
		set(webhook.DeliveryOptions{}, f.at(3*time.Minute))

		other := f.app()
		for _, p := range []store.EndpointDeliveryOptionsSetParams{
			{AppID: other.ID, EndpointID: ep.ID, Options: full},
			{AppID: a.ID, EndpointID: f.missing(webhook.PrefixEndpoint), Options: full},
		} {
			wantErr(t, "EndpointDeliveryOptionsSet("+p.AppID+", "+p.EndpointID+")", f.s.EndpointDeliveryOptionsSet(f.ctx, p), store.ErrNotFound)
		}
	})

	// Options and the endpoint's other fields are edited through different
	// resources: saving one must not write back a stale copy of the other.
	t.Run("UpdateKeepsOptions", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		ep := f.endpoint(a.ID)
		stale := ep
		f.must(f.s.EndpointDeliveryOptionsSet(f.ctx, store.EndpointDeliveryOptionsSetParams{
			AppID: a.ID, EndpointID: ep.ID, Options: full, UpdatedAt: f.at(time.Minute)}), "EndpointDeliveryOptionsSet")
		stale.Description = "renamed"
		stale.UpdatedAt = f.at(2 * time.Minute)
		f.must(f.s.EndpointUpdate(f.ctx, stale), "EndpointUpdate")
		got, err := f.s.EndpointGet(f.ctx, a.ID, ep.ID)
		if err != nil {
			t.Fatalf("EndpointGet error: %v", err)
		}
		if got.Description != "renamed" {
			t.Errorf("EndpointGet().Description = %q, want renamed", got.Description)
		}
		if diff := cmp.Diff(full, got.Delivery); diff != "" {
			t.Errorf("EndpointGet().Delivery after EndpointUpdate with stale options (-want +got):\n%s", diff)
		}
	})
}
