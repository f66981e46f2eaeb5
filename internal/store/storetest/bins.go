package storetest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func testBins(t *testing.T, open Opener) {
	t.Run("RoundTrip", func(t *testing.T) { testBinRoundTrip(t, open) })
	t.Run("CaptureExactBytes", func(t *testing.T) { testCaptureExactBytes(t, open) })
	t.Run("CaptureSearch", func(t *testing.T) { testCaptureSearch(t, open) })
	t.Run("CaptureTrimAndPurge", func(t *testing.T) { testCaptureTrimAndPurge(t, open) })
}

// bin creates a bin with every field set, after applying mods.
func (f *fixture) bin(mods ...func(*inspector.Bin)) inspector.Bin {
	f.t.Helper()
	at := f.tick()
	b := inspector.NewBin(webhook.NewID(webhook.PrefixBin, at), at)
	_, b.TokenHash = inspector.NewToken()
	b.Name = "stripe test"
	b.Response = inspector.Response{Status: 201, Header: map[string]string{"X-Bin": "yes"}, Body: []byte("ok\x00"), Delay: 1500 * time.Millisecond}
	b.Keep, b.Retention = 20, 48*time.Hour
	for _, m := range mods {
		m(&b)
	}
	f.must(f.s.BinCreate(f.ctx, b), fmt.Sprintf("BinCreate(%q)", b.ID))
	return b
}

// capture stores a capture of binID received at at, after mods.
func (f *fixture) capture(binID string, at time.Time, mods ...func(*inspector.Capture)) inspector.Capture {
	f.t.Helper()
	body := []byte(`{"type":"invoice.paid"}`)
	c := inspector.Capture{
		ID: webhook.NewID(webhook.PrefixCapture, at), BinID: binID, Method: "POST", Path: "/hooks/stripe", Query: "a=1&b=2",
		Header:     http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {"t=1,v1=abc"}, "Host": {"example.com"}},
		Body:       body,
		BodySize:   len(body),
		RemoteAddr: "192.0.2.7:5123", ReceivedAt: at,
	}
	for _, m := range mods {
		m(&c)
	}
	c.BodySize = len(c.Body)
	f.must(f.s.CaptureCreate(f.ctx, store.CaptureCreateParams{Capture: c}), fmt.Sprintf("CaptureCreate(%q)", c.ID))
	return c
}

func testBinRoundTrip(t *testing.T, open Opener) {
	f := setup(t, open)
	b := f.bin()
	got, err := f.s.BinGet(f.ctx, b.ID)
	f.must(err, "BinGet")
	if diff := cmp.Diff(b, got, diffOpts()); diff != "" {
		t.Errorf("BinGet(%q) differs (-want +got):\n%s", b.ID, diff)
	}
	got, err = f.s.BinGetByTokenHash(f.ctx, b.TokenHash)
	f.must(err, "BinGetByTokenHash")
	if got.ID != b.ID {
		t.Errorf("BinGetByTokenHash = %q, want %q", got.ID, b.ID)
	}
	_, other := inspector.NewToken()
	if _, err := f.s.BinGetByTokenHash(f.ctx, other); !wantErr(t, "BinGetByTokenHash(unknown)", err, store.ErrNotFound) {
		return
	}
	wantErr(t, "BinCreate(same token)", f.s.BinCreate(f.ctx, inspector.Bin{ID: f.id(webhook.PrefixBin), TokenHash: b.TokenHash,
		Response: inspector.Response{Status: 200}, Keep: 1, Retention: time.Hour}), store.ErrConflict)

	// An update writes every field, the token hash too (a rotation).
	b.Name, b.Keep, b.Retention = "renamed", 5, time.Hour
	b.Response = inspector.Response{Status: 503}
	_, b.TokenHash = inspector.NewToken()
	b.UpdatedAt = f.at(time.Minute)
	f.must(f.s.BinUpdate(f.ctx, b), "BinUpdate")
	got, err = f.s.BinGet(f.ctx, b.ID)
	f.must(err, "BinGet after update")
	if diff := cmp.Diff(b, got, diffOpts()); diff != "" {
		t.Errorf("BinGet after BinUpdate differs (-want +got):\n%s", diff)
	}
	missing := b
	missing.ID = f.missing(webhook.PrefixBin)
	wantErr(t, "BinUpdate(missing)", f.s.BinUpdate(f.ctx, missing), store.ErrNotFound)

	b2 := f.bin()
	list, err := f.s.BinList(f.ctx, store.BinListParams{Page: store.Page{Limit: 10, Order: store.Ascending}})
	f.must(err, "BinList")
	if len(list) != 2 || list[0].ID != b.ID || list[1].ID != b2.ID {
		t.Errorf("BinList = %d bins, want [%s %s]", len(list), b.ID, b2.ID)
	}

	c := f.capture(b.ID, f.at(0))
	f.must(f.s.BinDelete(f.ctx, b.ID), "BinDelete")
	wantErr(t, "BinDelete again", f.s.BinDelete(f.ctx, b.ID), store.ErrNotFound)
	_, err = f.s.CaptureGet(f.ctx, b.ID, c.ID)
	wantErr(t, "CaptureGet after BinDelete", err, store.ErrNotFound)
	err = f.s.CaptureCreate(f.ctx, store.CaptureCreateParams{Capture: inspector.Capture{ID: f.id(webhook.PrefixCapture), BinID: b.ID, Method: "GET", ReceivedAt: f.at(0)}})
	wantErr(t, "CaptureCreate(deleted bin)", err, store.ErrNotFound)
}

