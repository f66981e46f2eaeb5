package api

import (
	"net/http"
	"slices"
	"testing"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// attemptWorld is two endpoints, two messages and four attempts:
//
//	m1 user.created -> ep1 (200, then a manual 200), ep2 (500)
//	m2 user.deleted -> ep1 (no response)
//
// ep2 listens to user.created only, so m2 has no delivery to it.
type attemptWorld struct {
	*msgFixture
	ep1, ep2                      webhook.Endpoint
	m1, m2                        string
	a1ok, a2err, a3none, a4manual webhook.Attempt
}

func newAttemptWorld(t *testing.T) *attemptWorld {
	f := newMsgFixture(t)
	w := &attemptWorld{msgFixture: f}
	w.ep1 = f.endpoint("ep-one", nil)
	w.ep2 = f.endpoint("ep-two", func(ep *webhook.Endpoint) {
		ep.FilterTypes = []string{"user.created"}
		ep.Channels = []string{"ch"}
		rl := 7
		ep.RateLimit = &rl
	})
	w.m1 = f.send(`{"eventType":"user.created","eventId":"evt-1","payload":{"a":1},"channels":["ch"]}`)
	w.m2 = f.send(`{"eventType":"user.deleted","payload":{"a":2}}`)
	w.a1ok = f.attempt(w.m1, w.ep1, 200, `{"ok":true}`, webhook.TriggerScheduled)
	w.a2err = f.attempt(w.m1, w.ep2, 500, "oops", webhook.TriggerScheduled)
	w.a3none = f.attempt(w.m2, w.ep1, 0, "connection refused", webhook.TriggerScheduled)
	w.a4manual = f.attempt(w.m1, w.ep1, 204, "", webhook.TriggerManual)
	return w
}

func attemptIDs(l svix.ListResponseMessageAttemptOut) []string {
	var out []string
	for _, a := range l.Data {
		out = append(out, a.Id)
	}
	return out
}

func TestAttemptLists(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	app := "/api/v1/app/" + w.app.UID
	byEp1 := app + "/attempt/endpoint/" + w.ep1.ID
	byM1 := app + "/attempt/msg/" + w.m1
	tests := []struct {
		path string
		want []webhook.Attempt
	}{
		{byEp1, []webhook.Attempt{w.a4manual, w.a3none, w.a1ok}},
		{app + "/attempt/endpoint/ep-one", []webhook.Attempt{w.a4manual, w.a3none, w.a1ok}},
		{byEp1 + "?status=2", []webhook.Attempt{w.a3none}},
		{byEp1 + "?event_types=user.created", []webhook.Attempt{w.a4manual, w.a1ok}},
		{byEp1 + "?channel=ch", []webhook.Attempt{w.a4manual, w.a1ok}},
		{byEp1 + "?limit=1&iterator=" + w.a4manual.ID, []webhook.Attempt{w.a3none}},
		{byM1, []webhook.Attempt{w.a4manual, w.a2err, w.a1ok}},
		{app + "/attempt/msg/evt-1", []webhook.Attempt{w.a4manual, w.a2err, w.a1ok}},
		{byM1 + "?endpoint_id=ep-two", []webhook.Attempt{w.a2err}},
		{byM1 + "?status=0", []webhook.Attempt{w.a4manual, w.a1ok}},
		{app + "/attempt/msg/" + w.m2, []webhook.Attempt{w.a3none}},
		{app + "/msg/" + w.m1 + "/attempt", []webhook.Attempt{w.a4manual, w.a2err, w.a1ok}},
		{app + "/msg/evt-1/attempt?endpoint_id=" + w.ep1.ID, []webhook.Attempt{w.a4manual, w.a1ok}},
	}
	for _, tt := range tests {
		rec := w.do("GET", tt.path, "")
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", tt.path, rec.Code, rec.Body)
			continue
		}
		var l svix.ListResponseMessageAttemptOut
		decodeStrict(t, rec.Body.Bytes(), &l)
		var want []string
		for _, a := range tt.want {
			want = append(want, a.ID)
		}
		if got := attemptIDs(l); !slices.Equal(got, want) {
			t.Errorf("GET %s = %v, want %v", tt.path, got, want)
		}
	}

	// Every field of one attempt, as the SDK reads it.
	rec := w.do("GET", byM1+"?endpoint_id=ep-two", "")
	var l svix.ListResponseMessageAttemptOut
	decodeStrict(t, rec.Body.Bytes(), &l)
	got := l.Data[0]
	if got.Url != w.ep2.URL || got.Response != "oops" || got.ResponseStatusCode != 500 || got.ResponseDurationMs != 12 ||
		got.Status != svix.MessageStatus(webhook.StatusFail) || int(got.TriggerType) != int(webhook.TriggerScheduled) ||
		got.MsgId != w.m1 || got.EndpointId != w.ep2.ID || !got.Timestamp.Equal(w.a2err.CreatedAt) {
		t.Errorf("attempt = %+v, want %+v", got, w.a2err)
	}
	rec = w.do("GET", byEp1+"?with_content=false", "")
	decodeStrict(t, rec.Body.Bytes(), &l)
	for _, a := range l.Data {
		if a.Response != "{}" {
			t.Errorf("GET %s?with_content=false gave response %q, want {}", byEp1, a.Response)
		}
	}

	errs := []struct {
		path   string
		status int
	}{
		{app + "/attempt/endpoint/ep_missing", 404},
		{app + "/attempt/msg/msg_missing", 404},
		{byM1 + "?endpoint_id=ep-missing", 404},
		{byM1 + "?endpoint_id=a%20b", 422},
		{byEp1 + "?status=4", 422},
		{byEp1 + "?status_code_class=250", 422},
		{byEp1 + "?event_types=a%20b", 422},
		{byEp1 + "?after=soon", 422},
	}
	for _, tt := range errs {
		if rec := w.do("GET", tt.path, ""); rec.Code != tt.status {
			t.Errorf("GET %s = %d %s, want %d", tt.path, rec.Code, rec.Body, tt.status)
		}
	}
}

