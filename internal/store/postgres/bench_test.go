package postgres

import (
	"testing"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
	"github.com/hookline/hookline/internal/store/storebench"
)

// The bodies are store/storebench's, shared with store/sqlite. They need
// HOOKLINE_TEST_DATABASE_URL, as the tests do.

func openBench(b *testing.B) store.Store { return openTest(b, pgtest.RequireURL(b)) }

// analyze gives the planner the table's size before the clock starts.
func analyze(b *testing.B, s store.Store) {
	if _, err := s.(*Store).pool.Exec(b.Context(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkMessageCreateBatch(b *testing.B)  { storebench.MessageCreateBatch(b, openBench) }
func BenchmarkDeliveryRecordBatch(b *testing.B) { storebench.DeliveryRecordBatch(b, openBench) }
func BenchmarkDeliveryClaim(b *testing.B)       { storebench.DeliveryClaim(b, openBench, analyze) }
func BenchmarkWriteBatch(b *testing.B)          { storebench.WriteBatch(b, openBench) }
