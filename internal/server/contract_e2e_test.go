package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"
)

// The behaviours of the newest Svix API (v1.99.1) that Hookline took on when its
// contract moved there, each against a real server through the v1.99.1 SDK or raw HTTP.

// verifies reports whether a delivery verifies with key.
func verifies(t *testing.T, key string, d received) bool {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(key)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(d.Body, d.Header) == nil
}

// createEventTypes creates event types by name, each described by its name.
func createEventTypes(t *testing.T, s *testServer, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := s.Client.EventType.Create(context.Background(), svix.EventTypeIn{Name: name, Description: name}, nil); err != nil {
			t.Fatalf("EventType.Create(%s): %v", name, err)
		}
	}
}

// TestRotationGracePeriod: gracePeriodSeconds 0 stops signing with the old key at once; a
// grace period keeps it signing beside the new one; Svix's bounds are 0 to 7 days.
func TestRotationGracePeriod(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		ep := eps[0]
		key := func() string {
			t.Helper()
			sec, err := s.Client.Endpoint.GetSecret(ctx, app.Id, ep.Id)
			if err != nil {
				t.Fatal(err)
			}
			return sec.Key
		}
		send := func(n int) received {
			t.Helper()
			if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"n": n}}, nil); err != nil {
				t.Fatal(err)
			}
			return rcv.waitFor(t, n, 10*time.Second)[n-1]
		}

		k1 := key()
		if err := s.Client.Endpoint.RotateSecret(ctx, app.Id, ep.Id, svix.EndpointSecretRotateIn{GracePeriodSeconds: ptr(uint32(0))}, nil); err != nil {
			t.Fatalf("RotateSecret(grace 0): %v", err)
		}
		k2 := key()
		d := send(1)
		if !verifies(t, k2, d) || verifies(t, k1, d) {
			t.Errorf("after a rotation with grace 0: verifies with new key %v, old key %v; want true, false (signature %q)",
				verifies(t, k2, d), verifies(t, k1, d), d.Header.Get("webhook-signature"))
		}
		if sigs := strings.Fields(d.Header.Get("webhook-signature")); len(sigs) != 1 {
			t.Errorf("after a rotation with grace 0: %d signatures, want 1", len(sigs))
		}

		if err := s.Client.Endpoint.RotateSecret(ctx, app.Id, ep.Id, svix.EndpointSecretRotateIn{GracePeriodSeconds: ptr(uint32(3600))}, nil); err != nil {
			t.Fatalf("RotateSecret(grace 3600): %v", err)
		}
		k3 := key()
		d = send(2)
		if !verifies(t, k3, d) || !verifies(t, k2, d) || verifies(t, k1, d) {
			t.Errorf("after a rotation with grace 3600: verifies with k3 %v, k2 %v, k1 %v; want true, true, false",
				verifies(t, k3, d), verifies(t, k2, d), verifies(t, k1, d))
		}

		path := "/api/v1/app/" + app.Id + "/endpoint/" + ep.Id + "/secret/rotate"
		for _, body := range []string{`{"gracePeriodSeconds":604801}`, `{"gracePeriodSeconds":-1}`} {
			if code, b := s.do(t, "POST", path, s.Token, []byte(body)); code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "gracePeriodSeconds") {
				t.Errorf("rotate %s = %d %s, want 422 at gracePeriodSeconds", body, code, b)
			}
		}
		if key() != k3 {
			t.Error("a refused rotation changed the key")
		}
	})
}