func TestAttemptStatusCodeClass(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	class := 500
	if as, err := w.store.AttemptList(w.ctx, store.AttemptListParams{AppID: w.app.ID, Page: store.Page{Limit: 10}, StatusCodeClass: &class}); err != nil || len(as) != 1 {
		t.Fatalf("AttemptList(StatusCodeClass 500) = %d attempts, %v; want 1", len(as), err)
	}
	app := "/api/v1/app/" + w.app.ID
	tests := []struct {
		path string
		want []webhook.Attempt
	}{
		{app + "/attempt/endpoint/" + w.ep1.ID + "?status_code_class=200", []webhook.Attempt{w.a4manual, w.a1ok}},
		{app + "/attempt/endpoint/" + w.ep1.ID + "?status_code_class=0", []webhook.Attempt{w.a3none}},
		{app + "/attempt/msg/" + w.m1 + "?status_code_class=500", []webhook.Attempt{w.a2err}},
		{app + "/attempt/msg/" + w.m1 + "?status_code_class=400", nil},
	}
	for _, tt := range tests {
		rec := w.do("GET", tt.path, "")
		var l svix.ListResponseMessageAttemptOut
		decodeStrict(t, rec.Body.Bytes(), &l)
		var want []string
		for _, a := range tt.want {
			want = append(want, a.ID)
		}
		if got := attemptIDs(l); !slices.Equal(got, want) {
			t.Errorf("GET %s = %v, want %v", tt.path, got, want)
		}
	}
}

