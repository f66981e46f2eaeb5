package storetest

import (
	"bytes"
	"sync"
	"testing"

	"github.com/hookline/hookline/internal/store"
)

func testServerKeys(t *testing.T, open Opener) {
	t.Run("FirstKeyWins", func(t *testing.T) {
		f := setup(t, open)
		first, second := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
		got, err := f.s.ServerKeyEnsure(f.ctx, store.ServerKeyEnsureParams{Name: "session", New: first})
		f.must(err, "ServerKeyEnsure(session, first)")
		if !bytes.Equal(got, first) {
			t.Errorf("ServerKeyEnsure(session, first) = %x, want the new key %x", got, first)
		}
		got, err = f.s.ServerKeyEnsure(f.ctx, store.ServerKeyEnsureParams{Name: "session", New: second})
		f.must(err, "ServerKeyEnsure(session, second)")
		if !bytes.Equal(got, first) {
			t.Errorf("ServerKeyEnsure(session, second) = %x, want the stored key %x", got, first)
		}
		got, err = f.s.ServerKeyEnsure(f.ctx, store.ServerKeyEnsureParams{Name: "other", New: second})
		f.must(err, "ServerKeyEnsure(other, second)")
		if !bytes.Equal(got, second) {
			t.Errorf("ServerKeyEnsure(other, second) = %x, want %x: names are separate", got, second)
		}
		if _, err := f.s.ServerKeyEnsure(f.ctx, store.ServerKeyEnsureParams{Name: "empty"}); err == nil {
			t.Errorf("ServerKeyEnsure(no new key) = nil error, want one: an empty key must never be stored")
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		f := setup(t, open)
		const n = 8
		keys := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				keys[i], errs[i] = f.s.ServerKeyEnsure(f.ctx, store.ServerKeyEnsureParams{Name: "session", New: bytes.Repeat([]byte{byte(i + 1)}, 32)})
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("ServerKeyEnsure #%d: %v", i, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Errorf("ServerKeyEnsure #%d = %x, #0 = %x: racing callers must agree on one key", i, keys[i], keys[0])
			}
		}
	})
}
