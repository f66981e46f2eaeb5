package storetest

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// source creates a source with every field set, after applying mods; its
// ingest token is "hkin_" and its ID.
func (f *fixture) source(mods ...func(*inbound.Source)) inbound.Source {
	f.t.Helper()
	at := f.tick()
	id := webhook.NewID(webhook.PrefixSource, at)
	src := inbound.Source{
		ID:        id,
		Name:      "Stripe live",
		TokenHash: webhook.HashToken("hkin_" + id),
		Verify: verify.Config{Scheme: verify.SchemeStripe, Secret: "whsec_stripe_signing_secret",
			PreviousSecrets: []string{"whsec_older_one"}, Tolerance: verify.Duration(10 * time.Minute)},
		Response:  inbound.Response{Status: 200, Body: `{"ok":true}`, ContentType: "application/json"},
		Methods:   []string{"POST", "PUT"},
		BodyLimit: 2 << 20,
		RateLimit: 50,
		Forward: inbound.Forward{App: &inbound.ForwardApp{
			AppID: webhook.NewID(webhook.PrefixApp, at), EventTypeField: "type",
		}},
		CreatedAt: at,
		UpdatedAt: at,
	}
	for _, m := range mods {
		m(&src)
	}
	f.must(f.s.SourceCreate(f.ctx, src), fmt.Sprintf("SourceCreate(%q)", src.ID))
	return src
}

// inboundRequest builds a verified request of sourceID received at, with a
// body that is not UTF-8 and holds NUL bytes: it must come back exactly.
func (f *fixture) inboundRequest(sourceID string, at time.Time, deliveryID string) inbound.Request {
	return inbound.Request{
		ID:       webhook.NewID(webhook.PrefixInboundRequest, at),
		SourceID: sourceID,
		Method:   "POST",
		Path:     "/stripe/events",
		Query:    "a=1&b=%20",
		Header: http.Header{
			"Content-Type":     {"application/json"},
			"Stripe-Signature": {"t=1,v1=abc"},
			"X-Twice":          {"one", "two"},
		},
		Body:       []byte("{\"id\":\"evt_1\"}\x00\xff\xfe"),
		RemoteAddr: "203.0.113.7:51234",
		Verified:   true,
		DeliveryID: deliveryID,
		ReceivedAt: at,
	}
}