// TestEndpointFieldAliases: eventTypes (the filter's name in Svix's newest spec and in the
// JavaScript SDK 2.x) filters exactly as filterTypes does, throttleRate is rateLimit; both
// names given and different is a 422 that changes nothing, and a field in no spec is
// refused rather than ignored.
func TestEndpointFieldAliases(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		createEventTypes(t, s, "invoice.paid", "invoice.voided")
		app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "aliases"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rcv := newReceiver(t)
		base := "/api/v1/app/" + app.Id + "/endpoint"
		code, body := s.do(t, "POST", base, s.Token, []byte(`{"url":"`+rcv.URL+`","eventTypes":["invoice.paid"],"throttleRate":7}`))
		if code != http.StatusCreated {
			t.Fatalf("create with eventTypes = %d %s, want 201", code, body)
		}
		var ep struct {
			ID                      string
			EventTypes, FilterTypes []string
			RateLimit, ThrottleRate *int
		}
		if err := json.Unmarshal(body, &ep); err != nil {
			t.Fatal(err)
		}
		if len(ep.FilterTypes) != 1 || ep.FilterTypes[0] != "invoice.paid" || len(ep.EventTypes) != 1 ||
			ep.RateLimit == nil || *ep.RateLimit != 7 || ep.ThrottleRate == nil || *ep.ThrottleRate != 7 {
			t.Errorf("created endpoint = %s, want the filter and the rate under both names", body)
		}
		for _, et := range []string{"invoice.voided", "invoice.paid"} {
			if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: et, Payload: map[string]any{"t": et}}, nil); err != nil {
				t.Fatal(err)
			}
		}
		got := rcv.waitFor(t, 1, 10*time.Second)
		if !strings.Contains(string(got[0].Body), "invoice.paid") {
			t.Errorf("first delivery = %s, want the invoice.paid message", got[0].Body)
		}
		// The voided message was routed to nobody: no destination listed.
		msgs, err := s.Client.Message.List(ctx, app.Id, &svix.MessageListOptions{EventTypes: &[]string{"invoice.voided"}})
		if err != nil || len(msgs.Data) != 1 {
			t.Fatalf("Message.List voided = %v, %v", msgs, err)
		}
		dests, err := s.Client.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msgs.Data[0].Id, nil)
		if err != nil || len(dests.Data) != 0 {
			t.Errorf("destinations of the voided message = %+v, %v; want none (the filter holds)", dests, err)
		}

		refused := []struct{ method, path, body, loc string }{
			{"POST", base, `{"url":"` + rcv.URL + `","eventTypes":["invoice.paid"],"filterTypes":["invoice.voided"]}`, "eventTypes"},
			{"POST", base, `{"url":"` + rcv.URL + `","rateLimit":1,"throttleRate":2}`, "throttleRate"},
			{"POST", base, `{"url":"` + rcv.URL + `","filter_types":["invoice.paid"]}`, "filter_types"},
			{"PATCH", base + "/" + ep.ID, `{"eventTypes":["invoice.voided"],"filterTypes":["invoice.paid"]}`, "eventTypes"},
			{"PATCH", base + "/" + ep.ID, `{"filtertypes":["invoice.voided"]}`, "filtertypes"},
			{"PUT", base + "/" + ep.ID, `{"url":"` + rcv.URL + `","secret":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}`, "secret"},
		}
		for _, tc := range refused {
			code, b := s.do(t, tc.method, tc.path, s.Token, []byte(tc.body))
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"`+tc.loc+`"`) {
				t.Errorf("%s %s = %d %s, want 422 naming %s", tc.method, tc.body, code, b, tc.loc)
			}
		}
		eps, err := s.Client.Endpoint.List(ctx, app.Id, nil)
		if err != nil || len(eps.Data) != 1 || len(eps.Data[0].FilterTypes) != 1 || eps.Data[0].FilterTypes[0] != "invoice.paid" {
			t.Errorf("after the refused requests: %+v, %v; want the one endpoint unchanged", eps, err)
		}

		// PATCH by the new name; both names equal (an echoed answer) is accepted.
		code, b := s.do(t, "PATCH", base+"/"+ep.ID, s.Token, []byte(`{"eventTypes":["invoice.voided"],"throttleRate":null}`))
		if code != http.StatusOK || !strings.Contains(string(b), `"filterTypes":["invoice.voided"]`) || strings.Contains(string(b), "rateLimit") {
			t.Errorf("PATCH eventTypes, throttleRate null = %d %s, want the filter moved and the rate cleared", code, b)
		}
		echo, err := s.Client.Endpoint.Get(ctx, app.Id, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, raw := s.do(t, "GET", base+"/"+ep.ID, s.Token, nil)
		if code, b := s.do(t, "PUT", base+"/"+ep.ID, s.Token, raw); code != http.StatusOK {
			t.Errorf("PUT of the endpoint's own answer (%s) = %d %s, want 200", raw, code, b)
		}
		if after, err := s.Client.Endpoint.Get(ctx, app.Id, ep.ID); err != nil || after.FilterTypes[0] != echo.FilterTypes[0] {
			t.Errorf("after the echo PUT: %+v, %v", after, err)
		}
	})
}

// TestPatchHeadersDeleteHeaders: deleteHeaders (in the SDK's EndpointHeadersPatchIn)
// removes headers, whatever their stored spelling, and deliveries stop carrying them.
func TestPatchHeadersDeleteHeaders(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		ep := eps[0]
		if err := s.Client.Endpoint.UpdateHeaders(ctx, app.Id, ep.Id, svix.EndpointHeadersIn{Headers: map[string]string{"X-Keep": "1", "X-Drop": "2", "X-Also-Drop": "3"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Client.Endpoint.PatchHeaders(ctx, app.Id, ep.Id, svix.EndpointHeadersPatchIn{
			Headers: map[string]string{"X-New": "4"}, DeleteHeaders: []string{"x-drop", "X-Also-Drop", "X-Never-Set"},
		}); err != nil {
			t.Fatalf("PatchHeaders with deleteHeaders: %v", err)
		}
		h, err := s.Client.Endpoint.GetHeaders(ctx, app.Id, ep.Id)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Headers) != 2 || h.Headers["X-Keep"] != "1" || h.Headers["X-New"] != "4" {
			t.Errorf("headers after deleteHeaders = %v, want X-Keep and X-New", h.Headers)
		}
		if _, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil); err != nil {
			t.Fatal(err)
		}
		d := rcv.waitFor(t, 1, 10*time.Second)[0]
		if d.Header.Get("X-Drop") != "" || d.Header.Get("X-Also-Drop") != "" || d.Header.Get("X-Keep") != "1" || d.Header.Get("X-New") != "4" {
			t.Errorf("delivery headers = %v, want X-Keep and X-New only", d.Header)
		}
		path := "/api/v1/app/" + app.Id + "/endpoint/" + ep.Id + "/headers"
		if code, b := s.do(t, "PATCH", path, s.Token, []byte(`{"headers":{"X-Keep":"9"},"deleteHeaders":["x-keep"]}`)); code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "deleteHeaders") {
			t.Errorf("set and delete the same header = %d %s, want 422 at deleteHeaders", code, b)
		}
	})
}

// TestInlineApplication: message create and app-portal-access with an inline application
// create the app when the path's uid names none, as Svix does (its uid must be the
// path's); an app the path names is used as it is.
func TestInlineApplication(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		msg, err := s.Client.Message.Create(ctx, "inline-app", svix.MessageIn{
			EventType: "a.b", Payload: map[string]any{"x": 1},
			Application: &svix.ApplicationIn{Name: "Inline", Uid: ptr("inline-app"), ThrottleRate: ptr(uint16(9))},
		}, nil)
		if err != nil {
			t.Fatalf("Message.Create with an inline application: %v", err)
		}
		app, err := s.Client.Application.Get(ctx, "inline-app")
		if err != nil || app.Name != "Inline" || app.RateLimit == nil || *app.RateLimit != 9 {
			t.Fatalf("the inline app = %+v, %v; want it created, named Inline, rate 9", app, err)
		}
		if got, err := s.Client.Message.Get(ctx, app.Id, msg.Id, nil); err != nil || got.Id != msg.Id {
			t.Errorf("Message.Get in the new app = %v, %v", got, err)
		}
		// Now the app exists: the inline application is ignored, name and all.
		if _, err := s.Client.Message.Create(ctx, "inline-app", svix.MessageIn{EventType: "a.b", Payload: map[string]any{},
			Application: &svix.ApplicationIn{Name: "Other name", Uid: ptr("inline-app")}}, nil); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.Client.Application.Get(ctx, "inline-app"); again.Name != "Inline" {
			t.Errorf("an existing app was renamed by an inline application: %q", again.Name)
		}
		apps, _ := s.Client.Application.List(ctx, nil)
		if len(apps.Data) != 1 {
			t.Errorf("%d apps, want 1", len(apps.Data))
		}

		portal, err := s.Client.Authentication.AppPortalAccess(ctx, "portal-app", svix.AppPortalAccessIn{
			Application: &svix.ApplicationIn{Name: "Portal", Uid: ptr("portal-app")},
		}, nil)
		if err != nil {
			t.Fatalf("AppPortalAccess with an inline application: %v", err)
		}
		papp, err := s.Client.Application.Get(ctx, "portal-app")
		if err != nil || papp.Name != "Portal" {
			t.Fatalf("the portal's inline app = %+v, %v", papp, err)
		}
		if eps, err := s.clientFor(t, portal.Token).Endpoint.List(ctx, "portal-app", nil); err != nil || len(eps.Data) != 0 {
			t.Errorf("the new portal token lists its app's endpoints: %v, %v", eps, err)
		}

		for _, tc := range []struct{ path, body, typ string }{
			{"/api/v1/app/none-1/msg", `{"eventType":"a.b","payload":{},"application":{"name":"N"}}`, "application_uid_missing"},
			{"/api/v1/app/none-1/msg", `{"eventType":"a.b","payload":{},"application":{"name":"N","uid":"none-2"}}`, "application_uid_mismatch"},
			{"/api/v1/auth/app-portal-access/none-1", `{"application":{"name":"N","uid":"none-2"}}`, "application_uid_mismatch"},
			{"/api/v1/app/none-1/msg", `{"eventType":"a.b","payload":{},"application":{"name":"","uid":"none-1"}}`, "value_error"},
		} {
			code, b := s.do(t, "POST", tc.path, s.Token, []byte(tc.body))
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"application"`) || !strings.Contains(string(b), tc.typ) {
				t.Errorf("POST %s %s = %d %s, want 422 %s at application", tc.path, tc.body, code, b, tc.typ)
			}
		}
		if code, b := s.do(t, "POST", "/api/v1/app/none-1/msg", s.Token, []byte(`{"eventType":"a.b","payload":{}}`)); code != http.StatusNotFound {
			t.Errorf("message to an unknown app without an application = %d %s, want 404", code, b)
		}
		if _, err := s.Client.Application.Get(ctx, "none-1"); statusOf(err) != http.StatusNotFound {
			t.Errorf("a refused inline application created the app: %v", err)
		}
	})
}

