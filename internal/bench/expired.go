package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// ExpiredStore is what SeedExpired writes through.
type ExpiredStore interface {
	AppCreate(ctx context.Context, p store.AppCreateParams) error
	EndpointCreate(ctx context.Context, p store.EndpointCreateParams) error
	MessageCreateBatch(ctx context.Context, items []store.MessageCreate) ([]error, error)
	DeliveryRecordBatch(ctx context.Context, outcomes []store.Outcome) ([]bool, error)
}

// expiredBatch is how many messages one SeedExpired transaction writes.
const expiredBatch = 500

// SeedExpired writes n finished messages created at at, each of
// payloadBytes with one succeeded delivery and its attempt (a 200 with a
// short body), to an app and endpoint of their own: the history a
// retention purge finds once at is past it. It prints progress to
// progress (nil: none).
func SeedExpired(ctx context.Context, st ExpiredStore, n, payloadBytes int, at time.Time, progress io.Writer) error {
	appID, epID := webhook.NewID(webhook.PrefixApp, at), webhook.NewID(webhook.PrefixEndpoint, at)
	if err := st.AppCreate(ctx, store.AppCreateParams{App: webhook.App{ID: appID, Name: "hookline bench: expired history", CreatedAt: at, UpdatedAt: at}}); err != nil {
		return fmt.Errorf("seed expired: %w", err)
	}
	ep := webhook.Endpoint{ID: epID, AppID: appID, URL: "https://example.com/", Version: 1, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: at, UpdatedAt: at}
	if err := st.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
		return fmt.Errorf("seed expired: %w", err)
	}
	payload := []byte(`{"pad":"` + strings.Repeat("x", max(payloadBytes-10, 0)) + `"}`)
	items := make([]store.MessageCreate, 0, expiredBatch)
	outs := make([]store.Outcome, 0, expiredBatch)
	for done := 0; done < n; {
		items, outs = items[:0], outs[:0]
		for j := 0; j < expiredBatch && done+j < n; j++ {
			created := at.Add(time.Duration(done+j) * time.Millisecond / 10)
			id := webhook.NewID(webhook.PrefixMessage, created)
			items = append(items, store.MessageCreate{
				Message:    webhook.Message{ID: id, AppID: appID, EventType: "bench.expired", Payload: payload, CreatedAt: created},
				Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: epID, AppID: appID, Status: webhook.StatusPending, NextAttemptAt: &created, CreatedAt: created, UpdatedAt: created}},
				Lease:      store.Lease{Owner: "bench-seed", Token: 1, ExpiresAt: created.Add(time.Minute)},
			})
			outs = append(outs, store.Outcome{Token: 1, Status: webhook.StatusSuccess, Attempt: webhook.Attempt{
				ID: webhook.NewID(webhook.PrefixAttempt, created), MsgID: id, EndpointID: epID, AppID: appID,
				URL: ep.URL, Status: webhook.StatusSuccess, ResponseStatusCode: 200, Response: `{"ok":true}`,
				ResponseDurationMs: 3, TriggerType: webhook.TriggerScheduled, CreatedAt: created,
			}})
		}
		errs, err := st.MessageCreateBatch(ctx, items)
		if err == nil {
			for _, e := range errs {
				if e != nil {
					err = e
					break
				}
			}
		}
		if err == nil {
			_, err = st.DeliveryRecordBatch(ctx, outs)
		}
		if err != nil {
			return fmt.Errorf("seed expired: %w", err)
		}
		done += len(items)
		if progress != nil && (done%100_000 == 0 || done == n) {
			fmt.Fprintf(progress, "expired history: %d of %d messages written\n", done, n)
		}
	}
	return nil
}
