package dashboard

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hookline/hookline/internal/delivery"
)

// sent records the first line of each event a live stream sent.
type sent struct {
	mu  sync.Mutex
	got []string
}

func (s *sent) send(v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, strings.TrimSpace(strings.SplitN(v, "\n", 2)[0]))
	return nil
}

func (s *sent) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.got
	s.got = nil
	return got
}

// TestStreamCoalesces: a burst of commits is one change at once and one
// more after liveCoalesce, not one each; a quiet stream sends heartbeats;
// a message page's stream ignores other messages and new messages.
func TestStreamCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dashboard{}
		events := make(chan delivery.Committed, 64)
		s := &sent{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.stream(ctx, events, "msg_1", s.send) }()

		events <- delivery.Committed{MsgID: "msg_2", AttemptID: "atmpt_x"} // another message
		events <- delivery.Committed{MsgID: "msg_1"}                       // the message itself, not an attempt
		synctest.Wait()
		if got := s.take(); len(got) != 0 {
			t.Fatalf("sent %q for commits that are not msg_1's attempts", got)
		}
		for range 10 {
			events <- delivery.Committed{MsgID: "msg_1", AttemptID: "atmpt_1"}
		}
		synctest.Wait()
		if got := s.take(); len(got) != 1 || got[0] != "event: change" {
			t.Fatalf("a burst of 10 sent %q at once, want one change", got)
		}
		time.Sleep(liveCoalesce)
		synctest.Wait()
		if got := s.take(); len(got) != 1 || got[0] != "event: change" {
			t.Fatalf("after the quiet interval the folded commits sent %q, want one change", got)
		}
		time.Sleep(liveCoalesce) // nothing pending: nothing sent
		synctest.Wait()
		if got := s.take(); len(got) != 0 {
			t.Fatalf("with nothing pending the stream sent %q", got)
		}
		time.Sleep(liveHeartbeat)
		synctest.Wait()
		if got := s.take(); len(got) != 1 || got[0] != ": heartbeat" {
			t.Fatalf("a quiet stream sent %q, want a heartbeat", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stream ended by its client: %v", err)
		}
	})
}

// TestStreamEnds: a stream ends at its lifetime and when the dashboard
// closes, also for a stream opened after the close.
func TestStreamEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dashboard{}
		s := &sent{}
		start := time.Now()
		if err := d.stream(context.Background(), make(chan delivery.Committed), "", s.send); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != liveLifetime {
			t.Errorf("an idle stream lasted %v, want its lifetime %v", took, liveLifetime)
		}

		done := make(chan error, 1)
		go func() { done <- d.stream(context.Background(), make(chan delivery.Committed), "", s.send) }()
		synctest.Wait()
		d.Close()
		d.Close() // twice is harmless
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := d.stream(context.Background(), make(chan delivery.Committed), "", s.send); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) != liveLifetime {
			t.Error("streams after Close did not end at once")
		}
	})
}
