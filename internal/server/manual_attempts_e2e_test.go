package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// attemptTriggers lists the triggerType of a message's attempts, oldest
// first, as the API serves them.
func attemptTriggers(t *testing.T, s *testServer, appID, msgID string) []int {
	t.Helper()
	code, b := s.do(t, "GET", "/api/v1/app/"+appID+"/attempt/msg/"+msgID, s.Token, nil)
	if code != http.StatusOK {
		t.Fatalf("list attempts of %s = %d %s", msgID, code, b)
	}
	var page struct {
		Data []struct {
			TriggerType int `json:"triggerType"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, a := range page.Data {
		out = append(out, a.TriggerType)
	}
	slices.Reverse(out)
	return out
}

// TestManualAttemptsCarryTriggerType1 runs a real server on each backend:
// scheduled attempts (the first and its retries) carry triggerType 0, and
// both kinds of manual attempt, a resend and a recovery of failed
// deliveries, carry 1, as in Svix; a resend to an endpoint the message
// was never routed to is a 404 that sends nothing.
func TestManualAttemptsCarryTriggerType1(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		rcv := newReceiver(t, 500, 500, 500)
		other := newReceiver(t)
		if code, b := s.do(t, "POST", "/api/v1/event-type", s.Token, []byte(`{"name":"only.this","description":"d"}`)); code != http.StatusCreated {
			t.Fatalf("create event type = %d %s", code, b)
		}
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL}, &svix.EndpointIn{Url: other.URL, FilterTypes: []string{"only.this"}})
		appID, epID, filteredID := app.Id, eps[0].Id, eps[1].Id

		msgID := publish(t, s, appID, "a.b", `{"n":1}`)
		rcv.waitFor(t, 3, 10*time.Second)
		eventually(t, 5*time.Second, "three scheduled attempts recorded", func() bool {
			return slices.Equal(attemptTriggers(t, s, appID, msgID), []int{0, 0, 0})
		})

		if code, b := s.do(t, "POST", "/api/v1/app/"+appID+"/msg/"+msgID+"/endpoint/"+epID+"/resend", s.Token, nil); code != http.StatusAccepted {
			t.Fatalf("resend = %d %s, want 202", code, b)
		}
		rcv.waitFor(t, 4, 10*time.Second)
		eventually(t, 5*time.Second, "the resend recorded as manual", func() bool {
			return slices.Equal(attemptTriggers(t, s, appID, msgID), []int{0, 0, 0, 1})
		})

		// Recover a second message whose deliveries all failed.
		rcv.mu.Lock()
		rcv.script = []int{500, 500, 500}
		rcv.mu.Unlock()
		msg2 := publish(t, s, appID, "a.b", `{"n":2}`)
		rcv.waitFor(t, 7, 10*time.Second)
		eventually(t, 5*time.Second, "the second message failed", func() bool {
			return slices.Equal(attemptTriggers(t, s, appID, msg2), []int{0, 0, 0})
		})
		waitDestination(t, s, appID, msg2, statusFail, "second delivery failed")
		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		if code, b := s.do(t, "POST", "/api/v1/app/"+appID+"/endpoint/"+epID+"/recover", s.Token, []byte(`{"since":"`+since+`"}`)); code != http.StatusAccepted {
			t.Fatalf("recover = %d %s, want 202", code, b)
		}
		rcv.waitFor(t, 8, 10*time.Second)
		eventually(t, 5*time.Second, "the recovery recorded as manual", func() bool {
			return slices.Equal(attemptTriggers(t, s, appID, msg2), []int{0, 0, 0, 1})
		})

		// The filtered endpoint never got the message: nothing to resend.
		code, b := s.do(t, "POST", "/api/v1/app/"+appID+"/msg/"+msgID+"/endpoint/"+filteredID+"/resend", s.Token, nil)
		if code != http.StatusNotFound {
			t.Errorf("resend to an endpoint never routed to = %d %s, want 404", code, b)
		}
		time.Sleep(200 * time.Millisecond)
		if n := other.count(); n != 0 {
			t.Errorf("the endpoint never routed to got %d requests, want none", n)
		}
		code, b = s.do(t, "GET", "/api/v1/app/"+appID+"/msg/"+msgID+"/endpoint", s.Token, nil)
		var dests struct {
			Data []struct{ ID string } `json:"data"`
		}
		_ = json.Unmarshal(b, &dests)
		if code != http.StatusOK || len(dests.Data) != 1 || dests.Data[0].ID != epID {
			t.Errorf("destinations after the refused resend = %d %s, want only %s", code, b, epID)
		}
	})
}