func testSources(t *testing.T, open Opener) {
	t.Run("CreateGetUpdateDelete", func(t *testing.T) {
		f := setup(t, open)
		src := f.source()
		plain := f.source(func(s *inbound.Source) {
			s.Verify = verify.Config{Scheme: verify.SchemeNone}
			s.Forward = inbound.Forward{Destinations: []inbound.Destination{{URL: "https://a.example/x", Headers: []string{"X-Github-Event"}}}}
		})
		for _, want := range []inbound.Source{src, plain} {
			got, err := f.s.SourceGet(f.ctx, want.ID)
			if err != nil {
				t.Fatalf("SourceGet(%q): %v", want.ID, err)
			}
			if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
				t.Errorf("SourceGet(%q) mismatch (-want +got):\n%s", want.ID, diff)
			}
			got, err = f.s.SourceGetByTokenHash(f.ctx, want.TokenHash)
			if err != nil || got.ID != want.ID {
				t.Errorf("SourceGetByTokenHash(%x) = %q, %v; want %q", want.TokenHash, got.ID, err, want.ID)
			}
		}
		_, err := f.s.SourceGetByTokenHash(f.ctx, webhook.HashToken("hkin_unknown"))
		wantErr(t, "SourceGetByTokenHash(unknown)", err, store.ErrNotFound)
		_, err = f.s.SourceGet(f.ctx, f.missing(webhook.PrefixSource))
		wantErr(t, "SourceGet(missing)", err, store.ErrNotFound)
		dup := src
		dup.ID = f.id(webhook.PrefixSource)
		wantErr(t, "SourceCreate(same token hash, new ID)", f.s.SourceCreate(f.ctx, dup), store.ErrConflict)

		// An update writes the settings, never the token hash or the
		// creation time: a rotation is SourceTokenSet's.
		upd := src
		upd.Name, upd.RateLimit = "Stripe test", 0
		upd.Verify = verify.Config{Scheme: verify.SchemeHMAC, Secret: "rotated", Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"}
		upd.Response = inbound.Response{Status: 204, ContentType: "text/plain"}
		upd.Forward = inbound.Forward{}
		upd.UpdatedAt = f.at(time.Minute)
		stale := upd
		stale.TokenHash, stale.CreatedAt = webhook.HashToken("hkin_other"), f.at(time.Hour)
		f.must(f.s.SourceUpdate(f.ctx, stale), "SourceUpdate")
		got, err := f.s.SourceGet(f.ctx, src.ID)
		f.must(err, "SourceGet after update")
		if diff := cmp.Diff(upd, got, diffOpts()); diff != "" {
			t.Errorf("SourceGet after SourceUpdate mismatch (-want +got):\n%s", diff)
		}
		missing := upd
		missing.ID = f.missing(webhook.PrefixSource)
		wantErr(t, "SourceUpdate(missing)", f.s.SourceUpdate(f.ctx, missing), store.ErrNotFound)

		// A rotation: the old hash finds nothing at once.
		newHash := webhook.HashToken("hkin_rotated")
		f.must(f.s.SourceTokenSet(f.ctx, store.SourceTokenSetParams{ID: src.ID, Hash: newHash, UpdatedAt: f.at(2 * time.Minute)}), "SourceTokenSet")
		_, err = f.s.SourceGetByTokenHash(f.ctx, src.TokenHash)
		wantErr(t, "SourceGetByTokenHash(old token after rotation)", err, store.ErrNotFound)
		got, err = f.s.SourceGetByTokenHash(f.ctx, newHash)
		if err != nil || got.ID != src.ID || !got.UpdatedAt.Equal(f.at(2*time.Minute)) {
			t.Errorf("SourceGetByTokenHash(new token) = %q updated %v, %v; want %q updated %v", got.ID, got.UpdatedAt, err, src.ID, f.at(2*time.Minute))
		}
		wantErr(t, "SourceTokenSet(another source's hash)",
			f.s.SourceTokenSet(f.ctx, store.SourceTokenSetParams{ID: plain.ID, Hash: newHash, UpdatedAt: f.t0}), store.ErrConflict)
		wantErr(t, "SourceTokenSet(missing)",
			f.s.SourceTokenSet(f.ctx, store.SourceTokenSetParams{ID: missing.ID, Hash: webhook.HashToken("x"), UpdatedAt: f.t0}), store.ErrNotFound)

		// Deleting a source deletes what it received.
		req := f.inboundRequest(src.ID, f.t0, "evt_1")
		f.must(f.s.InboundRequestCreate(f.ctx, req), "InboundRequestCreate")
		f.must(f.s.SourceDelete(f.ctx, src.ID), "SourceDelete")
		_, err = f.s.SourceGet(f.ctx, src.ID)
		wantErr(t, "SourceGet(deleted)", err, store.ErrNotFound)
		_, err = f.s.InboundRequestGet(f.ctx, src.ID, req.ID)
		wantErr(t, "InboundRequestGet(of a deleted source)", err, store.ErrNotFound)
		wantErr(t, "SourceDelete(deleted)", f.s.SourceDelete(f.ctx, src.ID), store.ErrNotFound)
		if _, err := f.s.SourceGet(f.ctx, plain.ID); err != nil {
			t.Errorf("SourceGet(other source) after deleting one: %v", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		f := setup(t, open)
		var keys []string
		for range 6 {
			keys = append(keys, f.source().ID)
		}
		checkPaging(t, "SourceList", keys, func(p store.Page) ([]string, error) {
			srcs, err := f.s.SourceList(f.ctx, store.SourceListParams{Page: p})
			ids := make([]string, len(srcs))
			for i, s := range srcs {
				ids[i] = s.ID
			}
			return ids, err
		})
	})

	t.Run("Requests", func(t *testing.T) {
		f := setup(t, open)
		src, other := f.source(), f.source()
		var keys []string
		var reqs []inbound.Request
		for i := range 6 {
			req := f.inboundRequest(src.ID, f.at(time.Duration(i)*time.Second), fmt.Sprintf("evt_%d", i))
			if i == 2 {
				// A request that failed verification, without a body.
				req.Verified, req.Reason, req.Body, req.Header = false, "no Stripe-Signature header", nil, nil
			}
			f.must(f.s.InboundRequestCreate(f.ctx, req), fmt.Sprintf("InboundRequestCreate(%d)", i))
			keys, reqs = append(keys, req.ID), append(reqs, req)
		}
		f.must(f.s.InboundRequestCreate(f.ctx, f.inboundRequest(other.ID, f.t0, "evt_0")), "InboundRequestCreate(other source, same delivery ID)")

		for _, want := range reqs {
			got, err := f.s.InboundRequestGet(f.ctx, src.ID, want.ID)
			if err != nil {
				t.Fatalf("InboundRequestGet(%q): %v", want.ID, err)
			}
			if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
				t.Errorf("InboundRequestGet(%q) mismatch (-want +got):\n%s", want.ID, diff)
			}
		}
		_, err := f.s.InboundRequestGet(f.ctx, other.ID, reqs[0].ID)
		wantErr(t, "InboundRequestGet(another source's request)", err, store.ErrNotFound)

		checkPaging(t, "InboundRequestList", keys, func(p store.Page) ([]string, error) {
			rs, err := f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, Page: p})
			ids := make([]string, len(rs))
			for i, r := range rs {
				ids[i] = r.ID
				if r.Body != nil {
					t.Errorf("InboundRequestList(WithBody false) read body %q of %s", r.Body, r.ID)
				}
			}
			return ids, err
		})
		rs, err := f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, Page: store.Page{Limit: 1}, WithBody: true})
		f.must(err, "InboundRequestList(WithBody)")
		if diff := cmp.Diff(reqs[len(reqs)-1:], rs, diffOpts()); diff != "" {
			t.Errorf("InboundRequestList(WithBody, Limit 1) is not the newest request (-want +got):\n%s", diff)
		}
		rs, err = f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, Page: store.Page{Limit: 10}, DeliveryID: "evt_4"})
		if err != nil || len(rs) != 1 || rs[0].ID != keys[4] {
			t.Errorf("InboundRequestList(DeliveryID evt_4) = %v, %v; want %s", rs, err, keys[4])
		}

		wantErr(t, "InboundRequestCreate(missing source)",
			f.s.InboundRequestCreate(f.ctx, f.inboundRequest(f.missing(webhook.PrefixSource), f.t0, "")), store.ErrNotFound)
	})

	t.Run("Purge", func(t *testing.T) {
		f := setup(t, open)
		a, b := f.source(), f.source()
		for i := range 5 {
			for _, src := range []inbound.Source{a, b} {
				req := f.inboundRequest(src.ID, f.at(time.Duration(i)*time.Minute), "")
				f.must(f.s.InboundRequestCreate(f.ctx, req), "InboundRequestCreate")
			}
		}
		// Before minute 3: six requests of both sources, purged 4 then 2.
		p := store.InboundRequestPurgeParams{Before: f.at(3 * time.Minute), Limit: 4}
		for _, want := range []int{4, 2, 0} {
			n, err := f.s.InboundRequestPurge(f.ctx, p)
			if err != nil || n != want {
				t.Errorf("InboundRequestPurge(before minute 3, limit 4) = %d, %v; want %d", n, err, want)
			}
		}
		for _, src := range []inbound.Source{a, b} {
			rs, err := f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, Page: store.Page{Limit: 10, Order: store.Ascending}})
			if err != nil || len(rs) != 2 || !rs[0].ReceivedAt.Equal(f.at(3*time.Minute)) {
				t.Errorf("InboundRequestList(%s) after the purge = %d requests (%v), want the 2 of minutes 3 and 4", src.ID, len(rs), err)
			}
		}
	})

	t.Run("DuplicateDelivery", func(t *testing.T) {
		f := setup(t, open)
		src := f.source()
		first := f.inboundRequest(src.ID, f.t0, "evt_1")
		f.must(f.s.InboundRequestCreate(f.ctx, first), "InboundRequestCreate(first)")
		retry := f.inboundRequest(src.ID, f.at(time.Second), "evt_1")
		err := f.s.InboundRequestCreate(f.ctx, retry)
		if !errors.Is(err, store.ErrDuplicate) || !errors.Is(err, store.ErrConflict) {
			t.Errorf("InboundRequestCreate(verified retry of evt_1) = %v, want ErrDuplicate and ErrConflict", err)
		}
		// Anyone can send a request naming evt_2 that fails verification:
		// it must not keep the real delivery out, and is kept itself.
		forged := f.inboundRequest(src.ID, f.at(2*time.Second), "evt_2")
		forged.Verified, forged.Reason = false, "signature does not match the body"
		f.must(f.s.InboundRequestCreate(f.ctx, forged), "InboundRequestCreate(failed evt_2)")
		f.must(f.s.InboundRequestCreate(f.ctx, forged2(forged, f.at(3*time.Second))), "InboundRequestCreate(failed evt_2 again)")
		f.must(f.s.InboundRequestCreate(f.ctx, f.inboundRequest(src.ID, f.at(4*time.Second), "evt_2")), "InboundRequestCreate(verified evt_2 after failed ones)")
		// Requests without a delivery ID never clash.
		for i := range 2 {
			f.must(f.s.InboundRequestCreate(f.ctx, f.inboundRequest(src.ID, f.at(time.Duration(5+i)*time.Second), "")), "InboundRequestCreate(no delivery ID)")
		}
		rs, err := f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, Page: store.Page{Limit: 50}})
		if err != nil || len(rs) != 6 {
			t.Errorf("InboundRequestList = %d requests, %v; want 6 (the retry not kept)", len(rs), err)
		}
	})

	t.Run("WithMessage", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		e := f.endpoint(a.ID)
		src := f.source()

		// A forged request naming evt_1 comes first, and fails.
		forged := f.inboundRequest(src.ID, f.at(-time.Second), "evt_1")
		forged.Verified, forged.Reason = false, "signature does not match the body"
		f.must(f.s.InboundRequestCreate(f.ctx, forged), "InboundRequestCreate(forged evt_1)")

		// A request and the message it causes commit together.
		mc := f.newMessage(a.ID, "invoice.paid", f.t0, e)
		req := f.inboundRequest(src.ID, f.t0, "evt_1")
		req.MessageIDs = []string{mc.Message.ID}
		mc.Inbound = &req
		f.ingest(mc)
		got, err := f.s.InboundRequestGet(f.ctx, src.ID, req.ID)
		f.must(err, "InboundRequestGet(stored with its message)")
		if diff := cmp.Diff(req, got, diffOpts()); diff != "" {
			t.Errorf("InboundRequestGet mismatch (-want +got):\n%s", diff)
		}
		if _, ok := f.findDelivery(a.ID, mc.Message.ID, e.ID); !ok {
			t.Errorf("message %s of the request has no delivery", mc.Message.ID)
		}

		// The provider's retry in a later batch, beside an unrelated
		// message: it fails alone, with nothing of it written.
		retryMsg := f.newMessage(a.ID, "invoice.paid", f.at(time.Second), e)
		retry := f.inboundRequest(src.ID, f.at(time.Second), "evt_1")
		retry.MessageIDs = []string{retryMsg.Message.ID}
		retryMsg.Inbound = &retry
		plain := f.newMessage(a.ID, "invoice.paid", f.at(2*time.Second), e)
		// And a new delivery of the same source twice in one batch: the
		// first goes in, the second is the duplicate.
		twice := make([]store.MessageCreate, 2)
		twiceReqs := make([]inbound.Request, 2)
		for i := range twice {
			twice[i] = f.newMessage(a.ID, "invoice.paid", f.at(time.Duration(3+i)*time.Second), e)
			twiceReqs[i] = f.inboundRequest(src.ID, f.at(time.Duration(3+i)*time.Second), "evt_2")
			twiceReqs[i].MessageIDs = []string{twice[i].Message.ID}
			twice[i].Inbound = &twiceReqs[i]
		}
		gone := f.newMessage(a.ID, "invoice.paid", f.at(5*time.Second), e)
		goneReq := f.inboundRequest(f.missing(webhook.PrefixSource), f.at(5*time.Second), "")
		gone.Inbound = &goneReq
		items := []store.MessageCreate{retryMsg, plain, twice[0], twice[1], gone}
		errs, err := f.s.MessageCreateBatch(f.ctx, items)
		f.must(err, "MessageCreateBatch")
		for i, want := range []error{store.ErrDuplicate, nil, nil, store.ErrDuplicate, store.ErrNotFound} {
			wantErr(t, fmt.Sprintf("MessageCreateBatch item %d", i), errs[i], want)
		}
		for i, it := range items {
			_, err := f.s.MessageGet(f.ctx, a.ID, it.Message.ID)
			if ok := errs[i] == nil; ok != (err == nil) {
				t.Errorf("MessageGet(item %d) = %v after the item's error %v", i, err, errs[i])
			}
		}
		_, err = f.s.InboundRequestGet(f.ctx, src.ID, retry.ID)
		wantErr(t, "InboundRequestGet(the retry)", err, store.ErrNotFound)

		// The receiver then keeps the retry, to be seen, as a duplicate
		// of the request that first brought the delivery.
		firsts, err := f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, DeliveryID: "evt_1",
			VerifiedOnly: true, Page: store.Page{Limit: 1, Order: store.Ascending}})
		if err != nil || len(firsts) != 1 || firsts[0].ID != req.ID {
			t.Fatalf("InboundRequestList(evt_1, VerifiedOnly, first) = %v, %v; want %s", firsts, err, req.ID)
		}
		retry.DuplicateOf, retry.MessageIDs = firsts[0].ID, nil
		f.must(f.s.InboundRequestCreate(f.ctx, retry), "InboundRequestCreate(the retry, DuplicateOf)")
		got, err = f.s.InboundRequestGet(f.ctx, src.ID, retry.ID)
		if err != nil || got.DuplicateOf != req.ID {
			t.Errorf("InboundRequestGet(the kept retry) = DuplicateOf %q, %v; want %s", got.DuplicateOf, err, req.ID)
		}
		rs, err := f.s.InboundRequestList(f.ctx, store.InboundRequestListParams{SourceID: src.ID, Page: store.Page{Limit: 50}, DeliveryID: "evt_2"})
		if err != nil || len(rs) != 1 || rs[0].ID != twiceReqs[0].ID {
			t.Errorf("InboundRequestList(evt_2) = %v, %v; want only %s", rs, err, twiceReqs[0].ID)
		}
	})
}

