package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
)

func withDataDir(dir string) serverOption { return func(c *config.Config) { c.DataDir = dir } }

func withOperationalApp(idOrUID string) serverOption {
	return func(c *config.Config) { c.OperationalApp = idOrUID }
}

// opEvent is an operational event as it arrives.
type opEvent struct {
	Type string `json:"type"`
	Data struct {
		AppID       string  `json:"appId"`
		AppUID      *string `json:"appUid"`
		EndpointID  string  `json:"endpointId"`
		EndpointUID *string `json:"endpointUid"`
		MsgID       string  `json:"msgId"`
		MsgEventID  *string `json:"msgEventId"`
		LastAttempt *struct {
			ID                 string `json:"id"`
			Timestamp          string `json:"timestamp"`
			ResponseStatusCode int    `json:"responseStatusCode"`
		} `json:"lastAttempt"`
	} `json:"data"`
}

// TestOperationalEvents starts a server, creates the operational app
// with an endpoint, and restarts the server on the same database with
// --operational-app. A new endpoint in another app then brings
// endpoint.created, and a message failing 4 times brings
// message.attempt.failing (then .exhausted), each signed with the
// operational endpoint's secret; nothing reports on the operational app
// itself.
func TestOperationalEvents(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		ctx := context.Background()
		dir := t.TempDir()
		first := startServer(t, db, withDataDir(dir))
		opsRcv := newReceiver(t)
		ops, err := first.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Operations", Uid: ptr("ops")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		opsEP, err := first.Client.Endpoint.Create(ctx, ops.Id, svix.EndpointIn{Url: opsRcv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := first.Client.Endpoint.GetSecret(ctx, ops.Id, opsEP.Id)
		if err != nil {
			t.Fatal(err)
		}
		first.stop()

		schedule := []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}
		s := startServer(t, db, withDataDir(dir), withOperationalApp("ops"), withRetrySchedule(schedule...))
		// The operational event types exist, with descriptions.
		et, err := s.Client.EventType.Get(ctx, "message.attempt.failing")
		if err != nil || et.Description == "" {
			t.Fatalf("EventType.Get(message.attempt.failing) = %+v, %v; want it created with a description", et, err)
		}

		// An endpoint of the operational app itself reports nothing.
		if _, err := s.Client.Endpoint.Create(ctx, ops.Id, svix.EndpointIn{Url: deadURL(t), FilterTypes: []string{"endpoint.deleted"}}, nil); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"user.created", "invoice.paid"} {
			if _, err := s.Client.EventType.Create(ctx, svix.EventTypeIn{Name: name, Description: name}, nil); err != nil {
				t.Fatal(err)
			}
		}
		failing := newReceiver(t, 500, 500, 500, 500, 500)
		app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Customer", Uid: ptr("customer")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ep, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: failing.URL, Uid: ptr("crm"), FilterTypes: []string{"user.created"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// A second endpoint fails 4 times, then answers: recovered.
		flaky := newReceiver(t, 500, 500, 500, 500)
		ep2, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: flaky.URL, FilterTypes: []string{"invoice.paid"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "user.created", EventId: ptr("evt-1"), Payload: map[string]any{"a": 1}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		msg2, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "invoice.paid", Payload: map[string]any{"b": 2}}, nil)
		if err != nil {
			t.Fatal(err)
		}

		wh, err := svix.NewWebhook(secret.Key)
		if err != nil {
			t.Fatal(err)
		}
		// Events by type and endpoint: "message.attempt.failing ep_...".
		byType := map[string]opEvent{}
		ev := func(typ, epID string) opEvent { return byType[typ+" "+epID] }
		deadline := time.Now().Add(20 * time.Second)
		for seen := 0; ev("message.attempt.exhausted", ep.Id).Type == "" || ev("message.attempt.recovered", ep2.Id).Type == "" ||
			ev("endpoint.created", ep.Id).Type == "" || ev("endpoint.created", ep2.Id).Type == ""; {
			if time.Now().After(deadline) {
				t.Fatalf("operational events received: %v; want endpoint.created, message.attempt.failing and .exhausted", keys(byType))
			}
			got := opsRcv.requests()
			if len(got) == seen {
				select {
				case <-opsRcv.notify:
				case <-time.After(50 * time.Millisecond):
				}
				continue
			}
			for _, r := range got[seen:] {
				if err := wh.Verify(r.Body, r.Header); err != nil {
					t.Errorf("operational event %s: signature: %v", r.Body, err)
				}
				var got1 opEvent
				if err := json.Unmarshal(r.Body, &got1); err != nil {
					t.Fatalf("operational event %s: %v", r.Body, err)
				}
				if got1.Data.AppID == ops.Id {
					t.Errorf("operational event about the operational app itself: %s", r.Body)
				}
				key := got1.Type + " " + got1.Data.EndpointID
				if _, dup := byType[key]; dup {
					t.Errorf("operational event %s arrived twice", key)
				}
				byType[key] = got1
			}
			seen = len(got)
		}

		created := ev("endpoint.created", ep.Id)
		if created.Data.AppID != app.Id || created.Data.EndpointID != ep.Id || deref(created.Data.AppUID) != "customer" || deref(created.Data.EndpointUID) != "crm" {
			t.Errorf("endpoint.created data = %+v, want app %s (customer), endpoint %s (crm)", created.Data, app.Id, ep.Id)
		}
		for _, typ := range []string{"message.attempt.failing", "message.attempt.exhausted"} {
			d := ev(typ, ep.Id).Data
			if d.AppID != app.Id || deref(d.AppUID) != "customer" || d.MsgID != msg.Id || deref(d.MsgEventID) != "evt-1" || d.EndpointID != ep.Id ||
				d.LastAttempt == nil || d.LastAttempt.ResponseStatusCode != 500 || !strings.HasPrefix(d.LastAttempt.ID, "atmpt_") || d.LastAttempt.Timestamp == "" {
				t.Errorf("%s data = %+v, want the message %s, endpoint %s and its last attempt (500)", typ, d, msg.Id, ep.Id)
			}
		}
		rec := ev("message.attempt.recovered", ep2.Id).Data
		if rec.MsgID != msg2.Id || rec.LastAttempt == nil || rec.LastAttempt.ResponseStatusCode != 200 || ev("message.attempt.failing", ep2.Id).Type == "" {
			t.Errorf("recovered data = %+v, want message %s delivered (200) after a failing event", rec, msg2.Id)
		}
		if _, ok := byType["message.attempt.exhausted "+ep2.Id]; ok {
			t.Errorf("message.attempt.exhausted for the endpoint that recovered")
		}
		// message.attempt.failing names the 4th attempt, .exhausted the
		// 5th and last (attempts list newest first).
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 10*time.Second, "5 attempts recorded", func() bool {
			atts, err = s.Client.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
			return err == nil && len(atts.Data) == 5
		})
		if f, x := ev("message.attempt.failing", ep.Id).Data.LastAttempt, ev("message.attempt.exhausted", ep.Id).Data.LastAttempt; f == nil || x == nil ||
			f.ID != atts.Data[1].Id || x.ID != atts.Data[0].Id {
			t.Errorf("failing names attempt %+v, exhausted %+v; want the 4th (%s) and the 5th (%s)", f, x, atts.Data[1].Id, atts.Data[0].Id)
		}
	})
}

