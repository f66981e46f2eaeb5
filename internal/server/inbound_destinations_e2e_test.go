package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// sourceForward is a source's forward as the API shows it.
type sourceForward struct {
	Forward struct {
		DestinationAppID string `json:"destinationAppId"`
		Destinations     []struct {
			URL        string   `json:"url"`
			Headers    []string `json:"headers"`
			EndpointID string   `json:"endpointId"`
		} `json:"destinations"`
	} `json:"forward"`
}

// getSourceForward reads the source's forward through the API.
func getSourceForward(t *testing.T, s *testServer, id string) sourceForward {
	t.Helper()
	code, resp := s.do(t, http.MethodGet, "/api/v1/source/"+id, s.Token, nil)
	if code != http.StatusOK {
		t.Fatalf("get source: %d %s", code, resp)
	}
	var out sourceForward
	if err := json.Unmarshal(resp, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A source's destinations are endpoints of the source's own app: each gets
// every verified request's body byte for byte (JSON or not) with the
// headers it chose and no others, signed with its own secret (read
// through the Svix API), retried after a 500 by the engine. A PATCH that
// drops a destination deletes its endpoint, so it gets nothing more; the
// source's deletion takes its app along.
func TestInboundForwardsToDestinations(t *testing.T) {
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		github := newReceiver(t, http.StatusInternalServerError) // then 200: the engine retries
		tenant := newReceiver(t)
		const providerSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		src := createSource(t, s, map[string]any{
			"name":   "Partner feed",
			"verify": map[string]any{"scheme": "standard-webhooks", "secret": providerSecret},
			"forward": map[string]any{"destinations": []map[string]any{
				{"url": github.URL + "/hooks", "headers": []string{"Content-Type", "x-github-event"}},
				{"url": tenant.URL, "headers": []string{"X-Tenant"}},
			}},
		})
		fwd := getSourceForward(t, s, src.ID).Forward
		if fwd.DestinationAppID == "" || len(fwd.Destinations) != 2 || fwd.Destinations[0].EndpointID == "" || fwd.Destinations[1].EndpointID == "" {
			t.Fatalf("the source's forward = %+v, want its app's ID and an endpoint ID per destination", fwd)
		}
		app, err := s.Client.Application.Get(ctx, fwd.DestinationAppID)
		if err != nil || app.Name != "Source: Partner feed" || app.Uid == nil || *app.Uid != src.ID {
			t.Fatalf("the source's app = %+v, %v; want one named for it with the source's ID as uid", app, err)
		}
		epGitHub, epTenant := fwd.Destinations[0].EndpointID, fwd.Destinations[1].EndpointID
		verifier := func(epID string) *svix.Webhook {
			secret, err := s.Client.Endpoint.GetSecret(ctx, app.Id, epID)
			if err != nil {
				t.Fatal(err)
			}
			wh, err := svix.NewWebhook(secret.Key)
			if err != nil {
				t.Fatal(err)
			}
			return wh
		}
		whGitHub, whTenant := verifier(epGitHub), verifier(epTenant)

		jsonBody := []byte(`{"zeta":1,  "alpha":"é"}`) // key order and spacing kept
		formBody := []byte("payload=%7B%22a%22%3A1%7D&x=%00%FF")
		binBody := []byte("\x00\xff\xfe raw \x00 bytes")
		send := func(body []byte, contentType string, at time.Time) {
			t.Helper()
			h := signStandardWebhooks(t, providerSecret, at, body)
			h.Set("Content-Type", contentType)
			h.Set("X-GitHub-Event", "push")
			h.Set("X-Tenant", "acme")
			h.Set("X-Other", "not chosen")
			if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL, body, h); code != http.StatusAccepted {
				t.Fatalf("inbound request: %d %s, want 202", code, resp)
			}
		}
		now := time.Now()
		send(jsonBody, "application/json", now)
		send(formBody, "application/x-www-form-urlencoded", now.Add(time.Millisecond))
		send(binBody, "application/octet-stream", now.Add(2*time.Millisecond))

		check := func(name string, r received, wh *svix.Webhook, want map[string]string, absent ...string) {
			t.Helper()
			if err := wh.Verify(r.Body, r.Header); err != nil {
				t.Errorf("%s: the delivery of %q does not verify with its endpoint's own secret: %v", name, r.Body, err)
			}
			if id := r.Header.Get("Webhook-Id"); !strings.HasPrefix(id, "msg_") || id != r.Header.Get("Svix-Id") {
				t.Errorf("%s: webhook-id %q svix-id %q, want Hookline's message ID in both", name, r.Header.Get("Webhook-Id"), r.Header.Get("Svix-Id"))
			}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s: %s = %q, want %q", name, k, got, v)
				}
			}
			for _, k := range absent {
				if got := r.Header.Values(k); len(got) != 0 {
					t.Errorf("%s: %s = %q, want it not passed on", name, k, got)
				}
			}
		}
		byBody := func(rs []received, body []byte) []received {
			var out []received
			for _, r := range rs {
				if bytes.Equal(r.Body, body) {
					out = append(out, r)
				}
			}
			return out
		}

		gotGitHub := github.waitFor(t, 4, 10*time.Second) // the 500 and its retry, and the others
		gotTenant := tenant.waitFor(t, 3, 10*time.Second)
		for _, tc := range []struct {
			body, contentType []byte
		}{{jsonBody, []byte("application/json")}, {formBody, []byte("application/x-www-form-urlencoded")}, {binBody, []byte("application/octet-stream")}} {
			gh, tn := byBody(gotGitHub, tc.body), byBody(gotTenant, tc.body)
			if len(gh) == 0 || len(tn) != 1 {
				t.Fatalf("body %q arrived %d times at the first destination and %d at the second, want it at both, byte for byte", tc.body, len(gh), len(tn))
			}
			for _, r := range gh {
				check("first destination", r, whGitHub, map[string]string{"Content-Type": string(tc.contentType), "X-Github-Event": "push"}, "X-Tenant", "X-Other")
			}
			// The second chose no Content-Type: it gets the format's.
			check("second destination", tn[0], whTenant, map[string]string{"Content-Type": "application/json", "X-Tenant": "acme"}, "X-Github-Event", "X-Other")
		}
		if len(gotGitHub) != 4 {
			t.Errorf("the first destination got %d requests, want 4 (one retried after its 500)", len(gotGitHub))
		}

		// Each request is one message of the source's app, linked from the
		// stored request, and listed through the Svix API (the form body
		// shown as JSON); the 500 is in the endpoint's attempts.
		msgs, err := s.Client.Message.List(ctx, app.Id, nil)
		if err != nil || len(msgs.Data) != 3 {
			t.Fatalf("the source's app lists %d messages, %v; want 3", len(msgs.Data), err)
		}
		for _, r := range sourceRequests(t, s, src.ID) {
			if len(r.MessageIDs) != 1 || !slices.ContainsFunc(msgs.Data, func(m svix.MessageOut) bool { return m.Id == r.MessageIDs[0] }) {
				t.Errorf("stored request %s caused %v, want one of the app's messages", r.ID, r.MessageIDs)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			attempts, err := s.Client.MessageAttempt.ListByEndpoint(ctx, app.Id, epGitHub, nil)
			if err != nil {
				t.Fatal(err)
			}
			var failed int
			for _, a := range attempts.Data {
				if a.ResponseStatusCode == http.StatusInternalServerError {
					failed++
				}
			}
			if len(attempts.Data) == 4 && failed == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the first destination's attempts: %d, %d of them 500; want 4 with one 500", len(attempts.Data), failed)
			}
			time.Sleep(20 * time.Millisecond) // polling the attempt log, written in batches
		}

		// Drop the first destination, as a client would: the GET's list
		// sent back without it.
		patch, _ := json.Marshal(map[string]any{"forward": map[string]any{"destinations": []any{fwd.Destinations[1]}}})
		if code, resp := s.do(t, http.MethodPatch, "/api/v1/source/"+src.ID, s.Token, patch); code != http.StatusOK {
			t.Fatalf("PATCH the destinations: %d %s", code, resp)
		}
		after := getSourceForward(t, s, src.ID).Forward
		if len(after.Destinations) != 1 || after.Destinations[0].EndpointID != epTenant || after.DestinationAppID != app.Id {
			t.Fatalf("after the PATCH the forward = %+v, want the second destination alone, same endpoint and app", after)
		}
		if _, err := s.Client.Endpoint.Get(ctx, app.Id, epGitHub); !isNotFound(err) {
			t.Errorf("the dropped destination's endpoint: %v, want 404", err)
		}
		third := []byte(`{"third":true}`)
		send(third, "application/json", now.Add(3*time.Millisecond))
		tenant.waitFor(t, 4, 10*time.Second)
		msgs, err = s.Client.Message.List(ctx, app.Id, nil)
		if err != nil || len(msgs.Data) != 4 {
			t.Fatalf("the source's app lists %d messages, %v; want 4", len(msgs.Data), err)
		}
		dests, err := s.Client.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msgs.Data[0].Id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(dests.Data) != 1 || dests.Data[0].Id != epTenant {
			t.Errorf("the message after the PATCH went to %+v, want the remaining destination alone", dests.Data)
		}
		if n := len(byBody(github.requests(), third)); n != 0 {
			t.Errorf("the dropped destination got the request after the PATCH %d times", n)
		}

		if code, resp := s.do(t, http.MethodDelete, "/api/v1/source/"+src.ID, s.Token, nil); code != http.StatusNoContent {
			t.Fatalf("DELETE the source: %d %s", code, resp)
		}
		if _, err := s.Client.Application.Get(ctx, app.Id); !isNotFound(err) {
			t.Errorf("the deleted source's app: %v, want 404", err)
		}
	})
}

