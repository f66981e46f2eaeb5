package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storetest"
)

// TestWALRestartsUnderSustainedWrites commits without a pause, as the
// writer does under load, and checks that the WAL file stops growing: it
// must start again from its first frame once checkpointed. Without the
// writer's own checkpoint (walRestartFrames) it grows by every commit's
// frames, about 20 MB here.
func TestWALRestartsUnderSustainedWrites(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	appID, epID := storetest.Seed(t, s)
	ctx := context.Background()
	payload := []byte(`{"note":"0123456789012345678901234567890123456789"}`)
	const commits, perCommit = 1500, 8
	n := 0
	for range commits {
		items := make([]store.MessageCreate, perCommit)
		for j := range items {
			n++
			items[j] = storetest.Message(appID, epID, fmt.Sprintf("msg_%012d", n), "", payload)
		}
		if _, _, err := s.WriteBatch(ctx, items, nil); err != nil {
			t.Fatalf("WriteBatch: %v", err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, DBFile+"-wal"))
	if err != nil {
		t.Fatalf("stat WAL: %v", err)
	}
	// A restarted WAL holds at most walRestartFrames frames plus a few
	// commits', each a page and a 24-byte header; allow half as much again.
	// Without restarts these commits write about 70 MB.
	const frame = 4096 + 24
	if limit := int64(3 * (walRestartFrames + 256) * frame / 2); fi.Size() > limit {
		t.Fatalf("WAL is %d bytes after %d commits; want at most %d (it did not restart)", fi.Size(), commits, limit)
	}
	t.Logf("WAL %d bytes after %d commits of %d messages", fi.Size(), commits, perCommit)
}
