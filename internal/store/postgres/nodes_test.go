package postgres

import (
	"context"
	"github.com/hookline/hookline/internal/store/storetest"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
)

func TestNotifyReachesListenersOfTheSameSchemaOnly(t *testing.T) {
	base := pgtest.RequireURL(t)
	t.Parallel()
	s := openTest(t, base)
	other := openTest(t, base) // another schema: must not hear s's events
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	listen := func(st *Store) chan store.Event {
		ch := make(chan store.Event, 16)
		go func() { _ = st.Listen(ctx, func(e store.Event) { ch <- e }) }()
		return ch
	}
	next := func(ch chan store.Event, what string) store.Event {
		t.Helper()
		select {
		case e := <-ch:
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s within 10s", what)
			return store.Event{}
		}
	}
	got, gotOther := listen(s), listen(other)
	if e := next(got, "resync"); e.Kind != store.EventResync {
		t.Fatalf("first event = %+v, want a resync", e)
	}
	if e := next(gotOther, "resync"); e.Kind != store.EventResync {
		t.Fatalf("other schema's first event = %+v, want a resync", e)
	}

	at := storetest.T0
	sent := []store.Event{
		{Kind: store.EventEndpointsChanged, AppID: "app_1", Origin: "node-a"},
		{Kind: store.EventDeliveriesDue, At: at, Origin: "node-b"},
	}
	for _, e := range sent {
		if err := s.Notify(ctx, e); err != nil {
			t.Fatalf("Notify(%+v): %v", e, err)
		}
	}
	for _, want := range sent {
		if e := next(got, string(want.Kind)); e.Kind != want.Kind || e.AppID != want.AppID || !e.At.Equal(want.At) || e.Origin != want.Origin {
			t.Errorf("Listen got %+v, want %+v", e, want)
		}
	}
	select {
	case e := <-gotOther:
		t.Errorf("a listener on another schema got %+v", e)
	case <-time.After(200 * time.Millisecond):
	}

	// The database drops the listener's session: Listen reconnects and
	// says that events may have been lost, then hears new ones.
	var killed bool
	if err := s.pool.QueryRow(ctx, `SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1`,
		`LISTEN "`+s.channel+`"`).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener's session: killed=%v, %v", killed, err)
	}
	if e := next(got, "resync after reconnecting"); e.Kind != store.EventResync {
		t.Fatalf("after the session was dropped: event = %+v, want a resync", e)
	}
	if err := s.Notify(ctx, sent[0]); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if e := next(got, "event after reconnecting"); e.Kind != sent[0].Kind || e.AppID != sent[0].AppID {
		t.Errorf("after reconnecting, Listen got %+v, want %+v", e, sent[0])
	}
}

func TestNodeHeartbeatCountsLiveNodes(t *testing.T) {
	base := pgtest.RequireURL(t)
	t.Parallel()
	s := openTest(t, base)
	ctx := context.Background()
	beat := func(node string, now time.Time) int {
		t.Helper()
		n, err := s.NodeHeartbeat(ctx, store.NodeHeartbeatParams{NodeID: node, Now: now, LiveSince: now.Add(-15 * time.Second)})
		if err != nil {
			t.Fatalf("NodeHeartbeat(%s): %v", node, err)
		}
		return n
	}
	if n := beat("a", storetest.T0); n != 1 {
		t.Errorf("first node: live = %d, want 1", n)
	}
	if n := beat("b", storetest.T0.Add(time.Second)); n != 2 {
		t.Errorf("second node: live = %d, want 2", n)
	}
	// a stops beating; 20s on, b alone is live.
	if n := beat("b", storetest.T0.Add(20*time.Second)); n != 1 {
		t.Errorf("after a's silence: live = %d, want 1", n)
	}
	if n := beat("a", storetest.T0.Add(21*time.Second)); n != 2 {
		t.Errorf("a back: live = %d, want 2", n)
	}
	if err := s.NodeLeave(ctx, "a"); err != nil {
		t.Fatalf("NodeLeave: %v", err)
	}
	if n := beat("b", storetest.T0.Add(22*time.Second)); n != 1 {
		t.Errorf("after a left: live = %d, want 1", n)
	}
	if err := s.NodeLeave(ctx, "never-seen"); err != nil {
		t.Errorf("NodeLeave of an unknown node: %v, want nil", err)
	}
	for _, p := range []store.NodeHeartbeatParams{
		{NodeID: "", Now: storetest.T0, LiveSince: storetest.T0},
		{NodeID: "c", Now: storetest.T0, LiveSince: storetest.T0.Add(time.Second)},
	} {
		if _, err := s.NodeHeartbeat(ctx, p); err == nil {
			t.Errorf("NodeHeartbeat(%+v) = nil error, want one", p)
		}
	}
}