// TestTagsAndWithMsg: a message's tags are kept and answered, the tag filter keeps the
// messages and attempts that carry it, and with_msg puts each attempt's message (without
// its payload) beside it.
func TestTagsAndWithMsg(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL})
		ep := eps[0]
		tagged, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"n": 1}, Tags: []string{"vip", "order/42"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(tagged.Tags) != 2 || tagged.Tags[0] != "vip" {
			t.Errorf("Message.Create answered tags %v, want [vip order/42]", tagged.Tags)
		}
		plain, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"n": 2}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 2, 10*time.Second)
		if got, _ := s.Client.Message.Get(ctx, app.Id, tagged.Id, nil); len(got.Tags) != 2 {
			t.Errorf("Message.Get tags = %v", got.Tags)
		}
		list, err := s.Client.Message.List(ctx, app.Id, &svix.MessageListOptions{Tag: ptr("order/42")})
		if err != nil || len(list.Data) != 1 || list.Data[0].Id != tagged.Id {
			t.Errorf("Message.List tag=order/42 = %+v, %v; want the tagged message only", list, err)
		}
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 5*time.Second, "two attempts", func() bool {
			atts, err = s.Client.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, nil)
			return err == nil && len(atts.Data) == 2
		})
		byTag, err := s.Client.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, &svix.MessageAttemptListByEndpointOptions{Tag: ptr("vip"), WithMsg: ptr(true)})
		if err != nil || len(byTag.Data) != 1 || byTag.Data[0].MsgId != tagged.Id {
			t.Fatalf("attempts tag=vip = %+v, %v; want the tagged message's one", byTag, err)
		}
		m := byTag.Data[0].Msg
		if m == nil || m.Id != tagged.Id || m.EventType != "a.b" || len(m.Tags) != 2 || len(m.Payload) != 0 {
			t.Errorf("with_msg: msg = %+v, want the tagged message without its payload", m)
		}
		if a := atts.Data[0]; a.Msg != nil {
			t.Errorf("without with_msg, attempt %s carries msg %+v", a.Id, a.Msg)
		}
		byMsgTag, err := s.Client.MessageAttempt.ListByMsg(ctx, app.Id, plain.Id, &svix.MessageAttemptListByMsgOptions{Tag: ptr("vip")})
		if err != nil || len(byMsgTag.Data) != 0 {
			t.Errorf("attempts of the untagged message, tag=vip = %+v, %v; want none", byMsgTag, err)
		}
		attempted, err := s.Client.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, &svix.MessageAttemptListAttemptedMessagesOptions{Tag: ptr("vip")})
		if err != nil || len(attempted.Data) != 1 || attempted.Data[0].Id != tagged.Id || len(attempted.Data[0].Tags) != 2 {
			t.Errorf("attempted messages tag=vip = %+v, %v", attempted, err)
		}
		for _, q := range []string{"/msg?tag=bad%20tag", "/attempt/endpoint/" + ep.Id + "?with_msg=maybe"} {
			if code, b := s.do(t, "GET", "/api/v1/app/"+app.Id+q, s.Token, nil); code != http.StatusUnprocessableEntity {
				t.Errorf("GET %s = %d %s, want 422", q, code, b)
			}
		}
		if code, b := s.do(t, "POST", "/api/v1/app/"+app.Id+"/msg", s.Token, []byte(`{"eventType":"a.b","payload":{},"tags":["a","b","c","d","e","f"]}`)); code != http.StatusUnprocessableEntity {
			t.Errorf("six tags = %d %s, want 422", code, b)
		}
	})
}

