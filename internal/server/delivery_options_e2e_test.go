package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/signature"
)

// optionsPayload exercises every form rule: nesting, arrays, escaping,
// numbers as written, booleans and null.
const optionsPayload = `{"first":"Ann Lee","email":"a+b@c.d","contact":{"email":"a@b.c","tags":["x","y z"]},"n":1.50,"ok":true,"none":null}`

// publish sends one message and returns its ID.
func publish(t *testing.T, s *testServer, appID, eventType, payload string) string {
	t.Helper()
	status, body := s.do(t, "POST", "/api/v1/app/"+appID+"/msg", s.Token,
		[]byte(`{"eventType":"`+eventType+`","payload":`+payload+`}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST msg = %d %s, want 202", status, body)
	}
	var msg struct{ ID string }
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	return msg.ID
}

// setOptions PUTs an endpoint's delivery options and checks the answer.
func setOptions(t *testing.T, s *testServer, appID, epID, body string, want int) []byte {
	t.Helper()
	status, out := s.do(t, "PUT", "/api/v1/app/"+appID+"/endpoint/"+epID+"/delivery-options", s.Token, []byte(body))
	if status != want {
		t.Fatalf("PUT delivery-options %s = %d %s, want %d", body, status, out, want)
	}
	return out
}

// TestDeliveryFormatsArriveExactAndSigned sends one message per format to
// a real receiver and checks the method, Content-Type and body that
// arrive byte for byte, and that the Standard Webhooks signature verifies
// over exactly those bytes. A template refused between two messages
// changes nothing: the options stay, and the next message uses them.
func TestDeliveryFormatsArriveExactAndSigned(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"})
		secret, err := s.Client.Endpoint.GetSecret(t.Context(), app.Id, eps[0].Id)
		if err != nil {
			t.Fatalf("GetSecret: %v", err)
		}
		ontraport := `First_Name={{urlquery .payload.first}}&Email={{urlquery .payload.email}}&api_key=K1&event={{.eventType}}&id={{.msgId}}`
		tmplJSON, _ := json.Marshal(ontraport)

		steps := []struct {
			name, options     string
			method, ctype     string
			want              func(msgID string) string
			badOptionsAfterIt string
		}{
			{name: "json", options: `{}`, method: "POST", ctype: "application/json",
				want: func(string) string { return optionsPayload }},
			{name: "form", options: `{"format":"form","method":"PUT"}`, method: "PUT", ctype: "application/x-www-form-urlencoded",
				want: func(string) string {
					return `first=Ann+Lee&email=a%2Bb%40c.d&contact[email]=a%40b.c&contact[tags][0]=x&contact[tags][1]=y+z&n=1.50&ok=true&none=`
				},
				badOptionsAfterIt: `{"format":"template","template":"{{.payload.first","contentType":"text/plain"}`},
			{name: "form again, after a refused template", method: "PUT", ctype: "application/x-www-form-urlencoded",
				want: func(string) string {
					return `first=Ann+Lee&email=a%2Bb%40c.d&contact[email]=a%40b.c&contact[tags][0]=x&contact[tags][1]=y+z&n=1.50&ok=true&none=`
				}},
			{name: "template", options: `{"format":"template","template":` + string(tmplJSON) + `,"contentType":"application/x-www-form-urlencoded; charset=utf-8","method":"PATCH"}`,
				method: "PATCH", ctype: "application/x-www-form-urlencoded; charset=utf-8",
				want: func(id string) string {
					return "First_Name=Ann+Lee&Email=a%2Bb%40c.d&api_key=K1&event=user.created&id=" + id
				}},
		}
		for i, st := range steps {
			var before []byte
			if st.options != "" {
				setOptions(t, s, app.Id, eps[0].Id, st.options, http.StatusOK)
			}
			msgID := publish(t, s, app.Id, "user.created", optionsPayload)
			got := rcv.waitFor(t, i+1, 10*time.Second)[i]
			if want := st.want(msgID); string(got.Body) != want {
				t.Errorf("%s: body = %q, want %q", st.name, got.Body, want)
			}
			if got.Method != st.method || got.Header.Get("Content-Type") != st.ctype {
				t.Errorf("%s: %s with Content-Type %q, want %s with %q", st.name, got.Method, got.Header.Get("Content-Type"), st.method, st.ctype)
			}
			if got.Header.Get("webhook-id") != msgID {
				t.Errorf("%s: webhook-id = %q, want %q", st.name, got.Header.Get("webhook-id"), msgID)
			}
			if err := signature.Verify(secret.Key, got.Header, got.Body, time.Now(), 5*time.Minute); err != nil {
				t.Errorf("%s: signature.Verify over the bytes received = %v", st.name, err)
			}
			wh, err := svix.NewWebhook(secret.Key)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(got.Body, got.Header); err != nil {
				t.Errorf("%s: svix Verify = %v", st.name, err)
			}
			if st.badOptionsAfterIt != "" {
				_, before = s.do(t, "GET", "/api/v1/app/"+app.Id+"/endpoint/"+eps[0].Id+"/delivery-options", s.Token, nil)
				out := setOptions(t, s, app.Id, eps[0].Id, st.badOptionsAfterIt, http.StatusUnprocessableEntity)
				if !strings.Contains(string(out), `"code":"validation_failed"`) || !strings.Contains(string(out), "unclosed action") {
					t.Errorf("bad template: body %s, want validation_failed naming the problem", out)
				}
				_, after := s.do(t, "GET", "/api/v1/app/"+app.Id+"/endpoint/"+eps[0].Id+"/delivery-options", s.Token, nil)
				if string(after) != string(before) {
					t.Errorf("options after a refused PUT = %s, want them unchanged: %s", after, before)
				}
			}
		}
	})
}

// deliveryStatus reads the status of a message's delivery to one
// endpoint and the attempts recorded for it.
func deliveryStatus(t *testing.T, s *testServer, appID, msgID, epID string) (svix.MessageStatus, []svix.MessageAttemptOut) {
	t.Helper()
	status := svix.MessageStatus(-1)
	dests, err := s.Client.MessageAttempt.ListAttemptedDestinations(t.Context(), appID, msgID, nil)
	if err != nil {
		t.Fatalf("ListAttemptedDestinations: %v", err)
	}
	for _, d := range dests.Data {
		if d.Id == epID {
			status = d.Status
		}
	}
	list, err := s.Client.MessageAttempt.ListByMsg(t.Context(), appID, msgID, &svix.MessageAttemptListByMsgOptions{EndpointId: &epID})
	if err != nil {
		t.Fatalf("ListByMsg: %v", err)
	}
	return status, list.Data
}

// TestEndpointRetries checks that retries counts the attempts after the
// first, repeating the schedule's last delay: with a one-step schedule,
// retries 2 makes exactly three attempts, retries 0 exactly one, and then
// the delivery has failed. Counted at the receiver and by the attempts API.
func TestEndpointRetries(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db, withRetrySchedule(50*time.Millisecond))
		failing := func() *receiver {
			script := make([]int, 20)
			for i := range script {
				script[i] = http.StatusInternalServerError
			}
			return newReceiver(t, script...)
		}
		two, zero := failing(), failing()
		app, eps := setup(t, s, &svix.EndpointIn{Url: two.URL + "/two"}, &svix.EndpointIn{Url: zero.URL + "/zero"})
		setOptions(t, s, app.Id, eps[0].Id, `{"retries":2}`, http.StatusOK)
		setOptions(t, s, app.Id, eps[1].Id, `{"retries":0}`, http.StatusOK)
		msgID := publish(t, s, app.Id, "user.created", `{"a":1}`)

		for _, c := range []struct {
			ep   *svix.EndpointOut
			rcv  *receiver
			want int
		}{{eps[0], two, 3}, {eps[1], zero, 1}} {
			var status svix.MessageStatus
			var attempts []svix.MessageAttemptOut
			eventually(t, 20*time.Second, fmt.Sprintf("delivery to %s failed", c.ep.Url), func() bool {
				status, attempts = deliveryStatus(t, s, app.Id, msgID, c.ep.Id)
				return status == statusFail && len(attempts) == c.want
			})
			// Failed is final: nothing can be attempted after it, so the
			// receiver's count is final too.
			if n := c.rcv.count(); n != c.want {
				t.Errorf("%s: receiver got %d requests, want %d", c.ep.Url, n, c.want)
			}
			for _, a := range attempts {
				if a.ResponseStatusCode != 500 {
					t.Errorf("%s: attempt answered %d, want 500", c.ep.Url, a.ResponseStatusCode)
				}
			}
		}
	})
}

// TestTemplateFailingAtSendTime: a template that compiles but fails on a
// message's payload records a failed attempt with the reason, sends
// nothing, and the delivery fails once its retries are spent.
func TestTemplateFailingAtSendTime(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		rcv := newReceiver(t)
		app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"})
		setOptions(t, s, app.Id, eps[0].Id,
			`{"format":"template","template":"tags={{join \",\" .payload.tags}}","contentType":"text/plain","retries":1}`, http.StatusOK)
		msgID := publish(t, s, app.Id, "user.created", `{"tags":"not a list"}`)

		var attempts []svix.MessageAttemptOut
		eventually(t, 20*time.Second, "the delivery to fail after two attempts", func() bool {
			status, atts := deliveryStatus(t, s, app.Id, msgID, eps[0].Id)
			attempts = atts
			return status == statusFail && len(attempts) == 2
		})
		for _, a := range attempts {
			if a.Status != statusFail || a.ResponseStatusCode != 0 || !strings.Contains(a.Response, "not a list") {
				t.Errorf("attempt = status %v, code %d, response %q; want a failure naming the cause", a.Status, a.ResponseStatusCode, a.Response)
			}
		}
		if n := rcv.count(); n != 0 {
			t.Errorf("receiver got %d requests, want none", n)
		}
		// The same endpoint still delivers a payload the template takes.
		publish(t, s, app.Id, "user.created", `{"tags":["a","b"]}`)
		if got := rcv.waitFor(t, 1, 10*time.Second)[0]; string(got.Body) != "tags=a,b" {
			t.Errorf("body = %q, want tags=a,b", got.Body)
		}
	})
}

// TestDeliveryOptionsReachOtherNode saves options through node A and
// checks that node B, which had the endpoint in its routing index
// already, sends in the new format within a few seconds: far sooner
// than its index expires (a minute), so A's change reached B as a
// notification, as any endpoint change does.
func TestDeliveryOptionsReachOtherNode(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	a, b, appID, epID := twoNodes(t, &svix.EndpointIn{Url: rcv.URL})
	ctx := t.Context()
	// B loads the app into its index and delivers JSON.
	if _, err := b.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "route.test", Payload: map[string]any{"n": -1}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := rcv.waitFor(t, 1, 10*time.Second)[0]; got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("first delivery Content-Type = %q, want application/json", got.Header.Get("Content-Type"))
	}

	req, _ := http.NewRequestWithContext(ctx, "PUT", "http://"+a.addr+"/api/v1/app/"+appID+"/endpoint/"+epID+"/delivery-options",
		strings.NewReader(`{"format":"form"}`))
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT delivery-options through A = %d, want 200", resp.StatusCode)
	}
	for i := 0; i < 100 && !strings.HasPrefix(rcv.requests()[rcv.count()-1].Header.Get("Content-Type"), "application/x-www"); i++ {
		if _, err := b.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "route.test", Payload: map[string]any{"n": i}}, nil); err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, i+2, 10*time.Second)
		time.Sleep(50 * time.Millisecond)
	}
	last := rcv.requests()[rcv.count()-1]
	if string(last.Body) == "" || last.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || !strings.HasPrefix(string(last.Body), "n=") {
		t.Errorf("node B still sends %q (%s) after the options changed on node A; want a form", last.Body, last.Header.Get("Content-Type"))
	}
}

// TestEndpointTimeout: an endpoint's own timeout, shorter than the
// server's (2s in these tests), ends an attempt the server's would have
// waited for: the receiver takes 1.5s.
func TestEndpointTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rcv := newReceiver(t)
	rcv.setDelay(1500 * time.Millisecond)
	app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/slow"})
	setOptions(t, s, app.Id, eps[0].Id, `{"timeout":"1s","retries":0}`, http.StatusOK)
	msgID := publish(t, s, app.Id, "user.created", `{"a":1}`)
	var attempts []svix.MessageAttemptOut
	eventually(t, 10*time.Second, "the delivery to fail", func() bool {
		status, atts := deliveryStatus(t, s, app.Id, msgID, eps[0].Id)
		attempts = atts
		return status == statusFail && len(atts) == 1
	})
	if a := attempts[0]; a.ResponseStatusCode != 0 || a.Response != "timeout after 1s" {
		t.Errorf("attempt = %d %q, want no response and \"timeout after 1s\"", a.ResponseStatusCode, a.Response)
	}
}

// TestPingUsesDeliveryOptions: a ping is built like any attempt, so it
// arrives in the endpoint's format and method, signed over those bytes.
func TestPingUsesDeliveryOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rcv := newReceiver(t)
	app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"})
	setOptions(t, s, app.Id, eps[0].Id, `{"format":"form","method":"PUT"}`, http.StatusOK)
	if status, p := s.ping(t, app.Id, eps[0].Id); status != http.StatusOK || !p.Success {
		t.Fatalf("ping = %d %+v, want 200 success", status, p)
	}
	got := rcv.waitFor(t, 1, 5*time.Second)[0]
	prefix := "type=hookline.ping&data[endpointId]=" + eps[0].Id + "&data[timestamp]="
	if got.Method != "PUT" || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || !strings.HasPrefix(string(got.Body), prefix) {
		t.Errorf("ping arrived as %s %q %q, want PUT of a form starting %q", got.Method, got.Header.Get("Content-Type"), got.Body, prefix)
	}
	secret, err := s.Client.Endpoint.GetSecret(t.Context(), app.Id, eps[0].Id)
	if err != nil {
		t.Fatal(err)
	}
	if err := signature.Verify(secret.Key, got.Header, got.Body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("ping signature over the form body: %v", err)
	}
}
