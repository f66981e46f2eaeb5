package storetest

import (
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
)

func testSessionsEnded(t *testing.T, open Opener) {
	t.Run("EndedUntilExpiry", func(t *testing.T) { testSessionEndedUntilExpiry(t, open) })
}

func testSessionEndedUntilExpiry(t *testing.T, open Opener) {
	f := setup(t, open)
	ended := func(id string) bool {
		t.Helper()
		got, err := f.s.SessionEnded(f.ctx, id)
		f.must(err, "SessionEnded("+id+")")
		return got
	}
	if ended("s1") {
		t.Fatal("SessionEnded(s1) = true before any sign-out")
	}
	f.must(f.s.SessionEnd(f.ctx, store.SessionEndParams{ID: "s1", Expires: f.at(time.Hour), Now: f.at(0)}), "SessionEnd(s1)")
	// Signing out twice (two tabs) is no error.
	f.must(f.s.SessionEnd(f.ctx, store.SessionEndParams{ID: "s1", Expires: f.at(time.Hour), Now: f.at(0)}), "SessionEnd(s1) again")
	if !ended("s1") || ended("s2") {
		t.Errorf("SessionEnded(s1, s2) = %v, %v; want true, false", ended("s1"), ended("s2"))
	}
	// Once s1 would have expired anyway, the next sign-out forgets it.
	f.must(f.s.SessionEnd(f.ctx, store.SessionEndParams{ID: "s2", Expires: f.at(3 * time.Hour), Now: f.at(2 * time.Hour)}), "SessionEnd(s2)")
	if ended("s1") || !ended("s2") {
		t.Errorf("after s1's expiry, SessionEnded(s1, s2) = %v, %v; want false, true", ended("s1"), ended("s2"))
	}
	if err := f.s.SessionEnd(f.ctx, store.SessionEndParams{Expires: f.at(time.Hour), Now: f.at(0)}); err == nil {
		t.Error("SessionEnd without an ID = nil error")
	}
}
