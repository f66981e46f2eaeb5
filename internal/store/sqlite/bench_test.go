package sqlite

import (
	"testing"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storebench"
)

// The bodies are store/storebench's, shared with store/postgres.

func openBench(b *testing.B) store.Store { return openTest(b, b.TempDir()) }

func BenchmarkMessageCreateBatch(b *testing.B)  { storebench.MessageCreateBatch(b, openBench) }
func BenchmarkDeliveryRecordBatch(b *testing.B) { storebench.DeliveryRecordBatch(b, openBench) }
func BenchmarkDeliveryClaim(b *testing.B)       { storebench.DeliveryClaim(b, openBench, nil) }
func BenchmarkWriteBatch(b *testing.B)          { storebench.WriteBatch(b, openBench) }