// A destination's headers may not be Hookline's own: a 422 naming the
// header, and nothing made.
func TestInboundDestinationRules(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct{ name, forward, detail string }{
		{"signature header", `{"destinations":[{"url":"https://example.com/","headers":["webhook-signature"]}]}`, "forward.destinations.0.headers.0"},
		{"host", `{"destinations":[{"url":"https://example.com/","headers":["Host"]}]}`, "forward.destinations.0.headers.0"},
		{"both", `{"app":{"appId":"app_2aaaaaaaaaaaaaaaaaaaaaaaaaa","eventType":"a.b"},"destinations":[{"url":"https://example.com/"}]}`, "not both"},
		{"unknown endpointId", `{"destinations":[{"url":"https://example.com/","endpointId":"ep_2aaaaaaaaaaaaaaaaaaaaaaaaaa"}]}`, "forward.destinations.0.endpointId"},
	} {
		body := []byte(`{"name":"x","verify":{"scheme":"none"},"forward":` + tc.forward + `}`)
		code, resp := s.do(t, http.MethodPost, "/api/v1/source", s.Token, body)
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(resp), tc.detail) {
			t.Errorf("%s: %d %s, want 422 naming %s", tc.name, code, resp, tc.detail)
		}
	}
	apps, err := s.Client.Application.List(context.Background(), nil)
	if err != nil || len(apps.Data) != 0 {
		t.Errorf("after refused sources the server has %d apps, %v; want none", len(apps.Data), err)
	}
}