// TestReplayMissing: replay-missing gives an endpoint, as manual attempts, the messages of
// its app it would take and never got, and nothing it got already.
func TestReplayMissing(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		createEventTypes(t, s, "order.placed", "order.refunded")
		early, late := newReceiver(t), newReceiver(t)
		app, _ := setup(t, s, &svix.EndpointIn{Url: early.URL})
		since := time.Now().Add(-time.Minute)
		send := func(et string, n int) *svix.MessageOut {
			t.Helper()
			m, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: et, Payload: map[string]any{"n": n}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		m1 := send("order.placed", 1)
		send("order.refunded", 2) // late's filter leaves it out
		early.waitFor(t, 2, 10*time.Second)
		lateEP, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: late.URL, FilterTypes: []string{"order.placed"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		send("order.placed", 3) // late gets it at once
		late.waitFor(t, 1, 10*time.Second)

		out, err := s.Client.Endpoint.ReplayMissing(ctx, app.Id, lateEP.Id, svix.ReplayIn{Since: since}, nil)
		if err != nil {
			t.Fatalf("ReplayMissing: %v", err)
		}
		if !strings.HasPrefix(out.Id, "qtask_") || out.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_REPLAY || out.UpdatedAt.IsZero() {
			t.Errorf("ReplayMissing = %+v, want a qtask_ of endpoint.replay", out)
		}
		got := late.waitFor(t, 2, 10*time.Second)
		if !strings.Contains(string(got[1].Body), `"n":1`) {
			t.Errorf("the replayed delivery = %s, want m1", got[1].Body)
		}
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 5*time.Second, "the replayed attempt", func() bool {
			atts, err = s.Client.MessageAttempt.ListByMsg(ctx, app.Id, m1.Id, &svix.MessageAttemptListByMsgOptions{EndpointId: &lateEP.Id})
			return err == nil && len(atts.Data) == 1
		})
		if atts.Data[0].TriggerType != models.MESSAGEATTEMPTTRIGGERTYPE_MANUAL || atts.Data[0].StatusText != models.MESSAGESTATUSTEXT_SUCCESS {
			t.Errorf("replayed attempt = %+v, want manual and success", atts.Data[0])
		}
		// Again: nothing is missing now, so nothing more arrives.
		if _, err := s.Client.Endpoint.ReplayMissing(ctx, app.Id, lateEP.Id, svix.ReplayIn{Since: since}, nil); err != nil {
			t.Fatal(err)
		}
		send("order.placed", 4)
		got = late.waitFor(t, 3, 10*time.Second)
		if len(got) != 3 || !strings.Contains(string(got[2].Body), `"n":4`) {
			t.Errorf("after a second replay the endpoint got %d deliveries, the last %s; want m4 only (nothing replayed twice)", len(got), got[len(got)-1].Body)
		}
		if code, b := s.do(t, "POST", "/api/v1/app/"+app.Id+"/endpoint/"+lateEP.Id+"/replay-missing", s.Token, []byte(`{}`)); code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "since") {
			t.Errorf("replay-missing without since = %d %s, want 422 at since", code, b)
		}
	})
}

