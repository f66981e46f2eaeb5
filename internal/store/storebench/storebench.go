// Package storebench holds the bodies of the store benchmarks, written
// once against store.Store, so that every backend measures the same work
// and the numbers compare directly. A backend's bench_test.go is a thin
// caller:
//
//	func BenchmarkDeliveryClaim(b *testing.B) { storebench.DeliveryClaim(b, open, nil) }
//
// The hot paths measured are the ingest group commit (MessageCreateBatch),
// recording outcomes (DeliveryRecordBatch) and claiming due deliveries
// (DeliveryClaim).
package storebench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storetest"
	"github.com/hookline/hookline/internal/webhook"
)

// Opener returns a fresh, empty, migrated store and registers its own
// cleanup on b.
type Opener = func(b *testing.B) store.Store

// t0 is the benchmarks' clock: fixed, so runs compare.
var t0 = storetest.T0

// payload256 is a 256-byte JSON payload, the benchmarks' message size.
var payload256 = func() []byte {
	p := []byte(`{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"note":"`)
	for len(p) < 256-3 {
		p = append(p, 'x')
	}
	return append(p, `"}}`...)
}()

// message is one message to epID with one delivery, leased as the ingest
// path leases it when lease is set.
func message(appID, epID, id string, lease store.Lease) store.MessageCreate {
	return store.MessageCreate{
		Message:    webhook.Message{ID: id, AppID: appID, EventType: "invoice.paid", Payload: payload256, CreatedAt: t0},
		Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: epID, AppID: appID}},
		Lease:      lease,
	}
}

// ingest writes n messages of one delivery each to epID, in batches of 64.
func ingest(b *testing.B, s store.Store, appID, epID string, n int, prefix string, lease store.Lease) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 64 {
		var items []store.MessageCreate
		for j := i; j < min(i+64, n); j++ {
			items = append(items, message(appID, epID, fmt.Sprintf("msg_%s%012d", prefix, j), lease))
		}
		if _, err := s.MessageCreateBatch(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
}

// MessageCreateBatch is the ingest group commit: one transaction (and one
// fsync) per batch, each message with one delivery.
func MessageCreateBatch(b *testing.B, open Opener) {
	for _, size := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := open(b)
			appID, epID := storetest.Seed(b, s)
			ctx := context.Background()
			lease := store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(time.Minute)}
			items := make([]store.MessageCreate, size)
			n := 0
			for b.Loop() {
				for j := range items {
					n++
					items[j] = message(appID, epID, fmt.Sprintf("msg_%020d", n), lease)
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

// DeliveryRecordBatch records 64 outcomes per transaction: 64 attempt rows
// and 64 fenced delivery updates. "first" is the common case, each a first
// attempt at a fresh delivery (ingested with the timer stopped); "retry"
// records again and again at the same 64 deliveries, whose attempt-index
// entries then land on scattered pages.
func DeliveryRecordBatch(b *testing.B, open Opener) {
	for _, mode := range []string{"first", "retry"} {
		b.Run(mode, func(b *testing.B) {
			s := open(b)
			appID, epID := storetest.Seed(b, s)
			ctx := context.Background()
			lease := store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(time.Minute)}
			if mode == "retry" {
				ingest(b, s, appID, epID, 64, "r", lease)
			}
			next := t0.Add(time.Hour)
			outcomes := make([]store.Outcome, 64)
			n, round := 0, 0
			for b.Loop() {
				prefix := "r"
				if mode == "first" {
					b.StopTimer()
					round++
					prefix = fmt.Sprintf("f%06d_", round)
					ingest(b, s, appID, epID, 64, prefix, lease)
					b.StartTimer()
				}
				for j := range outcomes {
					n++
					outcomes[j] = store.Outcome{
						Attempt: webhook.Attempt{
							ID: fmt.Sprintf("atmpt_%020d", n), MsgID: fmt.Sprintf("msg_%s%012d", prefix, j), EndpointID: epID,
							AppID: appID, URL: "https://example.com/", Status: webhook.StatusFail, ResponseStatusCode: 500,
							Response: `{"error":"upstream"}`, ResponseDurationMs: 12, CreatedAt: t0,
						},
						// Records do not move the token, so every retry
						// round is applied too: the full update path.
						Token: 1, Status: webhook.StatusSending, NextAttemptAt: &next,
					}
				}
				applied, err := s.DeliveryRecordBatch(ctx, outcomes)
				if err != nil || !applied[63] {
					b.Fatal(err, applied[63])
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "outcomes/s")
		})
	}
}

// DeliveryClaim claims 64 deliveries per call from a table of 10,000 due
// ones; each round's clock passes the last round's leases, so the same
// rows are claimed again. With inflight, 5,000 rows under live leases sit
// ahead of them in due order, as the ingest path's do, and the scan must
// step over them. settle, when not nil, runs once the rows are written,
// before the clock starts (PostgreSQL: ANALYZE, so the planner knows the
// table's size).
func DeliveryClaim(b *testing.B, open Opener, settle func(b *testing.B, s store.Store)) {
	for _, inflight := range []int{0, 5000} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			s := open(b)
			appID, epID := storetest.Seed(b, s)
			ctx := context.Background()
			if inflight > 0 {
				ingest(b, s, appID, epID, inflight, "a", store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(1000 * time.Hour)})
			}
			ingest(b, s, appID, epID, 10_000, "b", store.Lease{})
			if settle != nil {
				settle(b, s)
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

// WriteBatch is the writer's steady state under the K=1 benchmark: each
// commit carries `size` new messages (one leased delivery each) and the
// successful outcomes of the previous commit's messages, as the engine's
// writer does when closed-loop senders keep it busy. Run long enough
// (-benchtime of a few seconds), it also shows what the WAL's growth or
// reuse costs a commit.
func WriteBatch(b *testing.B, open Opener) {
	for _, size := range []int{8, 32} {
		b.Run(fmt.Sprintf("mix=%d", size), func(b *testing.B) {
			s := open(b)
			appID, epID := storetest.Seed(b, s)
			ctx := context.Background()
			lease := store.Lease{Owner: "node-a", Token: 1, ExpiresAt: t0.Add(time.Minute)}
			items := make([]store.MessageCreate, size)
			var outcomes []store.Outcome
			n := 0
			for b.Loop() {
				for j := range items {
					n++
					items[j] = message(appID, epID, fmt.Sprintf("msg_%020d", n), lease)
				}
				errs, applied, err := s.WriteBatch(ctx, items, outcomes)
				if err != nil || errs[0] != nil || (len(applied) > 0 && !applied[0]) {
					b.Fatal(err, errs[0], applied)
				}
				outcomes = outcomes[:0]
				for j := range items {
					outcomes = append(outcomes, store.Outcome{
						Attempt: webhook.Attempt{
							ID: "atmpt_" + items[j].Message.ID[4:], MsgID: items[j].Message.ID, EndpointID: epID,
							AppID: appID, URL: "https://example.com/", Status: webhook.StatusSuccess, ResponseStatusCode: 200,
							ResponseDurationMs: 1, CreatedAt: t0,
						},
						Token: 1, Status: webhook.StatusSuccess,
					})
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
