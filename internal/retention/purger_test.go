package retention_test

import (
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/retention"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// TestPurgerRunsEveryInterval runs the purger's loop on the bubble's
// clock over a real SQLite store: a pass at Start deletes what is already
// past the retention, a message that ages past it later goes at the next
// pass (a minute apart), and Close ends the loop.
func TestPurgerRunsEveryInterval(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), dir, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		defer st.Close()
		ctx := t.Context()
		now := time.Now()
		if err := st.AppCreate(ctx, store.AppCreateParams{App: webhook.App{ID: "app_1", Name: "a", CreatedAt: now, UpdatedAt: now}}); err != nil {
			t.Fatal(err)
		}
		msg := func(at time.Time) string {
			id := webhook.NewID(webhook.PrefixMessage, at)
			errs, err := st.MessageCreateBatch(ctx, []store.MessageCreate{{Message: webhook.Message{
				ID: id, AppID: "app_1", EventType: "a.b", Payload: []byte(`{}`), CreatedAt: at}}})
			if err == nil {
				err = errs[0]
			}
			if err != nil {
				t.Fatalf("MessageCreateBatch: %v", err)
			}
			return id
		}
		exists := func(id string) bool {
			_, err := st.MessageGet(ctx, "app_1", id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("MessageGet: %v", err)
			}
			return err == nil
		}
		const keep = time.Hour
		old := msg(now.Add(-2 * keep))
		aging := msg(now.Add(-keep + 3*time.Minute)) // past the retention in 3 minutes
		fresh := msg(now)

		// An inbound source's requests go at the server's retention too.
		src := inbound.Source{ID: webhook.NewID(webhook.PrefixSource, now), Name: "s", TokenHash: webhook.HashToken("hkin_s"),
			Response: inbound.Response{Status: 200}, CreatedAt: now, UpdatedAt: now}
		if err := st.SourceCreate(ctx, src); err != nil {
			t.Fatalf("SourceCreate: %v", err)
		}
		request := func(at time.Time) string {
			req := inbound.Request{ID: webhook.NewID(webhook.PrefixInboundRequest, at), SourceID: src.ID, Method: "POST",
				Header: http.Header{}, Body: []byte(`{}`), ReceivedAt: at}
			if err := st.InboundRequestCreate(ctx, req); err != nil {
				t.Fatalf("InboundRequestCreate: %v", err)
			}
			return req.ID
		}
		request(now.Add(-2 * keep))
		freshReq := request(now)

		p := retention.New(retention.Config{Store: st, Retention: keep})
		p.Start()
		defer p.Close()
		time.Sleep(time.Second)
		synctest.Wait()
		if exists(old) || !exists(aging) || !exists(fresh) {
			t.Fatalf("after the first pass: old %v, aging %v, fresh %v; want only old gone", exists(old), exists(aging), exists(fresh))
		}
		if rs, err := st.InboundRequestList(ctx, store.InboundRequestListParams{SourceID: src.ID, Page: store.Page{Limit: 10}}); err != nil || len(rs) != 1 || rs[0].ID != freshReq {
			t.Errorf("inbound requests after the first pass = %d (%v), want only the fresh one", len(rs), err)
		}
		// A pass a minute (an hour's tenth being longer): the message is
		// past the retention 3 minutes in, and goes at the pass after that.
		time.Sleep(150 * time.Second)
		synctest.Wait()
		if !exists(aging) {
			t.Fatal("the aging message went before it was past the retention")
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if exists(aging) || !exists(fresh) {
			t.Fatalf("after the second pass: aging %v, fresh %v; want aging gone, fresh kept", exists(aging), exists(fresh))
		}
		p.Close()
	})
}