// TestExpireAllExpungeAllPrecheck: expire-all ends an app's portal tokens (at once, or
// after expiry), expunge-all-contents empties every message of an app, and precheck says
// whether an enabled endpoint takes a message.
func TestExpireAllExpungeAllPrecheck(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL, Channels: []string{"eu"}})
		other, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "other"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		portal := func(appID string) *svix.Svix {
			t.Helper()
			p, err := s.Client.Authentication.AppPortalAccess(ctx, appID, svix.AppPortalAccessIn{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s.clientFor(t, p.Token)
		}
		mine, theirs := portal(app.Id), portal(other.Id)
		if err := s.Client.Authentication.ExpireAll(ctx, app.Id, svix.ApplicationTokenExpireIn{Expiry: ptr(int64(3600))}, nil); err != nil {
			t.Fatalf("ExpireAll(expiry 3600): %v", err)
		}
		if _, err := mine.Endpoint.List(ctx, app.Id, nil); err != nil {
			t.Errorf("a token to expire in an hour is refused now: %v", err)
		}
		if err := s.Client.Authentication.ExpireAll(ctx, app.Id, svix.ApplicationTokenExpireIn{SessionIds: []string{"sess-1"}}, nil); err != nil {
			t.Fatalf("ExpireAll(sessionIds): %v", err)
		}
		if _, err := mine.Endpoint.List(ctx, app.Id, nil); err != nil {
			t.Errorf("ExpireAll of a session no token has expired a token: %v", err)
		}
		if err := s.Client.Authentication.ExpireAll(ctx, app.Id, svix.ApplicationTokenExpireIn{}, nil); err != nil {
			t.Fatalf("ExpireAll: %v", err)
		}
		if _, err := mine.Endpoint.List(ctx, app.Id, nil); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("after ExpireAll the app's portal token answers %v, want 401", err)
		}
		if _, err := theirs.Endpoint.List(ctx, other.Id, nil); err != nil {
			t.Errorf("ExpireAll of one app ended another's token: %v", err)
		}
		if _, err := s.Client.Application.List(ctx, nil); err != nil {
			t.Errorf("ExpireAll ended the admin token: %v", err)
		}
		if code, b := s.do(t, "POST", "/api/v1/auth/app/"+app.Id+"/expire-all", s.Token, []byte(`{"expiry":259201}`)); code != http.StatusUnprocessableEntity {
			t.Errorf("expire-all with expiry over 3 days = %d %s, want 422", code, b)
		}

		for _, tc := range []struct {
			in   svix.MessagePrecheckIn
			app  string
			want bool
		}{
			{svix.MessagePrecheckIn{EventType: "a.b", Channels: []string{"eu"}}, app.Id, true},
			{svix.MessagePrecheckIn{EventType: "a.b", Channels: []string{"us"}}, app.Id, false},
			{svix.MessagePrecheckIn{EventType: "a.b"}, app.Id, false},
			{svix.MessagePrecheckIn{EventType: "a.b", Channels: []string{"eu"}}, other.Id, false},
		} {
			out, err := s.Client.Message.Precheck(ctx, tc.app, tc.in, nil)
			if err != nil || out.Active != tc.want {
				t.Errorf("Precheck(%+v in %s) = %+v, %v; want active %v", tc.in, tc.app, out, err, tc.want)
			}
		}
		if _, err := s.Client.Endpoint.Patch(ctx, app.Id, eps[0].Id, svix.EndpointPatch{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if out, err := s.Client.Message.Precheck(ctx, app.Id, svix.MessagePrecheckIn{EventType: "a.b", Channels: []string{"eu"}}, nil); err != nil || out.Active {
			t.Errorf("Precheck with the endpoint disabled = %+v, %v; want inactive", out, err)
		}

		var ids []string
		for i := range 3 {
			m, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"i": i}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.Id)
		}
		keep, err := s.Client.Message.Create(ctx, other.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{"keep": true}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Client.Message.ExpungeAllContents(ctx, app.Id, nil)
		if err != nil {
			t.Fatalf("ExpungeAllContents: %v", err)
		}
		if out.Task != models.BACKGROUNDTASKTYPE_APPLICATION_PURGE_CONTENT || out.Status != models.BACKGROUNDTASKSTATUS_FINISHED {
			t.Errorf("ExpungeAllContents = %+v, want a finished application.purge_content", out)
		}
		for _, id := range ids {
			if m, err := s.Client.Message.Get(ctx, app.Id, id, nil); err != nil || m.Payload["expired"] != true {
				t.Errorf("message %s after ExpungeAllContents = %v, %v; want {\"expired\":true}", id, m, err)
			}
		}
		if m, err := s.Client.Message.Get(ctx, other.Id, keep.Id, nil); err != nil || m.Payload["keep"] != true {
			t.Errorf("another app's message after ExpungeAllContents = %v, %v", m, err)
		}
	})
}

