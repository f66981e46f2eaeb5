package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

func ptr[T any](v T) *T { return &v }

// setup creates an app and, for each receiver, an endpoint pointing at it.
func setup(t *testing.T, s *testServer, eps ...*svix.EndpointIn) (app *svix.ApplicationOut, out []*svix.EndpointOut) {
	t.Helper()
	ctx := context.Background()
	app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Acme"}, nil)
	if err != nil {
		t.Fatalf("Application.Create: %v", err)
	}
	for _, in := range eps {
		ep, err := s.Client.Endpoint.Create(ctx, app.Id, *in, nil)
		if err != nil {
			t.Fatalf("Endpoint.Create(%s): %v", in.Url, err)
		}
		out = append(out, ep)
	}
	return app, out
}

func TestDeliveryIsSignedAndVerifies(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		rcv := newReceiver(t)
		ctx := context.Background()
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"})
		secret, err := s.Client.Endpoint.GetSecret(ctx, app.Id, eps[0].Id)
		if err != nil {
			t.Fatalf("GetSecret: %v", err)
		}

		raw := `{"b":1,"a":"\u0000 é","n":1.50,"nested":{"z":[3,2,1]}}`
		status, body := s.do(t, "POST", "/api/v1/app/"+app.Id+"/msg", s.Token,
			[]byte(`{"eventType":"invoice.paid","payload":`+raw+`}`))
		if status != http.StatusAccepted {
			t.Fatalf("POST msg = %d %s, want 202", status, body)
		}
		var msg struct{ ID string }
		_ = json.Unmarshal(body, &msg)

		got := rcv.waitFor(t, 1, 10*time.Second)[0]
		if string(got.Body) != raw {
			t.Errorf("delivered body = %s, want the exact bytes sent %s", got.Body, raw)
		}
		wh, err := svix.NewWebhook(secret.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(got.Body, got.Header); err != nil {
			t.Errorf("svix Verify = %v, want nil; headers %v", err, got.Header)
		}
		// Standard Webhooks headers alone must verify too.
		std := http.Header{}
		for _, h := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
			std.Set(h, got.Header.Get(h))
		}
		if err := wh.Verify(got.Body, std); err != nil {
			t.Errorf("Verify with webhook-* headers only = %v, want nil", err)
		}
		if id := got.Header.Get("webhook-id"); id != msg.ID || got.Header.Get("svix-id") != msg.ID {
			t.Errorf("webhook-id = %q, svix-id = %q, want %q", id, got.Header.Get("svix-id"), msg.ID)
		}

		eventually(t, 5*time.Second, "attempt recorded as success", func() bool {
			atts, err := s.Client.MessageAttempt.ListByMsg(ctx, app.Id, msg.ID, nil)
			return err == nil && len(atts.Data) == 1 && atts.Data[0].Status == statusSuccess
		})
	})
}

func TestRouting(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		all := newReceiver(t)
		onlyPaid := newReceiver(t)
		euChannel := newReceiver(t)
		disabled := newReceiver(t)
		deleted := newReceiver(t)
		// Svix refuses filterTypes naming event types that do not exist.
		for _, name := range []string{"invoice.paid", "invoice.created"} {
			if _, err := s.Client.EventType.Create(ctx, svix.EventTypeIn{Name: name, Description: name}, nil); err != nil {
				t.Fatalf("EventType.Create(%s): %v", name, err)
			}
		}
		app, eps := setup(t, s,
			&svix.EndpointIn{Url: all.URL},
			&svix.EndpointIn{Url: onlyPaid.URL, FilterTypes: []string{"invoice.paid"}},
			&svix.EndpointIn{Url: euChannel.URL, Channels: []string{"eu"}},
			&svix.EndpointIn{Url: disabled.URL, Disabled: ptr(true)},
			&svix.EndpointIn{Url: deleted.URL},
		)
		if err := s.Client.Endpoint.Delete(ctx, app.Id, eps[4].Id); err != nil {
			t.Fatalf("Endpoint.Delete: %v", err)
		}
		send := func(eventType string, channels ...string) {
			t.Helper()
			if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: eventType, Payload: map[string]any{"k": eventType}, Channels: channels}, nil); err != nil {
				t.Fatalf("Message.Create(%s): %v", eventType, err)
			}
		}
		send("invoice.paid")
		send("invoice.created")
		send("invoice.created", "eu")
		send("invoice.paid", "us")

		all.waitFor(t, 4, 10*time.Second)
		onlyPaid.waitFor(t, 2, 10*time.Second)
		euChannel.waitFor(t, 1, 10*time.Second)
		time.Sleep(300 * time.Millisecond) // let any wrong delivery arrive before counting
		for name, tc := range map[string]struct {
			r    *receiver
			want int
		}{"all": {all, 4}, "filterTypes": {onlyPaid, 2}, "channel": {euChannel, 1}, "disabled": {disabled, 0}, "deleted": {deleted, 0}} {
			if got := len(tc.r.requests()); got != tc.want {
				t.Errorf("%s endpoint got %d deliveries, want %d", name, got, tc.want)
			}
		}
	})
}