func testCaptureExactBytes(t *testing.T, open Opener) {
	f := setup(t, open)
	b := f.bin()
	raw := []byte{0x00, 0xff, 0xfe, 'a', 0x00, 0xc3, 0x28, '\n', 0x80}
	c := f.capture(b.ID, f.at(0), func(c *inspector.Capture) {
		c.Body = raw
		c.Header = http.Header{"X-Multi": {"one", "two"}, "X-Html": {"<b>&</b>"}}
	})
	got, err := f.s.CaptureGet(f.ctx, b.ID, c.ID)
	f.must(err, "CaptureGet")
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("CaptureGet(%q) differs (-want +got):\n%s", c.ID, diff)
	}
	// Without bodies a list still says how long each is.
	list, err := f.s.CaptureList(f.ctx, store.CaptureListParams{BinID: b.ID, Page: store.Page{Limit: 5}})
	f.must(err, "CaptureList")
	if len(list) != 1 || list[0].Body != nil || list[0].BodySize != len(raw) {
		t.Errorf("CaptureList without bodies = %+v, want one capture with no body and BodySize %d", list, len(raw))
	}
	empty := f.capture(b.ID, f.at(time.Second), func(c *inspector.Capture) { c.Body = nil })
	got, err = f.s.CaptureGet(f.ctx, b.ID, empty.ID)
	f.must(err, "CaptureGet(empty)")
	if len(got.Body) != 0 || got.BodySize != 0 {
		t.Errorf("CaptureGet(empty body) = %q (%d), want nothing", got.Body, got.BodySize)
	}
	other := f.bin()
	_, err = f.s.CaptureGet(f.ctx, other.ID, c.ID)
	wantErr(t, "CaptureGet(another bin's capture)", err, store.ErrNotFound)
}