// TestAnswerShapes checks, over raw HTTP against a real server, the fields the newest
// Svix API added to answers (with expanded_statuses=true, as the SDKs send it): statusText
// on attempts, attempted messages and destinations, canceled in stats, updatedAt on
// recover, {} on resend, throttleRate and eventTypes on endpoints; and that a client naming
// itself as an SDK with strict models (svix-libs/1.44.0) gets none of them.
func TestAnswerShapes(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL, RateLimit: ptr(uint16(9))})
		ep := eps[0]
		msg, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var attemptID string
		eventually(t, 10*time.Second, "the attempt", func() bool {
			atts, err := s.Client.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
			if err != nil || len(atts.Data) == 0 {
				return false
			}
			attemptID = atts.Data[0].Id
			return true
		})
		base := "/api/v1/app/" + app.Id
		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		for _, tc := range []struct {
			name, method, path, body string
			list                     bool
			fields                   []string // the newest API's, absent for v1.44.0
			want                     map[string]any
		}{
			{"attempts by msg", "GET", base + "/attempt/msg/" + msg.Id + "?expanded_statuses=true", "", true, []string{"statusText"}, map[string]any{"statusText": "success"}},
			{"attempts by endpoint", "GET", base + "/attempt/endpoint/" + ep.Id + "?expanded_statuses=true", "", true, []string{"statusText"}, map[string]any{"statusText": "success"}},
			{"attempt", "GET", base + "/msg/" + msg.Id + "/attempt/" + attemptID + "?expanded_statuses=true", "", false, []string{"statusText"}, map[string]any{"statusText": "success"}},
			{"attempted messages", "GET", base + "/endpoint/" + ep.Id + "/msg?expanded_statuses=true", "", true, []string{"statusText"}, map[string]any{"statusText": "success"}},
			{"attempted destinations", "GET", base + "/msg/" + msg.Id + "/endpoint", "", true, []string{"statusText", "throttleRate"}, map[string]any{"statusText": "success", "throttleRate": 9.0}},
			{"endpoint", "GET", base + "/endpoint/" + ep.Id, "", false, []string{"throttleRate"}, map[string]any{"throttleRate": 9.0, "rateLimit": 9.0}},
			{"stats", "GET", base + "/endpoint/" + ep.Id + "/stats", "", false, []string{"canceled"}, map[string]any{"canceled": 0.0, "success": 1.0}},
			{"recover", "POST", base + "/endpoint/" + ep.Id + "/recover", `{"since":"` + since + `"}`, false, []string{"updatedAt"}, nil},
		} {
			for _, legacy := range []bool{false, true} {
				hdr := []string{"User-Agent", "svix-libs/1.99.1/go go/go1.26.8"}
				if legacy {
					hdr = []string{"User-Agent", "svix-libs/1.44.0/go"}
				}
				code, b := s.do(t, tc.method, tc.path, s.Token, []byte(tc.body), hdr...)
				if code/100 != 2 {
					t.Fatalf("%s: %s %s = %d %s", tc.name, tc.method, tc.path, code, b)
				}
				var obj map[string]any
				if tc.list {
					var page struct{ Data []map[string]any }
					if err := json.Unmarshal(b, &page); err != nil || len(page.Data) == 0 {
						t.Fatalf("%s: %s", tc.name, b)
					}
					obj = page.Data[0]
				} else if err := json.Unmarshal(b, &obj); err != nil {
					t.Fatalf("%s: %s", tc.name, b)
				}
				for _, f := range tc.fields {
					if _, has := obj[f]; has == legacy {
						t.Errorf("%s (legacy %v): has %s = %v, want %v", tc.name, legacy, f, has, !legacy)
					}
				}
				for k, v := range tc.want {
					if !legacy && obj[k] != v {
						t.Errorf("%s: %s = %v, want %v", tc.name, k, obj[k], v)
					}
				}
			}
		}
		for _, ua := range []string{"svix-libs/1.99.1/go go/go1.26.8", "svix-libs/1.44.0/go"} {
			code, b := s.do(t, "POST", base+"/msg/"+msg.Id+"/endpoint/"+ep.Id+"/resend", s.Token, nil, "User-Agent", ua)
			if code != http.StatusAccepted || strings.TrimSpace(string(b)) != "{}" {
				t.Errorf("resend (%s) = %d %q, want 202 {}", ua, code, b)
			}
		}
	})
}
