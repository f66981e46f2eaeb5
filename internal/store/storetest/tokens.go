package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func testTokens(t *testing.T, open Opener) {
	t.Run("CreateGetRevoke", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		admin := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_admin"), Kind: webhook.TokenCreated, Name: "ci deploys", CreatedAt: f.t0, LastUsedAt: ptr(f.at(time.Minute))}
		portal := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_portal"), AppID: a.ID, Kind: webhook.TokenAppPortal, ExpiresAt: ptr(f.at(time.Hour)), CreatedAt: f.t0, FeatureFlags: []string{"beta", "gamma"}}
		// Expired tokens are still returned: expiry is the caller's check
		// (Token.Expired), so it can tell "expired" from "unknown".
		expired := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_expired"), AppID: a.ID, Kind: webhook.TokenAppPortal, ExpiresAt: ptr(f.at(-time.Hour)), CreatedAt: f.at(-2 * time.Hour)}
		for _, tok := range []webhook.Token{admin, portal, expired} {
			f.must(f.s.TokenCreate(f.ctx, tok), fmt.Sprintf("TokenCreate(%q)", tok.ID))
		}
		for _, want := range []webhook.Token{admin, portal, expired} {
			got, err := f.s.TokenGetByHash(f.ctx, want.Hash)
			if err != nil {
				t.Errorf("TokenGetByHash(%x) error: %v", want.Hash, err)
				continue
			}
			if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
				t.Errorf("TokenGetByHash(%x) mismatch (-want +got):\n%s", want.Hash, diff)
			}
		}
		_, err := f.s.TokenGetByHash(f.ctx, webhook.HashToken("hk_unknown"))
		wantErr(t, "TokenGetByHash(unknown)", err, store.ErrNotFound)
		dup := admin
		dup.ID = f.id(webhook.PrefixToken)
		wantErr(t, "TokenCreate(same hash, new ID)", f.s.TokenCreate(f.ctx, dup), store.ErrConflict)

		n, err := f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{ID: portal.ID})
		if err != nil || n != 1 {
			t.Errorf("TokenRevoke(ID: %q) = %d, %v; want 1, nil", portal.ID, n, err)
		}
		_, err = f.s.TokenGetByHash(f.ctx, portal.Hash)
		wantErr(t, "TokenGetByHash(revoked)", err, store.ErrNotFound)
		_, err = f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{ID: portal.ID})
		wantErr(t, "TokenRevoke(ID: revoked already)", err, store.ErrNotFound)
		_, err = f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{})
		if err == nil {
			t.Errorf("TokenRevoke(no ID, no kinds) = nil, want an error: it must never revoke everything")
		}
		if _, err := f.s.TokenGetByHash(f.ctx, admin.Hash); err != nil {
			t.Errorf("TokenGetByHash(admin) after revoking another token: %v", err)
		}
	})

	t.Run("Expire", func(t *testing.T) {
		f := setup(t, open)
		a, other := f.app(), f.app()
		tok := func(appID string, expires *time.Time) webhook.Token {
			kind := webhook.TokenAppPortal
			if appID == "" {
				kind = webhook.TokenCreated
			}
			tk := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken(f.id("hk_")), AppID: appID, Kind: kind, ExpiresAt: expires, CreatedAt: f.t0}
			f.must(f.s.TokenCreate(f.ctx, tk), "TokenCreate")
			return tk
		}
		late := tok(a.ID, ptr(f.at(24*time.Hour)))
		early := tok(a.ID, ptr(f.at(time.Minute)))
		otherApp := tok(other.ID, ptr(f.at(24*time.Hour)))
		admin := tok("", nil)
		at := f.at(time.Hour)
		n, err := f.s.TokenExpire(f.ctx, store.TokenExpireParams{AppID: a.ID, At: at})
		if err != nil || n != 1 {
			t.Errorf("TokenExpire = %d, %v; want 1 (the later one)", n, err)
		}
		for _, tc := range []struct {
			tok  webhook.Token
			want *time.Time
		}{{late, &at}, {early, early.ExpiresAt}, {otherApp, otherApp.ExpiresAt}, {admin, nil}} {
			got, err := f.s.TokenGetByHash(f.ctx, tc.tok.Hash)
			f.must(err, "TokenGetByHash")
			if (got.ExpiresAt == nil) != (tc.want == nil) || got.ExpiresAt != nil && !got.ExpiresAt.Equal(*tc.want) {
				t.Errorf("token %s expires at %v after TokenExpire, want %v", tc.tok.ID, got.ExpiresAt, tc.want)
			}
		}
	})

	t.Run("RevokeKinds", func(t *testing.T) {
		f := setup(t, open)
		a := f.app()
		tok := func(kind webhook.TokenKind, appID string) webhook.Token {
			id := f.id(webhook.PrefixToken)
			tk := webhook.Token{ID: id, Hash: webhook.HashToken("hk_" + id), AppID: appID, Kind: kind, CreatedAt: f.t0}
			f.must(f.s.TokenCreate(f.ctx, tk), fmt.Sprintf("TokenCreate(%s)", kind))
			return tk
		}
		boot1, boot2 := tok(webhook.TokenBootstrap, ""), tok(webhook.TokenBootstrap, "")
		legacy := tok(webhook.TokenLegacy, "")
		dev := tok(webhook.TokenDev, "")
		created := tok(webhook.TokenCreated, "")
		portal := tok(webhook.TokenAppPortal, a.ID)

		// A new bootstrap token replaces the other bootstrap and legacy
		// ones; dev, created and app-portal tokens stay.
		n, err := f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{Kinds: []webhook.TokenKind{webhook.TokenBootstrap, webhook.TokenLegacy}, KeepID: boot2.ID})
		if err != nil || n != 2 {
			t.Errorf("TokenRevoke(Kinds: bootstrap, legacy; KeepID: the second) = %d, %v; want 2, nil", n, err)
		}
		ids := func() []string {
			toks, err := f.s.TokenList(f.ctx, store.TokenListParams{})
			f.must(err, "TokenList")
			var ids []string
			for _, tk := range toks {
				ids = append(ids, tk.ID)
			}
			return ids
		}
		if got, want := ids(), []string{boot2.ID, dev.ID, created.ID, portal.ID}; !cmp.Equal(got, want) {
			t.Errorf("tokens left = %v, want %v (not %s, %s)", got, want, boot1.ID, legacy.ID)
		}
		// Kinds never reach app-portal tokens, even when named.
		n, err = f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{Kinds: append(webhook.AdminTokenKinds(), webhook.TokenAppPortal)})
		if err != nil || n != 3 {
			t.Errorf("TokenRevoke(Kinds: every kind) = %d, %v; want 3 (the admin tokens), nil", n, err)
		}
		if got, want := ids(), []string{portal.ID}; !cmp.Equal(got, want) {
			t.Errorf("tokens left = %v, want %v", got, want)
		}
		n, err = f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{Kinds: []webhook.TokenKind{webhook.TokenDev}})
		if err != nil || n != 0 {
			t.Errorf("TokenRevoke(Kinds: dev) with none left = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("List", func(t *testing.T) {
		f := setup(t, open)
		if got, err := f.s.TokenList(f.ctx, store.TokenListParams{}); err != nil || len(got) != 0 {
			t.Errorf("TokenList() on an empty store = %v, %v; want none", got, err)
		}
		a := f.app()
		// Made in ID order; listed by ID, whatever their kind or expiry.
		want := []webhook.Token{
			{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_admin"), Kind: webhook.TokenBootstrap, CreatedAt: f.t0},
			{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_expired"), AppID: a.ID, Kind: webhook.TokenAppPortal, ExpiresAt: ptr(f.at(-time.Hour)), CreatedAt: f.at(-2 * time.Hour)},
			{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_portal"), AppID: a.ID, Kind: webhook.TokenAppPortal, ExpiresAt: ptr(f.at(time.Hour)), CreatedAt: f.t0},
			{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_created"), Kind: webhook.TokenCreated, Name: "backup job", ExpiresAt: ptr(f.at(time.Hour)), CreatedAt: f.t0},
		}
		for _, i := range []int{2, 0, 3, 1} {
			f.must(f.s.TokenCreate(f.ctx, want[i]), fmt.Sprintf("TokenCreate(%q)", want[i].ID))
		}
		got, err := f.s.TokenList(f.ctx, store.TokenListParams{})
		f.must(err, "TokenList")
		if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
			t.Errorf("TokenList() mismatch (-want +got):\n%s", diff)
		}
		got, err = f.s.TokenList(f.ctx, store.TokenListParams{AdminOnly: true})
		f.must(err, "TokenList(AdminOnly)")
		if diff := cmp.Diff([]webhook.Token{want[0], want[3]}, got, diffOpts()); diff != "" {
			t.Errorf("TokenList(AdminOnly) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("MarkUsed", func(t *testing.T) {
		f := setup(t, open)
		tok := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_admin"), Kind: webhook.TokenCreated, CreatedAt: f.t0}
		f.must(f.s.TokenCreate(f.ctx, tok), "TokenCreate")
		for _, at := range []time.Time{f.at(time.Minute), f.at(2 * time.Minute)} {
			f.must(f.s.TokenMarkUsed(f.ctx, store.TokenMarkUsedParams{ID: tok.ID, At: at}), "TokenMarkUsed")
			got, err := f.s.TokenGetByHash(f.ctx, tok.Hash)
			f.must(err, "TokenGetByHash")
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(at) {
				t.Errorf("LastUsedAt after TokenMarkUsed(%s) = %v, want %s", at, got.LastUsedAt, at)
			}
		}
		// A token revoked meanwhile: nothing to mark, and no error.
		wantErr(t, "TokenMarkUsed(unknown)", f.s.TokenMarkUsed(f.ctx, store.TokenMarkUsedParams{ID: f.missing(webhook.PrefixToken), At: f.t0}), nil)
	})

	t.Run("AdminExists", func(t *testing.T) {
		f := setup(t, open)
		check := func(when string, want bool) {
			t.Helper()
			if got, err := f.s.TokenAdminExists(f.ctx); err != nil || got != want {
				t.Errorf("TokenAdminExists() %s = %v, %v; want %v", when, got, err, want)
			}
		}
		check("on an empty store", false)
		a := f.app()
		portal := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_portal"), AppID: a.ID, Kind: webhook.TokenAppPortal, CreatedAt: f.t0}
		f.must(f.s.TokenCreate(f.ctx, portal), "TokenCreate(portal)")
		check("with only an app-portal token", false)
		admin := webhook.Token{ID: f.id(webhook.PrefixToken), Hash: webhook.HashToken("hk_admin"), Kind: webhook.TokenBootstrap, CreatedAt: f.t0}
		f.must(f.s.TokenCreate(f.ctx, admin), "TokenCreate(admin)")
		check("with an admin token", true)
		_, err := f.s.TokenRevoke(f.ctx, store.TokenRevokeParams{ID: admin.ID})
		f.must(err, "TokenRevoke(admin)")
		check("after the admin token was revoked", false)
	})
}

func testIdempotency(t *testing.T, open Opener) {
	t.Run("PutGet", func(t *testing.T) {
		f := setup(t, open)
		rec := store.Idempotency{Key: "admin:resend-1", StatusCode: 202, Body: []byte(`{"b":1,"a":2}`), CreatedAt: f.t0}
		f.must(f.s.IdempotencyPut(f.ctx, rec), "IdempotencyPut")
		got, err := f.s.IdempotencyGet(f.ctx, rec.Key)
		f.must(err, "IdempotencyGet")
		if diff := cmp.Diff(rec, got, diffOpts()); diff != "" {
			t.Errorf("IdempotencyGet(%q) mismatch (-want +got):\n%s", rec.Key, diff)
		}

		again := rec
		again.StatusCode, again.Body = 500, []byte(`{}`)
		wantErr(t, fmt.Sprintf("IdempotencyPut(%q) again", rec.Key), f.s.IdempotencyPut(f.ctx, again), store.ErrIdempotencyKeyUsed)
		if got, err := f.s.IdempotencyGet(f.ctx, rec.Key); err != nil || got.StatusCode != 202 {
			t.Errorf("IdempotencyGet(%q) after a second put = %d, %v; want the first response, 202", rec.Key, got.StatusCode, err)
		}
		_, err = f.s.IdempotencyGet(f.ctx, "admin:unknown")
		wantErr(t, `IdempotencyGet("admin:unknown")`, err, store.ErrNotFound)
	})

	t.Run("WithCreate", func(t *testing.T) {
		// A create's key is stored with what it created; the replay writes
		// nothing.
		f := setup(t, open)
		key := &store.Idempotency{Key: "admin:create-app", StatusCode: 201, Body: []byte(`{"id":"first"}`), CreatedAt: f.t0}
		first := webhook.App{ID: f.id(webhook.PrefixApp), Name: "First", CreatedAt: f.t0, UpdatedAt: f.t0}
		f.must(f.s.AppCreate(f.ctx, store.AppCreateParams{App: first, Idempotency: key}), "AppCreate")
		second := webhook.App{ID: f.id(webhook.PrefixApp), Name: "Second", CreatedAt: f.t0, UpdatedAt: f.t0}
		err := f.s.AppCreate(f.ctx, store.AppCreateParams{App: second, Idempotency: key})
		wantErr(t, "AppCreate(same key)", err, store.ErrIdempotencyKeyUsed)
		_, err = f.s.AppGet(f.ctx, second.ID)
		wantErr(t, "AppGet(the replayed create's app)", err, store.ErrNotFound)
		if got, err := f.s.IdempotencyGet(f.ctx, key.Key); err != nil || string(got.Body) != string(key.Body) {
			t.Errorf("IdempotencyGet(%q) = %q, %v; want %q", key.Key, got.Body, err, key.Body)
		}

		// Likewise for endpoints and event types.
		epKey := &store.Idempotency{Key: "admin:create-ep", StatusCode: 201, Body: []byte(`{}`), CreatedAt: f.t0}
		for i := range 2 {
			ep := webhook.Endpoint{ID: f.id(webhook.PrefixEndpoint), AppID: first.ID, URL: "https://x.example.com/", Version: 1, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: f.t0, UpdatedAt: f.t0}
			var want error
			if i == 1 {
				want = store.ErrIdempotencyKeyUsed
			}
			wantErr(t, fmt.Sprintf("EndpointCreate(same key, try %d)", i+1), f.s.EndpointCreate(f.ctx, store.EndpointCreateParams{Endpoint: ep, Idempotency: epKey}), want)
		}
		etKey := &store.Idempotency{Key: "admin:create-et", StatusCode: 201, Body: []byte(`{}`), CreatedAt: f.t0}
		for i, name := range []string{"a.first", "b.second"} {
			et := webhook.EventType{Name: name, CreatedAt: f.t0, UpdatedAt: f.t0}
			var want error
			if i == 1 {
				want = store.ErrIdempotencyKeyUsed
			}
			wantErr(t, fmt.Sprintf("EventTypeCreate(%q, same key)", name), f.s.EventTypeCreate(f.ctx, store.EventTypeCreateParams{EventType: et, Idempotency: etKey}), want)
		}
		_, err = f.s.EventTypeGet(f.ctx, "b.second")
		wantErr(t, "EventTypeGet(the replayed create's event type)", err, store.ErrNotFound)
	})
}
