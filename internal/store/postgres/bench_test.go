package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The benchmarks mirror store/sqlite's, so the two backends compare
// directly. They need HOOKLINE_TEST_DATABASE_URL, as the tests do.

// payload256 is a 256-byte JSON payload, the benchmarks' message size.
var payload256 = func() []byte {
	p := []byte(`{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"note":"`)
	for len(p) < 256-3 {
		p = append(p, 'x')
	}
	return append(p, `"}}`...)
}()

// ingest writes n messages of one delivery each to epID, in batches of 64.
func ingest(b *testing.B, s *Store, appID, epID string, n int, prefix string, lease store.Lease) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 64 {
		var items []store.MessageCreate
		for j := i; j < min(i+64, n); j++ {
			mc := msg(appID, epID, fmt.Sprintf("msg_%s%012d", prefix, j), "", payload256)
			mc.Lease = lease
			items = append(items, mc)
		}
		if _, err := s.MessageCreateBatch(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageCreateBatch is the ingest group commit: one transaction
// per batch, each message with one delivery.
func BenchmarkMessageCreateBatch(b *testing.B) {
	for _, size := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := openTest(b, testURL(b))
			appID, epID := seed(b, s)
			ctx := context.Background()
			lease := store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(time.Minute)}
			items := make([]store.MessageCreate, size)
			n := 0
			for b.Loop() {
				for j := range items {
					n++
					id := fmt.Sprintf("msg_%020d", n)
					items[j] = store.MessageCreate{
						Message:    webhook.Message{ID: id, AppID: appID, EventType: "invoice.paid", Payload: payload256, CreatedAt: t0},
						Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: epID, AppID: appID}},
						Lease:      lease,
					}
				}
				errs, err := s.MessageCreateBatch(ctx, items)
				if err != nil || errs[0] != nil {
					b.Fatal(err, errs[0])
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkDeliveryRecordBatch records 64 outcomes per transaction,
// again and again at the same 64 deliveries.
func BenchmarkDeliveryRecordBatch(b *testing.B) {
	s := openTest(b, testURL(b))
	appID, epID := seed(b, s)
	ctx := context.Background()
	ingest(b, s, appID, epID, 64, "r", store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(time.Minute)})
	next := t0.Add(time.Hour)
	outcomes := make([]store.Outcome, 64)
	n := 0
	for b.Loop() {
		for j := range outcomes {
			n++
			outcomes[j] = store.Outcome{
				Attempt: webhook.Attempt{
					ID: fmt.Sprintf("atmpt_%020d", n), MsgID: fmt.Sprintf("msg_r%012d", j), EndpointID: epID,
					AppID: appID, URL: "https://example.com/", Status: webhook.StatusFail, ResponseStatusCode: 500,
					Response: `{"error":"upstream"}`, ResponseDurationMs: 12, CreatedAt: t0,
				},
				Token: 1, Status: webhook.StatusSending, NextAttemptAt: &next,
			}
		}
		applied, err := s.DeliveryRecordBatch(ctx, outcomes)
		if err != nil || !applied[63] {
			b.Fatal(err, applied[63])
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "outcomes/s")
}

// BenchmarkDeliveryClaim claims 64 deliveries per call from a table of
// 10,000 due ones; each round's clock passes the last round's leases, so
// the same rows are claimed again. With inflight, 5,000 rows under live
// leases sit ahead of them in due order.
func BenchmarkDeliveryClaim(b *testing.B) {
	for _, inflight := range []int{0, 5000} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			s := openTest(b, testURL(b))
			appID, epID := seed(b, s)
			ctx := context.Background()
			if inflight > 0 {
				ingest(b, s, appID, epID, inflight, "a", store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(1000 * time.Hour)})
			}
			ingest(b, s, appID, epID, 10_000, "b", store.Lease{})
			if _, err := s.pool.Exec(ctx, `ANALYZE`); err != nil {
				b.Fatal(err)
			}
			now := t0
			n := 0
			for b.Loop() {
				now = now.Add(time.Second)
				cs, err := s.DeliveryClaim(ctx, store.DeliveryClaimParams{
					Now: now, Limit: 64, Lease: store.Lease{Owner: "node-b", ExpiresAt: now.Add(time.Millisecond)},
				})
				if err != nil || len(cs) != 64 {
					b.Fatal(err, len(cs))
				}
				n += len(cs)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "claims/s")
		})
	}
}
