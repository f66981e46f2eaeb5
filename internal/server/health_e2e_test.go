package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// healthOut is the health resource as the API answers it.
type healthOut struct {
	Status              string  `json:"status"`
	LastAttemptAt       *string `json:"lastAttemptAt"`
	LastSuccessAt       *string `json:"lastSuccessAt"`
	LastFailureAt       *string `json:"lastFailureAt"`
	LastStatusCode      *int    `json:"lastStatusCode"`
	LastError           *string `json:"lastError"`
	ConsecutiveFailures int     `json:"consecutiveFailures"`
}

type pingOut struct {
	StatusCode int     `json:"statusCode"`
	DurationMs int64   `json:"durationMs"`
	Error      *string `json:"error"`
	Success    bool    `json:"success"`
}

func (s *testServer) health(t *testing.T, appID, epID string) healthOut {
	t.Helper()
	status, body := s.do(t, "GET", fmt.Sprintf("/api/v1/app/%s/endpoint/%s/health", appID, epID), s.Token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET health = %d %s, want 200", status, body)
	}
	var h healthOut
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func (s *testServer) ping(t *testing.T, appID, epID string) (int, pingOut) {
	t.Helper()
	status, body := s.do(t, "POST", fmt.Sprintf("/api/v1/app/%s/endpoint/%s/ping", appID, epID), s.Token, nil)
	var p pingOut
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
	}
	return status, p
}

// deadURL is a loopback URL where nothing listens: a listener's port,
// closed.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/hook"
}

// TestPingUpdatesHealth pings a live receiver and a dead port: the live
// one gets a signed hookline.ping with the endpoint's headers and turns
// unknown into connected at once; the dead one turns failing with the
// reason; neither leaves a message behind.
func TestPingUpdatesHealth(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		rcv := newReceiver(t)
		ctx := context.Background()
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"}, &svix.EndpointIn{Url: deadURL(t)})
		live, dead := eps[0], eps[1]
		if err := s.Client.Endpoint.UpdateHeaders(ctx, app.Id, live.Id, svix.EndpointHeadersIn{Headers: map[string]string{"Authorization": "Bearer 2x-token"}}); err != nil {
			t.Fatalf("UpdateHeaders: %v", err)
		}

		for _, ep := range eps {
			if h := s.health(t, app.Id, ep.Id); h.Status != "unknown" || h.LastAttemptAt != nil || h.LastStatusCode != nil {
				t.Errorf("health of %s before any ping = %+v, want unknown with nothing recorded", ep.Id, h)
			}
		}

		status, p := s.ping(t, app.Id, live.Id)
		if status != http.StatusOK || !p.Success || p.StatusCode != 200 || p.Error != nil {
			t.Fatalf("ping live = %d %+v, want 200 success with status 200", status, p)
		}
		got := rcv.waitFor(t, 1, 5*time.Second)[0]
		secret, err := s.Client.Endpoint.GetSecret(ctx, app.Id, live.Id)
		if err != nil {
			t.Fatal(err)
		}
		wh, err := svix.NewWebhook(secret.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(got.Body, got.Header); err != nil {
			t.Errorf("ping signature: Verify = %v, want nil", err)
		}
		var body struct {
			Type string `json:"type"`
			Data struct {
				EndpointID string `json:"endpointId"`
				Timestamp  string `json:"timestamp"`
			} `json:"data"`
		}
		if err := json.Unmarshal(got.Body, &body); err != nil || body.Type != "hookline.ping" || body.Data.EndpointID != live.Id || body.Data.Timestamp == "" {
			t.Errorf("ping body = %s (%v), want a hookline.ping naming %s", got.Body, err, live.Id)
		}
		if a := got.Header.Get("Authorization"); a != "Bearer 2x-token" {
			t.Errorf("ping Authorization header = %q, want the endpoint's", a)
		}
		if h := s.health(t, app.Id, live.Id); h.Status != "connected" || h.LastStatusCode == nil || *h.LastStatusCode != 200 ||
			h.LastSuccessAt == nil || h.LastError != nil || h.ConsecutiveFailures != 0 {
			t.Errorf("health after a good ping = %+v, want connected, 200", h)
		}

		status, p = s.ping(t, app.Id, dead.Id)
		if status != http.StatusOK || p.Success || p.StatusCode != 0 || p.Error == nil || *p.Error == "" {
			t.Fatalf("ping dead port = %d %+v, want 200 with success false, no status and an error", status, p)
		}
		if h := s.health(t, app.Id, dead.Id); h.Status != "failing" || h.LastError == nil || *h.LastError == "" ||
			h.ConsecutiveFailures != 1 || h.LastSuccessAt != nil || h.LastStatusCode == nil || *h.LastStatusCode != 0 {
			t.Errorf("health after a ping to a dead port = %+v, want failing with the error", h)
		}

		// A ping is not a message: the app's message list stays empty.
		msgs, err := s.Client.Message.List(ctx, app.Id, nil)
		if err != nil || len(msgs.Data) != 0 {
			t.Errorf("messages after pings = %v (%v), want none", msgs, err)
		}
		if status, _ := s.ping(t, app.Id, "ep_missing"); status != http.StatusNotFound {
			t.Errorf("ping of a missing endpoint = %d, want 404", status)
		}
	})
}

