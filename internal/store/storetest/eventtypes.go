package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// schemas is deliberately not canonical JSON: keys out of order and
// spaces kept. A backend that parses and re-encodes (PostgreSQL jsonb)
// changes these bytes, and the API must serve a schema as it was given.
const schemas = `{"1": {"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "number", "default": 1.50}}}}`

func (f *fixture) eventType(name string, mods ...func(*webhook.EventType)) webhook.EventType {
	f.t.Helper()
	et := webhook.EventType{
		Name:        name,
		Description: "A " + name + " event",
		CreatedAt:   f.t0,
		UpdatedAt:   f.t0,
	}
	for _, m := range mods {
		m(&et)
	}
	f.must(f.s.EventTypeCreate(f.ctx, store.EventTypeCreateParams{EventType: et}), fmt.Sprintf("EventTypeCreate(%q)", name))
	return et
}

// eventTypeNames lists event type names with p.
func (f *fixture) eventTypeNames(p store.EventTypeListParams) ([]string, error) {
	ets, err := f.s.EventTypeList(f.ctx, p)
	names := make([]string, len(ets))
	for i, et := range ets {
		names[i] = et.Name
	}
	return names, err
}

func testEventTypes(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		f := setup(t, open)
		full := f.eventType("invoice.paid", func(et *webhook.EventType) {
			et.Deprecated = true
			et.FeatureFlag = "beta-billing"
			et.Schemas = json.RawMessage(schemas)
		})
		bare := f.eventType("user.created")

		for _, want := range []webhook.EventType{full, bare} {
			got, err := f.s.EventTypeGet(f.ctx, want.Name)
			if err != nil {
				t.Errorf("EventTypeGet(%q) error: %v", want.Name, err)
				continue
			}
			if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
				t.Errorf("EventTypeGet(%q) mismatch (-want +got):\n%s", want.Name, diff)
			}
			if string(got.Schemas) != string(want.Schemas) {
				t.Errorf("EventTypeGet(%q).Schemas = %q, want %q byte for byte", want.Name, got.Schemas, want.Schemas)
			}
		}
		_, err := f.s.EventTypeGet(f.ctx, "no.such")
		wantErr(t, `EventTypeGet("no.such")`, err, store.ErrNotFound)
	})

	t.Run("Duplicate", func(t *testing.T) {
		f := setup(t, open)
		f.eventType("user.created")
		f.eventType("user.deleted")
		f.must(f.s.EventTypeDelete(f.ctx, store.EventTypeDeleteParams{Name: "user.deleted"}), "EventTypeDelete(archive)")
		for _, name := range []string{"user.created", "user.deleted"} {
			err := f.s.EventTypeCreate(f.ctx, store.EventTypeCreateParams{
				EventType: webhook.EventType{Name: name, CreatedAt: f.t0, UpdatedAt: f.t0},
			})
			wantErr(t, fmt.Sprintf("EventTypeCreate(%q) again", name), err, store.ErrConflict)
		}
	})

	t.Run("ArchiveAndExpunge", func(t *testing.T) {
		f := setup(t, open)
		f.eventType("a.kept")
		archived := f.eventType("b.archived")
		f.eventType("c.expunged")

		f.must(f.s.EventTypeDelete(f.ctx, store.EventTypeDeleteParams{Name: "b.archived"}), "EventTypeDelete(b.archived)")
		f.must(f.s.EventTypeDelete(f.ctx, store.EventTypeDeleteParams{Name: "c.expunged", Expunge: true}), "EventTypeDelete(c.expunged, Expunge)")

		got, err := f.s.EventTypeGet(f.ctx, "b.archived")
		f.must(err, "EventTypeGet(archived)")
		archived.Archived = true
		// UpdatedAt is left out: archiving is not told the time.
		if diff := cmp.Diff(archived, got, diffOpts(), cmpopts.IgnoreFields(webhook.EventType{}, "UpdatedAt")); diff != "" {
			t.Errorf("EventTypeGet(archived) mismatch (-want +got):\n%s", diff)
		}
		_, err = f.s.EventTypeGet(f.ctx, "c.expunged")
		wantErr(t, "EventTypeGet(expunged)", err, store.ErrNotFound)

		for _, tt := range []struct {
			includeArchived bool
			want            []string
		}{
			{false, []string{"a.kept"}},
			{true, []string{"a.kept", "b.archived"}},
		} {
			p := store.EventTypeListParams{Page: store.Page{Limit: 10, Order: store.Ascending}, IncludeArchived: tt.includeArchived}
			got, err := f.eventTypeNames(p)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("EventTypeList(IncludeArchived:%v) = %v, %v; want %v", tt.includeArchived, got, err, tt.want)
			}
		}

		// An expunged name is free again.
		f.eventType("c.expunged")

		for _, p := range []store.EventTypeDeleteParams{{Name: "no.such"}, {Name: "no.such", Expunge: true}} {
			wantErr(t, fmt.Sprintf("EventTypeDelete(%+v)", p), f.s.EventTypeDelete(f.ctx, p), store.ErrNotFound)
		}
	})

	t.Run("Update", func(t *testing.T) {
		f := setup(t, open)
		et := f.eventType("user.created")
		et.Description = "Changed"
		et.Deprecated = true
		et.FeatureFlag = "flag-1"
		et.Schemas = json.RawMessage(schemas)
		et.UpdatedAt = f.at(time.Minute)
		f.must(f.s.EventTypeUpdate(f.ctx, et), "EventTypeUpdate")
		got, err := f.s.EventTypeGet(f.ctx, et.Name)
		f.must(err, "EventTypeGet")
		if diff := cmp.Diff(et, got, diffOpts()); diff != "" {
			t.Errorf("EventTypeGet(%q) after EventTypeUpdate mismatch (-want +got):\n%s", et.Name, diff)
		}
		if string(got.Schemas) != schemas {
			t.Errorf("EventTypeGet(%q).Schemas = %q, want %q byte for byte", et.Name, got.Schemas, schemas)
		}

		et.Name = "no.such"
		wantErr(t, `EventTypeUpdate("no.such")`, f.s.EventTypeUpdate(f.ctx, et), store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		f := setup(t, open)
		// Created out of order: event types are listed by name, not by age.
		names := []string{"a.one", "b.two", "c.three", "d.four", "e.five"}
		for _, i := range []int{3, 0, 4, 1, 2} {
			f.eventType(names[i])
		}
		checkPaging(t, "EventTypeList", names, func(p store.Page) ([]string, error) {
			return f.eventTypeNames(store.EventTypeListParams{Page: p})
		})
	})

	t.Run("ListFlagsSeen", func(t *testing.T) {
		f := setup(t, open)
		f.eventType("open")
		f.eventType("beta.thing", func(et *webhook.EventType) { et.FeatureFlag = "beta" })
		f.eventType("gamma.thing", func(et *webhook.EventType) { et.FeatureFlag = "gamma" })
		for _, tt := range []struct {
			seen *[]string
			want []string
		}{
			{nil, []string{"beta.thing", "gamma.thing", "open"}},
			{&[]string{}, []string{"open"}},
			{&[]string{"beta"}, []string{"beta.thing", "open"}},
			{&[]string{"beta", "gamma", "delta"}, []string{"beta.thing", "gamma.thing", "open"}},
		} {
			got, err := f.eventTypeNames(store.EventTypeListParams{Page: store.Page{Limit: 10, Order: store.Ascending}, FlagsSeen: tt.seen})
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("EventTypeList(FlagsSeen: %v) = %v, %v; want %v", tt.seen, got, err, tt.want)
			}
		}
	})
}