func TestRetriesUntilSuccess(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t, 500, 503)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		msg, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"x": 1}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 3, 10*time.Second)
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 5*time.Second, "three attempts listed", func() bool {
			atts, err = s.Client.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
			return err == nil && len(atts.Data) == 3
		})
		// Newest first: success, then the two failures.
		wantCodes := []int16{200, 503, 500}
		for i, a := range atts.Data {
			if a.ResponseStatusCode != wantCodes[i] {
				t.Errorf("attempt %d status code = %d, want %d", i, a.ResponseStatusCode, wantCodes[i])
			}
		}
		dests, err := s.Client.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msg.Id, nil)
		if err != nil || len(dests.Data) != 1 || dests.Data[0].Status != statusSuccess || dests.Data[0].Id != eps[0].Id {
			t.Errorf("ListAttemptedDestinations = %+v, %v; want one success for %s", dests, err, eps[0].Id)
		}
	})
}

// waitDestination waits until the message's one destination has status.
func waitDestination(t *testing.T, s *testServer, appID, msgID string, status svix.MessageStatus, what string) {
	t.Helper()
	eventually(t, 5*time.Second, what, func() bool {
		d, err := s.Client.MessageAttempt.ListAttemptedDestinations(context.Background(), appID, msgID, nil)
		return err == nil && len(d.Data) == 1 && d.Data[0].Status == status
	})
}

func TestRetriesExhaustedThenResendAndRecover(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		// Schedule has two retries: three attempts, all failing.
		rcv := newReceiver(t, 500, 500, 500)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		msg, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"x": 1}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 3, 10*time.Second)
		waitDestination(t, s, app.Id, msg.Id, statusFail, "delivery failed")
		time.Sleep(300 * time.Millisecond)
		if n := len(rcv.requests()); n != 3 {
			t.Fatalf("receiver got %d attempts, want exactly 3 (first + 2 retries)", n)
		}

		// Resend: one more attempt, which now succeeds.
		if _, err := s.Client.MessageAttempt.Resend(ctx, app.Id, msg.Id, eps[0].Id, nil); err != nil {
			t.Fatalf("Resend: %v", err)
		}
		rcv.waitFor(t, 4, 10*time.Second)
		waitDestination(t, s, app.Id, msg.Id, statusSuccess, "resent delivery succeeded")

		// Recover: a second failed message comes back when asked.
		rcv.mu.Lock()
		rcv.script = []int{500, 500, 500}
		rcv.mu.Unlock()
		msg2, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"x": 2}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 7, 10*time.Second)
		waitDestination(t, s, app.Id, msg2.Id, statusFail, "second delivery failed")
		if _, err := s.Client.Endpoint.Recover(ctx, app.Id, eps[0].Id, svix.RecoverIn{Since: time.Now().Add(-time.Hour)}, nil); err != nil {
			t.Fatalf("Recover: %v", err)
		}
		rcv.waitFor(t, 8, 10*time.Second)
		waitDestination(t, s, app.Id, msg2.Id, statusSuccess, "recovered delivery succeeded")
	})
}

func TestSecretRotationSignsWithBothKeys(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		old, err := s.Client.Endpoint.GetSecret(ctx, app.Id, eps[0].Id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Client.Endpoint.RotateSecret(ctx, app.Id, eps[0].Id, svix.EndpointSecretRotateIn{}, nil); err != nil {
			t.Fatalf("RotateSecret: %v", err)
		}
		cur, err := s.Client.Endpoint.GetSecret(ctx, app.Id, eps[0].Id)
		if err != nil || cur.Key == old.Key {
			t.Fatalf("GetSecret after rotate = %v, %v; want a new key", cur, err)
		}
		if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"x": 1}}, nil); err != nil {
			t.Fatal(err)
		}
		got := rcv.waitFor(t, 1, 10*time.Second)[0]
		if sigs := strings.Fields(got.Header.Get("webhook-signature")); len(sigs) != 2 {
			t.Errorf("webhook-signature = %q, want two signatures during rotation", got.Header.Get("webhook-signature"))
		}
		for name, key := range map[string]string{"new": cur.Key, "old": old.Key} {
			wh, _ := svix.NewWebhook(key)
			if err := wh.Verify(got.Body, got.Header); err != nil {
				t.Errorf("Verify with the %s key = %v, want nil", name, err)
			}
		}
	})
}

func TestGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t, http.StatusGone)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil); err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 1, 10*time.Second)
		eventually(t, 5*time.Second, "endpoint disabled", func() bool {
			ep, err := s.Client.Endpoint.Get(ctx, app.Id, eps[0].Id)
			return err == nil && ep.Disabled != nil && *ep.Disabled
		})
	})
}

func TestSSRFGuardRefusesPrivateTargets(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db, withPrivateTargets(false), withRetrySchedule())
		ctx := context.Background()
		rcv := newReceiver(t)
		port := rcv.Listener.Addr().(interface{ String() string }).String()
		_, p, _ := strings.Cut(port, ":")
		targets := []string{
			"http://127.0.0.1:" + p + "/",
			"http://[::1]:" + p + "/",
			"http://[::ffff:127.0.0.1]:" + p + "/",
			"http://169.254.169.254/latest/meta-data/",
		}
		for _, target := range targets {
			app, _ := setup(t, s, &svix.EndpointIn{Url: target})
			msg, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var atts *svix.ListResponseMessageAttemptOut
			eventually(t, 10*time.Second, "failed attempt for "+target, func() bool {
				atts, err = s.Client.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
				return err == nil && len(atts.Data) == 1
			})
			a := atts.Data[0]
			if a.Status != statusFail || !strings.Contains(a.Response, "forbidden target") {
				t.Errorf("attempt to %s = status %d response %q; want a failure saying forbidden target", target, a.Status, a.Response)
			}
		}
		if n := len(rcv.requests()); n != 0 {
			t.Errorf("receiver on loopback got %d requests with the guard on, want 0", n)
		}
	})
}

func TestIdempotencyAndEventIDConflict(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, _ := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		opts := &svix.MessageCreateOptions{IdempotencyKey: ptr("key-1")}
		in := svix.MessageIn{EventType: "a.b", Payload: map[string]any{"n": 1}}
		m1, err := s.Client.Message.Create(ctx, app.Id, in, opts)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := s.Client.Message.Create(ctx, app.Id, in, opts)
		if err != nil {
			t.Fatal(err)
		}
		if m1.Id != m2.Id {
			t.Errorf("repeat with the same Idempotency-Key created %s and %s, want one message", m1.Id, m2.Id)
		}
		list, err := s.Client.Message.List(ctx, app.Id, nil)
		if err != nil || len(list.Data) != 1 {
			t.Errorf("Message.List = %d messages, %v; want 1", len(list.Data), err)
		}

		withEvent := svix.MessageIn{EventType: "a.b", Payload: map[string]any{}, EventId: ptr("evt-1")}
		if _, err := s.Client.Message.Create(ctx, app.Id, withEvent, nil); err != nil {
			t.Fatal(err)
		}
		_, err = s.Client.Message.Create(ctx, app.Id, withEvent, nil)
		if code := statusOf(err); code != http.StatusConflict {
			t.Errorf("reused eventId: error %v (status %d), want 409", err, code)
		}

		// An app-level resource is idempotent too.
		a1, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "x"}, &svix.ApplicationCreateOptions{IdempotencyKey: ptr("app-key")})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "x"}, &svix.ApplicationCreateOptions{IdempotencyKey: ptr("app-key")})
		if err != nil || a1.Id != a2.Id {
			t.Errorf("idempotent app create = %v, %v; want the same app %s", a2, err, a1.Id)
		}
	})
}

func statusOf(err error) int {
	if e, ok := err.(*svix.Error); ok {
		return e.Status()
	}
	return 0
}