// TestPingOneAtATime holds a ping at the receiver and sends another to
// the same endpoint: it is refused with 429 and reaches nobody.
func TestPingOneAtATime(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	arrived, release := make(chan struct{}, 4), make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(rcv.Close)
	app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
	first := make(chan int, 1)
	go func() {
		status, _ := s.ping(t, app.Id, eps[0].Id)
		first <- status
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the first ping did not arrive")
	}
	status, body := s.do(t, "POST", fmt.Sprintf("/api/v1/app/%s/endpoint/%s/ping", app.Id, eps[0].Id), s.Token, nil)
	if status != http.StatusTooManyRequests {
		t.Errorf("second ping while the first is in flight = %d %s, want 429", status, body)
	}
	close(release)
	if status := <-first; status != http.StatusOK {
		t.Errorf("first ping = %d, want 200", status)
	}
	if n := len(arrived); n != 0 {
		t.Errorf("%d more pings reached the receiver, want none", n)
	}
}

// TestFailingDeliveriesUpdateHealth lets every attempt of a message fail
// and polls the health resource (bounded) until the engine's flush shows
// them: failing, one failure per attempt, the receiver's status code.
func TestFailingDeliveriesUpdateHealth(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db, withRetrySchedule(20*time.Millisecond, 20*time.Millisecond))
		rcv := newReceiver(t, 503, 503, 503)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		status, body := s.do(t, "POST", "/api/v1/app/"+app.Id+"/msg", s.Token, []byte(`{"eventType":"user.created","payload":{}}`))
		if status != http.StatusAccepted {
			t.Fatalf("POST msg = %d %s", status, body)
		}
		rcv.waitFor(t, 3, 10*time.Second)
		var h healthOut
		eventually(t, 10*time.Second, "health to show the 3 failed attempts", func() bool {
			h = s.health(t, app.Id, eps[0].Id)
			return h.ConsecutiveFailures == 3
		})
		if h.Status != "failing" || h.LastStatusCode == nil || *h.LastStatusCode != 503 || h.LastFailureAt == nil || h.LastSuccessAt != nil {
			t.Errorf("health after 3 failed attempts = %+v, want failing with 503", h)
		}
		// The next message succeeds (the script is used up): connected,
		// the failures reset.
		s.do(t, "POST", "/api/v1/app/"+app.Id+"/msg", s.Token, []byte(`{"eventType":"user.created","payload":{}}`))
		eventually(t, 10*time.Second, "health to turn connected", func() bool {
			h = s.health(t, app.Id, eps[0].Id)
			return h.Status == "connected"
		})
		if h.ConsecutiveFailures != 0 || h.LastStatusCode == nil || *h.LastStatusCode != 200 {
			t.Errorf("health after a success = %+v, want 0 failures and 200", h)
		}

		// The app's list shows the endpoint with the same health.
		status, body = s.do(t, "GET", "/api/v1/app/"+app.Id+"/health", s.Token, nil)
		var list struct {
			Data []struct {
				ID     string `json:"id"`
				URL    string `json:"url"`
				Status string `json:"status"`
			} `json:"data"`
			Done bool `json:"done"`
		}
		if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil || len(list.Data) != 1 ||
			list.Data[0].ID != eps[0].Id || list.Data[0].Status != "connected" || list.Data[0].URL != rcv.URL+"/" || !list.Done {
			t.Errorf("GET app health = %d %s, want the one endpoint, connected", status, body)
		}
	})
}