func keys(m map[string]opEvent) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestOperationalAppIDMustExist: a server told to report to an app ID
// that names no app refuses to start, saying so; an ID cannot be chosen,
// so it is a mistake, not a request to create the app.
func TestOperationalAppIDMustExist(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.AdminToken, cfg.OperationalApp = "127.0.0.1:0", t.TempDir(), testAdminToken, "app_2ZxR8Vh9kQ1mN3bC5dF7gH9jK0"
	var out, logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := server.Run(ctx, cfg, &out, slog.New(slog.NewTextHandler(&logs, nil)))
	if err == nil || !strings.Contains(err.Error(), `--operational-app: no app has the ID "app_2ZxR8Vh9kQ1mN3bC5dF7gH9jK0"`) {
		t.Errorf("server.Run with a missing operational app ID = %v, want the ID named as missing", err)
	}
	if strings.Contains(out.String(), "listening") {
		t.Errorf("server listened despite the missing operational app: %s", out.String())
	}
}

// TestOperationalAppCreatedFromUID: a UID that names no app yet creates
// the app at start, logged; a restart with the same UID finds that app
// instead of making another, and its endpoints receive the events.
func TestOperationalAppCreatedFromUID(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		ctx := context.Background()
		dir := t.TempDir()
		first := startServer(t, db, withDataDir(dir), withOperationalApp("ops-fresh"))
		if !strings.Contains(first.Logs.String(), "created the operational app") {
			t.Errorf("server log does not say the operational app was created:\n%s", first.Logs.String())
		}
		ops, err := first.Client.Application.Get(ctx, "ops-fresh")
		if err != nil {
			t.Fatalf("Application.Get(ops-fresh) after start = %v, want the app created", err)
		}
		first.stop()

		s := startServer(t, db, withDataDir(dir), withOperationalApp("ops-fresh"))
		if strings.Contains(s.Logs.String(), "created the operational app") {
			t.Errorf("second start created the operational app again:\n%s", s.Logs.String())
		}
		apps, err := s.Client.Application.List(ctx, nil)
		if err != nil || len(apps.Data) != 1 || apps.Data[0].Id != ops.Id {
			t.Fatalf("Application.List after restart = %+v, %v; want only the operational app %s", apps, err, ops.Id)
		}
		rcv := newReceiver(t)
		if _, err := s.Client.Endpoint.Create(ctx, ops.Id, svix.EndpointIn{Url: rcv.URL, FilterTypes: []string{"endpoint.created"}}, nil); err != nil {
			t.Fatal(err)
		}
		app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Customer"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ep, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: deadURL(t)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := rcv.waitFor(t, 1, 10*time.Second)
		var ev opEvent
		if err := json.Unmarshal(got[0].Body, &ev); err != nil || ev.Type != "endpoint.created" || ev.Data.EndpointID != ep.Id {
			t.Errorf("operational event = %s (%v), want endpoint.created for %s", got[0].Body, err, ep.Id)
		}
	})
}

// TestOperationalAppInvalidUID: a value that is neither an app nor a
// valid UID is refused at start with the rule it breaks.
func TestOperationalAppInvalidUID(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.AdminToken, cfg.OperationalApp = "127.0.0.1:0", t.TempDir(), testAdminToken, "ops app!"
	var out, logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := server.Run(ctx, cfg, &out, slog.New(slog.NewTextHandler(&logs, nil)))
	if err == nil || !strings.Contains(err.Error(), `"ops app!" is neither an existing app nor a valid UID`) {
		t.Errorf("server.Run with --operational-app %q = %v, want it refused as an invalid UID", cfg.OperationalApp, err)
	}
}