func TestAuthAndLimits(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db, withMaxBody(4096))
		ctx := context.Background()
		app, _ := setup(t, s)
		other, _ := setup(t, s)

		if code, body := s.do(t, "GET", "/api/v1/app", "", nil); code != http.StatusUnauthorized || !strings.Contains(string(body), `"code"`) {
			t.Errorf("GET /app without token = %d %s, want 401 JSON", code, body)
		}
		if code, _ := s.do(t, "GET", "/api/v1/app", "hk_wrong", nil); code != http.StatusUnauthorized {
			t.Errorf("GET /app with a wrong token = %d, want 401", code)
		}
		big := fmt.Sprintf(`{"eventType":"a.b","payload":{"x":"%s"}}`, strings.Repeat("a", 5000))
		if code, body := s.do(t, "POST", "/api/v1/app/"+app.Id+"/msg", s.Token, []byte(big)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST msg over the limit = %d %s, want 413", code, body)
		}

		portal, err := s.Client.Authentication.AppPortalAccess(ctx, app.Id, svix.AppPortalAccessIn{}, nil)
		if err != nil {
			t.Fatalf("AppPortalAccess: %v", err)
		}
		pc := s.clientFor(t, portal.Token)
		if _, err := pc.Endpoint.List(ctx, app.Id, nil); err != nil {
			t.Errorf("portal token listing its own app's endpoints: %v", err)
		}
		if _, err := pc.Endpoint.List(ctx, other.Id, nil); statusOf(err) != http.StatusForbidden && statusOf(err) != http.StatusNotFound {
			t.Errorf("portal token on another app: %v, want 403 or 404", err)
		}
		if _, err := pc.Application.List(ctx, nil); statusOf(err) != http.StatusForbidden {
			t.Errorf("portal token listing apps: %v, want 403", err)
		}
	})
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		app, _ := setup(t, s)
		tests := []struct {
			name, path, body, wantLoc string
		}{
			{"endpoint url", "/endpoint", `{"url":"ftp://x"}`, "url"},
			{"endpoint uid", "/endpoint", `{"url":"https://example.com","uid":"bad uid"}`, "uid"},
			{"endpoint rateLimit", "/endpoint", `{"url":"https://example.com","rateLimit":0}`, "rateLimit"},
			{"endpoint channels", "/endpoint", `{"url":"https://example.com","channels":["a b"]}`, "channels"},
			{"endpoint filterTypes", "/endpoint", `{"url":"https://example.com","filterTypes":[]}`, "filterTypes"},
			{"endpoint secret", "/endpoint", `{"url":"https://example.com","secret":"short"}`, "secret"},
			{"message eventType", "/msg", `{"eventType":"a b","payload":{}}`, "eventType"},
			{"message payload", "/msg", `{"eventType":"a.b","payload":[1]}`, "payload"},
			{"message eventId", "/msg", `{"eventType":"a.b","payload":{},"eventId":"x y"}`, "eventId"},
			{"message channels", "/msg", `{"eventType":"a.b","payload":{},"channels":["a b"]}`, "channels"},
		}
		for _, tt := range tests {
			code, body := s.do(t, "POST", "/api/v1/app/"+app.Id+tt.path, s.Token, []byte(tt.body))
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"`+tt.wantLoc+`"`) {
				t.Errorf("%s: POST %s %s = %d %s, want 422 naming %q", tt.name, tt.path, tt.body, code, body, tt.wantLoc)
			}
		}
		code, body := s.do(t, "GET", "/api/v1/app/"+app.Id+"/msg", s.Token, nil)
		if code != http.StatusOK || !strings.Contains(string(body), `"data":[]`) {
			t.Errorf("after invalid requests, messages = %d %s; want none created", code, body)
		}
	})
}

// Svix's MessageStatus values; the SDK does not re-export its constants.
const (
	statusSuccess svix.MessageStatus = 0
	statusFail    svix.MessageStatus = 2
)

// TestEndpointRateLimit checks the token bucket: an endpoint limited to 5
// deliveries per second gets 10 messages spread over at least 1.5 s,
// while an unlimited endpoint of the same app gets them at once.
func TestEndpointRateLimit(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		limited := newReceiver(t)
		free := newReceiver(t)
		app, _ := setup(t, s, &svix.EndpointIn{Url: limited.URL, RateLimit: ptr(uint16(5))}, &svix.EndpointIn{Url: free.URL})
		for i := range 10 {
			if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"i": i}}, nil); err != nil {
				t.Fatal(err)
			}
		}
		got := limited.waitFor(t, 10, 20*time.Second)
		if spread := got[9].At.Sub(got[0].At); spread < 1500*time.Millisecond {
			t.Errorf("10 deliveries at rateLimit 5/s arrived within %v, want at least 1.5s", spread)
		}
		free.waitFor(t, 10, 10*time.Second)
	})
}
