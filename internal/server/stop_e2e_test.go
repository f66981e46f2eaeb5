package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// heldReceiver answers each request only once release is closed, and
// reports on arrived when one comes in.
func heldReceiver(t *testing.T) (url string, arrived chan struct{}, release chan struct{}) {
	arrived, release = make(chan struct{}, 16), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		case <-time.After(30 * time.Second):
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, arrived, release
}

// TestStopDrainsThenCancels: Stop stops taking requests at once, waits
// for the attempt in flight while its context lasts and records it (a
// restart finds it succeeded); when the context ends first, Stop cancels
// the attempt and returns while the receiver still holds it (the next
// start resumes it: TestCrashLosesNothing covers that path).
func TestStopDrainsThenCancels(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		ctx := context.Background()
		dir := t.TempDir()
		url, arrived, release := heldReceiver(t)
		s := startServer(t, db, withDataDir(dir))
		app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "stop"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: url}, nil); err != nil {
			t.Fatal(err)
		}
		drained, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "stop.drained", Payload: map[string]any{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitArrived(t, arrived)

		// Drain: Stop waits for the held attempt, which is answered once
		// Stop has stopped taking requests.
		stopped := make(chan error, 1)
		go func() { stopped <- s.srv.Stop(ctx) }()
		eventually(t, 10*time.Second, "the server to refuse new connections", func() bool {
			resp, err := http.Get(s.URL + "/api/v1/app")
			if err == nil {
				resp.Body.Close()
			}
			return err != nil
		})
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while an attempt was in flight", err)
		default:
		}
		close(release)
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("Stop = %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("Stop did not return within 15s of the attempt's answer")
		}

		// Cancel: a held attempt outlives Stop's context.
		url2, arrived2, release2 := heldReceiver(t)
		defer close(release2)
		s2 := startServer(t, db, withDataDir(dir))
		if atts, err := s2.Client.MessageAttempt.ListByMsg(ctx, app.Id, drained.Id, nil); err != nil || len(atts.Data) != 1 || atts.Data[0].Status != statusSuccess {
			t.Fatalf("after a drained Stop, attempts = %+v, %v; want one success", atts, err)
		}
		if _, err := s2.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: url2}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s2.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "stop.cancelled", Payload: map[string]any{}}, nil); err != nil {
			t.Fatal(err)
		}
		waitArrived(t, arrived2)
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		go func() { stopped <- s2.srv.Stop(short) }()
		select {
		case <-stopped: // the error is the http shutdown's or the engine's deadline, logged
		case <-time.After(15 * time.Second):
			t.Fatal("Stop with an ended context did not return while the attempt was still held")
		}

	})
}

func waitArrived(t *testing.T, arrived chan struct{}) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the attempt did not reach the receiver within 10s")
	}
}