func testCaptureSearch(t *testing.T, open Opener) {
	f := setup(t, open)
	b := f.bin()
	a := f.capture(b.ID, f.at(0))
	g := f.capture(b.ID, f.at(time.Second), func(c *inspector.Capture) {
		c.Method, c.Path, c.Query = "GET", "/health", ""
		c.Header = http.Header{"X-GitHub-Event": {"Push"}}
		c.Body = []byte("binary\x00needle\xff")
	})
	p := f.capture(b.ID, f.at(2*time.Second), func(c *inspector.Capture) { c.Method = "PUT"; c.Path = "" })
	f.capture(f.bin().ID, f.at(3*time.Second)) // another bin's: never listed

	cases := []struct {
		name string
		p    store.CaptureListParams
		want []inspector.Capture
	}{
		{"all, newest first", store.CaptureListParams{}, []inspector.Capture{p, g, a}},
		{"method", store.CaptureListParams{Method: "GET"}, []inspector.Capture{g}},
		{"path", store.CaptureListParams{Path: "stripe"}, []inspector.Capture{a}},
		{"header name, any case", store.CaptureListParams{Text: "x-github-event"}, []inspector.Capture{g}},
		{"header value, any case", store.CaptureListParams{Text: "push"}, []inspector.Capture{g}},
		{"body bytes with a NUL", store.CaptureListParams{Text: "\x00needle\xff"}, []inspector.Capture{g}},
		{"body text", store.CaptureListParams{Text: "invoice.paid"}, []inspector.Capture{p, a}},
		{"no match", store.CaptureListParams{Text: "nothing-like-this"}, nil},
		{"since", store.CaptureListParams{Since: f.at(time.Second)}, []inspector.Capture{p, g}},
		{"until", store.CaptureListParams{Until: f.at(time.Second)}, []inspector.Capture{a}},
	}
	for _, tc := range cases {
		tc.p.BinID = b.ID
		tc.p.Page = store.Page{Limit: 10}
		got, err := f.s.CaptureList(f.ctx, tc.p)
		f.must(err, "CaptureList "+tc.name)
		if diff := cmp.Diff(ids(tc.want), ids(got), diffOpts()); diff != "" {
			t.Errorf("CaptureList(%s) (-want +got):\n%s", tc.name, diff)
		}
	}
	// Paging by ID walks on from the iterator.
	page, err := f.s.CaptureList(f.ctx, store.CaptureListParams{BinID: b.ID, Page: store.Page{Limit: 1, After: g.ID}})
	f.must(err, "CaptureList after")
	if diff := cmp.Diff([]string{a.ID}, ids(page)); diff != "" {
		t.Errorf("CaptureList(after %s) (-want +got):\n%s", g.ID, diff)
	}
	page, err = f.s.CaptureList(f.ctx, store.CaptureListParams{BinID: b.ID, WithBody: true, Page: store.Page{Limit: 5, After: a.ID, Order: store.Ascending}})
	f.must(err, "CaptureList ascending with bodies")
	if len(page) != 2 || page[0].ID != g.ID || string(page[0].Body) != string(g.Body) {
		t.Errorf("CaptureList(ascending after %s, bodies) = %v, want [%s %s] with bodies", a.ID, ids(page), g.ID, p.ID)
	}
}

func ids(cs []inspector.Capture) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testCaptureTrimAndPurge(t *testing.T, open Opener) {
	f := setup(t, open)
	b := f.bin()
	var all []inspector.Capture
	for i := range 8 {
		all = append(all, f.capture(b.ID, f.at(time.Duration(i)*time.Second)))
	}
	// A capture stored with TrimTo keeps its bin to that many.
	last := inspector.Capture{ID: webhook.NewID(webhook.PrefixCapture, f.at(10*time.Second)), BinID: b.ID, Method: "POST", ReceivedAt: f.at(10 * time.Second)}
	f.must(f.s.CaptureCreate(f.ctx, store.CaptureCreateParams{Capture: last, TrimTo: 5}), "CaptureCreate(TrimTo 5)")
	all = append(all, last)
	list := func() []string {
		got, err := f.s.CaptureList(f.ctx, store.CaptureListParams{BinID: b.ID, Page: store.Page{Limit: 50, Order: store.Ascending}})
		f.must(err, "CaptureList")
		return ids(got)
	}
	if diff := cmp.Diff(ids(all[4:]), list()); diff != "" {
		t.Errorf("after CaptureCreate(TrimTo 5) (-want +got):\n%s", diff)
	}
	// Purge by age, bounded by Limit: the oldest go first.
	n, err := f.s.CapturePurge(f.ctx, store.CapturePurgeParams{BinID: b.ID, Before: f.at(7 * time.Second), Limit: 2})
	f.must(err, "CapturePurge(before, limit 2)")
	if n != 2 {
		t.Errorf("CapturePurge(before 7s, limit 2) = %d, want 2", n)
	}
	if diff := cmp.Diff(ids(all[6:]), list()); diff != "" {
		t.Errorf("after CapturePurge(limit 2) (-want +got):\n%s", diff)
	}
	n, err = f.s.CapturePurge(f.ctx, store.CapturePurgeParams{BinID: b.ID, Before: f.at(7 * time.Second), Keep: 2, Limit: 100})
	f.must(err, "CapturePurge(before, keep)")
	if n != 1 {
		t.Errorf("CapturePurge(before 7s, keep 2) = %d, want 1", n)
	}
	if diff := cmp.Diff(ids(all[7:]), list()); diff != "" {
		t.Errorf("after CapturePurge(keep 2) (-want +got):\n%s", diff)
	}
	n, err = f.s.CapturePurge(f.ctx, store.CapturePurgeParams{BinID: b.ID, Keep: 2, Limit: 100})
	f.must(err, "CapturePurge(keep, nothing past it)")
	if n != 0 {
		t.Errorf("CapturePurge(keep 2 of 2) = %d, want 0", n)
	}
}