func TestAttemptGetExpungeAndDeprecatedList(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	app := "/api/v1/app/" + w.app.ID

	rec := w.do("GET", app+"/msg/evt-1/attempt/"+w.a1ok.ID, "")
	var one svix.MessageAttemptOut
	decodeStrict(t, rec.Body.Bytes(), &one)
	if one.Id != w.a1ok.ID || one.Response != `{"ok":true}` {
		t.Errorf("GET attempt = %+v, want %+v", one, w.a1ok)
	}
	for _, path := range []string{
		app + "/msg/" + w.m2 + "/attempt/" + w.a1ok.ID, // another message's attempt
		app + "/msg/msg_missing/attempt/" + w.a1ok.ID,
		app + "/msg/" + w.m1 + "/attempt/atmpt_missing",
	} {
		if rec := w.do("GET", path, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}

	rec = w.do("GET", app+"/msg/"+w.m1+"/endpoint/ep-one/attempt", "")
	var dep svix.ListResponseMessageAttemptOut
	if !sdkDecodeAs(t, "ListResponse_MessageAttemptEndpointOut_", rec.Body.Bytes(), &dep) {
		t.FailNow()
	}
	var ids []string
	for _, a := range dep.Data {
		ids = append(ids, a.Id)
	}
	if want := []string{w.a4manual.ID, w.a1ok.ID}; !slices.Equal(ids, want) {
		t.Errorf("GET msg/endpoint/attempt = %v, want %v", ids, want)
	}

	if rec := w.do("DELETE", app+"/msg/evt-1/attempt/"+w.a1ok.ID+"/content", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE attempt content = %d %s, want 204", rec.Code, rec.Body)
	}
	rec = w.do("GET", app+"/msg/"+w.m1+"/attempt/"+w.a1ok.ID, "")
	decodeStrict(t, rec.Body.Bytes(), &one)
	if one.Response != "EXPUNGED" {
		t.Errorf("attempt response after expunge = %q, want EXPUNGED, as Svix answers", one.Response)
	}
	if rec := w.do("DELETE", app+"/msg/"+w.m1+"/attempt/atmpt_missing/content", ""); rec.Code != http.StatusNotFound {
		t.Errorf("DELETE missing attempt content = %d, want 404", rec.Code)
	}
}

func TestAttemptedDestinationsAndMessages(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	app := "/api/v1/app/" + w.app.ID

	rec := w.do("GET", app+"/msg/evt-1/endpoint", "")
	var dests svix.ListResponseMessageEndpointOut
	decodeStrict(t, rec.Body.Bytes(), &dests)
	if len(dests.Data) != 2 || dests.PrevIterator == nil || *dests.PrevIterator != "-"+w.ep1.ID || !dests.Done {
		t.Fatalf("GET msg/endpoint = %s, want 2 endpoints, done, prevIterator -ep1", rec.Body)
	}
	// By endpoint ID, ascending, as Svix lists them: ep2 was created after ep1.
	d1, d2 := dests.Data[0], dests.Data[1]
	if d2.Id != w.ep2.ID || d2.Status != svix.MessageStatus(webhook.StatusSending) || d2.NextAttempt == nil || d2.Uid == nil || *d2.Uid != "ep-two" ||
		!slices.Equal(d2.FilterTypes, []string{"user.created"}) || !slices.Equal(d2.Channels, []string{"ch"}) ||
		d2.RateLimit == nil || *d2.RateLimit != 7 || d2.Url != w.ep2.URL || d2.Version != 1 || d2.Description != "ep ep-two" {
		t.Errorf("destination ep2 = %+v", d2)
	}
	if d1.Id != w.ep1.ID || d1.Status != svix.MessageStatus(webhook.StatusSuccess) || d1.NextAttempt != nil || d1.FilterTypes != nil || d1.RateLimit != nil {
		t.Errorf("destination ep1 = %+v", d1)
	}
	rec = w.do("GET", app+"/msg/"+w.m1+"/endpoint?limit=1", "")
	decodeStrict(t, rec.Body.Bytes(), &dests)
	if len(dests.Data) != 1 || dests.Done || dests.Data[0].Id != w.ep1.ID {
		t.Errorf("GET msg/endpoint?limit=1 = %s, want ep1, not done", rec.Body)
	}
	rec = w.do("GET", app+"/msg/"+w.m1+"/endpoint?limit=1&iterator="+w.ep1.ID, "")
	decodeStrict(t, rec.Body.Bytes(), &dests)
	if len(dests.Data) != 1 || !dests.Done || dests.Data[0].Id != w.ep2.ID {
		t.Errorf("GET msg/endpoint page 2 = %s, want ep2, done", rec.Body)
	}
	// And back, as Svix's test_list_attempted_destinations walks it.
	rec = w.do("GET", app+"/msg/"+w.m1+"/endpoint?limit=1&iterator=-"+w.ep2.ID, "")
	decodeStrict(t, rec.Body.Bytes(), &dests)
	if len(dests.Data) != 1 || dests.Data[0].Id != w.ep1.ID {
		t.Errorf("GET msg/endpoint back from ep2 = %s, want ep1", rec.Body)
	}

	tests := []struct {
		path string
		want []string
	}{
		{app + "/endpoint/" + w.ep1.ID + "/msg", []string{w.m2, w.m1}},
		{app + "/endpoint/ep-one/msg?status=0", []string{w.m1}},
		{app + "/endpoint/ep-one/msg?event_types=user.deleted", []string{w.m2}},
		{app + "/endpoint/ep-one/msg?channel=ch", []string{w.m1}},
		{app + "/endpoint/ep-two/msg", []string{w.m1}},
		{app + "/endpoint/ep-one/msg?limit=1", []string{w.m2}},
		{app + "/endpoint/ep-one/msg?limit=1&iterator=" + w.m2, []string{w.m1}},
	}
	for _, tt := range tests {
		rec := w.do("GET", tt.path, "")
		var l svix.ListResponseEndpointMessageOut
		decodeStrict(t, rec.Body.Bytes(), &l)
		var got []string
		for _, m := range l.Data {
			got = append(got, m.Id)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("GET %s = %v, want %v", tt.path, got, tt.want)
		}
	}
	rec = w.do("GET", app+"/endpoint/ep-two/msg", "")
	var l svix.ListResponseEndpointMessageOut
	decodeStrict(t, rec.Body.Bytes(), &l)
	m := l.Data[0]
	if m.Status != svix.MessageStatus(webhook.StatusSending) || m.NextAttempt == nil || *m.EventId != "evt-1" || m.Payload["a"] != 1.0 || m.EventType != "user.created" {
		t.Errorf("attempted message = %+v", m)
	}
	rec = w.do("GET", app+"/endpoint/ep-two/msg?with_content=false", "")
	decodeStrict(t, rec.Body.Bytes(), &l)
	if len(l.Data[0].Payload) != 0 {
		t.Errorf("attempted message with_content=false payload = %v, want {}", l.Data[0].Payload)
	}
	if rec := w.do("GET", app+"/endpoint/ep_missing/msg", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET attempted messages of a missing endpoint = %d, want 404", rec.Code)
	}
	if rec := w.do("GET", app+"/msg/msg_missing/endpoint", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET attempted destinations of a missing msg = %d, want 404", rec.Code)
	}
}

func TestMessageResend(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	app := "/api/v1/app/" + w.app.ID
	tests := []struct {
		path   string
		status int
	}{
		{app + "/msg/" + w.m1 + "/endpoint/" + w.ep1.ID + "/resend", http.StatusAccepted},
		{app + "/msg/evt-1/endpoint/ep-two/resend", http.StatusAccepted},
		// Never routed there: nothing to send again, a 404.
		{app + "/msg/" + w.m2 + "/endpoint/ep-two/resend", http.StatusNotFound},
		{app + "/msg/" + w.m1 + "/endpoint/ep_missing/resend", http.StatusNotFound},
		{app + "/msg/msg_missing/endpoint/" + w.ep1.ID + "/resend", http.StatusNotFound},
	}
	for _, tt := range tests {
		rec := w.do("POST", tt.path, "")
		if rec.Code != tt.status {
			t.Errorf("POST %s = %d %s, want %d", tt.path, rec.Code, rec.Body, tt.status)
		}
		if tt.status == http.StatusAccepted && rec.Body.String() != "{}" {
			// Svix's EmptyResponse: the newest SDKs decode it, and fail on no body.
			t.Errorf("POST %s body = %q, want {}", tt.path, rec.Body)
		}
	}
	want := []string{w.m1 + " " + w.ep1.ID, w.m1 + " " + w.ep2.ID}
	if !slices.Equal(w.engine.resends, want) {
		t.Errorf("engine resends = %v, want %v", w.engine.resends, want)
	}
	// A repeat with the same Idempotency-Key answers again without resending.
	path := tests[0].path
	for range 2 {
		if rec := w.do("POST", path, "", "Idempotency-Key", "resend-1"); rec.Code != http.StatusAccepted {
			t.Errorf("POST %s with Idempotency-Key = %d %s", path, rec.Code, rec.Body)
		}
	}
	if len(w.engine.resends) != 3 {
		t.Errorf("engine resends after an idempotent repeat = %v, want one more", w.engine.resends)
	}
}