// forged2 is another request like forged, received at at.
func forged2(forged inbound.Request, at time.Time) inbound.Request {
	forged.ID = webhook.NewID(webhook.PrefixInboundRequest, at)
	forged.ReceivedAt = at
	return forged
}

// testSourceSecrets checks that a source's secret is sealed with the
// store's key (RunSecrets): it reads back with the key, and without it or
// with another key the source is refused with store.ErrEncryptionKey,
// which only a sealed column can cause.
func testSourceSecrets(t *testing.T, b SecretsBackend, k1, k2 *seal.Key) {
	t.Run("Source", func(t *testing.T) {
		// The source conformance tests, with every secret sealed.
		testSources(t, func(t *testing.T) store.Store { return openSecrets(t, b, b.Fresh(t), k1) })
	})
	t.Run("SourceSealedAtRest", func(t *testing.T) {
		t.Parallel()
		db := b.Fresh(t)
		s := openSecrets(t, b, db, k1)
		at := T0
		src := inbound.Source{ID: webhook.NewID(webhook.PrefixSource, at), Name: "GitHub", TokenHash: webhook.HashToken("hkin_sealed"),
			Verify: verify.Config{Scheme: verify.SchemeGitHub, Secret: "github-webhook-secret-4711"}, CreatedAt: at, UpdatedAt: at}
		src = src.WithDefaults()
		if err := s.SourceCreate(t.Context(), src); err != nil {
			t.Fatalf("SourceCreate: %v", err)
		}
		s.Close()
		for _, tc := range []struct {
			name string
			key  *seal.Key
		}{{"no key", nil}, {"another key", k2}} {
			s := openSecrets(t, b, db, tc.key)
			_, err := s.SourceGet(t.Context(), src.ID)
			wantErr(t, tc.name+": SourceGet", err, store.ErrEncryptionKey)
			_, err = s.SourceGetByTokenHash(t.Context(), src.TokenHash)
			wantErr(t, tc.name+": SourceGetByTokenHash", err, store.ErrEncryptionKey)
			s.Close()
		}
		s = openSecrets(t, b, db, k1)
		got, err := s.SourceGet(t.Context(), src.ID)
		if err != nil || got.Verify.Secret != src.Verify.Secret {
			t.Errorf("SourceGet with the key = secret %q, %v; want %q", got.Verify.Secret, err, src.Verify.Secret)
		}
	})
	t.Run("SourceSealExisting", func(t *testing.T) {
		t.Parallel()
		db := b.Fresh(t)
		plain := openSecrets(t, b, db, nil)
		srcs := make([]inbound.Source, 3)
		for i := range srcs {
			at := T0.Add(time.Duration(i) * time.Millisecond)
			srcs[i] = inbound.Source{ID: webhook.NewID(webhook.PrefixSource, at), Name: "s", TokenHash: webhook.HashToken(fmt.Sprint("hkin_", i)),
				Verify: verify.Config{Scheme: verify.SchemeGitHub, Secret: fmt.Sprint("secret-", i), PreviousSecrets: []string{"older"}}, CreatedAt: at, UpdatedAt: at}.WithDefaults()
			if i == 2 {
				srcs[i].Verify = verify.Config{Scheme: verify.SchemeNone} // no secret: nothing to seal
			}
			if err := plain.SourceCreate(t.Context(), srcs[i]); err != nil {
				t.Fatalf("SourceCreate: %v", err)
			}
		}
		wantErr(t, "SourceSecretsCheck() without a key on a plain database", plain.SourceSecretsCheck(t.Context()), nil)
		if n, err := plain.SourceSecretsSeal(t.Context()); err != nil || n != 0 {
			t.Errorf("SourceSecretsSeal() without a key = %d, %v; want 0", n, err)
		}
		plain.Close()

		s := openSecrets(t, b, db, k1)
		if n, err := s.SourceSecretsSeal(t.Context()); err != nil || n != 2 {
			t.Fatalf("SourceSecretsSeal() = %d, %v; want 2", n, err)
		}
		if n, err := s.SourceSecretsSeal(t.Context()); err != nil || n != 0 {
			t.Errorf("SourceSecretsSeal() again = %d, %v; want 0", n, err)
		}
		wantErr(t, "SourceSecretsCheck() with the key", s.SourceSecretsCheck(t.Context()), nil)
		for _, want := range srcs {
			got, err := s.SourceGet(t.Context(), want.ID)
			if err != nil || got.Verify.Secret != want.Verify.Secret || len(got.Verify.PreviousSecrets) != len(want.Verify.PreviousSecrets) {
				t.Errorf("SourceGet(%s) after sealing = %+v, %v; want secret %q", want.ID, got.Verify, err, want.Verify.Secret)
			}
		}
		s.Close()
		for _, tc := range []struct {
			name  string
			key   *seal.Key
			wrong bool
		}{{"no key", nil, false}, {"another key", k2, true}} {
			s := openSecrets(t, b, db, tc.key)
			err := s.SourceSecretsCheck(t.Context())
			if !errors.Is(err, store.ErrEncryptionKey) || errors.Is(err, seal.ErrWrongKey) != tc.wrong {
				t.Errorf("%s: SourceSecretsCheck() = %v, want ErrEncryptionKey (wrong key: %v)", tc.name, err, tc.wrong)
			}
			_, err = s.SourceGet(t.Context(), srcs[0].ID)
			wantErr(t, tc.name+": SourceGet(sealed)", err, store.ErrEncryptionKey)
			s.Close()
		}
	})
}
