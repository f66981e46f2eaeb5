package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointList is a fixed set of endpoints, as the store would list them.
type endpointList []webhook.Endpoint

func (l endpointList) EndpointList(_ context.Context, p store.EndpointListParams) ([]webhook.Endpoint, error) {
	return l, nil
}

// BenchmarkRoute measures the fan-out lookup on the ingest path: one app
// with K endpoints, half of them subscribed to the message's event type.
func BenchmarkRoute(b *testing.B) {
	for _, k := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("endpoints=%d", k), func(b *testing.B) {
			now := time.Now()
			var eps endpointList
			for i := range k {
				types := []string{"user.created"}
				if i%2 == 1 {
					types = []string{"invoice.paid"}
				}
				eps = append(eps, webhook.Endpoint{
					ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: "app_1", URL: "https://example.com/hook",
					Version: 1, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", FilterTypes: types,
					CreatedAt: now, UpdatedAt: now,
				})
			}
			x := delivery.NewIndex(eps, time.Now)
			ctx := context.Background()
			want := (k + 1) / 2
			b.ReportAllocs()
			for b.Loop() {
				ts, err := x.Route(ctx, "app_1", "user.created", nil, "")
				if err != nil || len(ts) != want {
					b.Fatalf("Route = %d targets, %v; want %d", len(ts), err, want)
				}
			}
		})
	}
}
