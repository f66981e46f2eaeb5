package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	svix "github.com/svix/svix-webhooks/go"
)

// TestEndpointActionsInBrowser drives the actions of an endpoint's page
// in a customer's portal: the signing secret (reveal, copy, rotate), a
// test event and a test of the connection, each answered in place; and
// checks that a form without its CSRF token, or an action on another
// app's endpoint, does nothing.
func TestEndpointActionsInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()
	rcv := newReceiver(t)

	for _, et := range []svix.EventTypeIn{
		{Name: "affiliate.created", Description: "An affiliate signed up.", Schemas: &map[string]any{"1": map[string]any{
			"type": "object", "examples": []any{map[string]any{"affiliateId": "aff_1", "name": "Ada"}},
		}}},
		{Name: "affiliate.updated", Description: "An affiliate changed.", Schemas: &map[string]any{"1": map[string]any{
			"type": "object", "examples": []any{map[string]any{"affiliateId": "aff_1", "name": "Ada Lovelace"}},
		}}},
	} {
		if _, err := s.Client.EventType.Create(ctx, et, nil); err != nil {
			t.Fatal(err)
		}
	}
	app := s.newApp(t, "Acme Affiliates")
	other := s.newApp(t, "Globex")
	desc := "Acme's CRM"
	ep, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: rcv.URL + "/hook", Description: &desc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	otherEp, err := s.Client.Endpoint.Create(ctx, other.Id, svix.EndpointIn{Url: rcv.URL + "/globex"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	apiSecret := func(t *testing.T) string {
		t.Helper()
		sec, err := s.Client.Endpoint.GetSecret(ctx, app.Id, ep.Id)
		if err != nil {
			t.Fatal(err)
		}
		return sec.Key
	}
	link := s.portalLink(t, app.Id)
	b.load(t, chromedp.Navigate(link.Url), chromedp.WaitVisible(chromedp.CSS(`.subnav`)))
	page := s.URL + "/portal/" + app.Id + "/endpoints/" + ep.Id

	t.Run("the plain page never carries the secret", func(t *testing.T) {
		if got := b.load(t, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#signing-secret`))); got != http.StatusOK {
			t.Fatalf("status of the endpoint page = %d", got)
		}
		if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, apiSecret(t)) {
			t.Error("the endpoint page's HTML holds the signing secret")
		}
		opts := eval[[]string](t, b, `[...document.querySelectorAll('#test-event-type option')].map(o => o.value)`)
		for _, want := range []string{"svix.ping", "affiliate.created", "affiliate.updated"} {
			if !containsString(opts, want) {
				t.Errorf("the test event's select offers %q, want %s among them", opts, want)
			}
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls on the endpoint page: %q", u)
		}
		b.screenshot(t, "portal-endpoint-actions")
	})

	t.Run("reveal shows the API's secret, and copy copies it", func(t *testing.T) {
		b.load(t, chromedp.Navigate(page))
		if got := b.submit(t, `form[action*="/secret/reveal"]`); got != http.StatusOK {
			t.Fatalf("status of reveal = %d", got)
		}
		want := apiSecret(t)
		if got := eval[string](t, b, `document.querySelector('#secret-value').value`); got != want {
			t.Errorf("revealed secret = %q, want the API's %q", got, want)
		}
		if !eval[bool](t, b, `document.querySelector('#secret-value').readOnly`) {
			t.Error("the revealed secret's field is not read-only")
		}
		grantClipboard(t, b, s.URL)
		b.do(t, chromedp.Click(chromedp.CSS(`button[data-copy="#secret-value"]`)))
		waitText(t, b, `button[data-copy="#secret-value"]`, "Copied")
		if got := evalAwait[string](t, b, `navigator.clipboard.readText()`); got != want {
			t.Errorf("the clipboard holds %q, want the secret", got)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls with the secret shown: %q", u)
		}
		b.screenshot(t, "portal-endpoint-secret-revealed")
	})

	t.Run("rotate asks for confirmation, then changes the secret", func(t *testing.T) {
		before := apiSecret(t)
		b.load(t, chromedp.Navigate(page))
		if got := b.submit(t, `form[action*="/secret/rotate"]`); got != http.StatusUnprocessableEntity {
			t.Errorf("status of an unconfirmed rotation = %d, want 422", got)
		}
		if msg := b.text(t, `#rotate-error`); !strings.Contains(msg, "confirm") {
			t.Errorf("error next to the confirmation = %q", msg)
		}
		if apiSecret(t) != before {
			t.Fatal("an unconfirmed rotation rotated")
		}
		b.do(t, chromedp.Click(chromedp.CSS(`#rotate-confirm`)))
		if got := b.submit(t, `form[action*="/secret/rotate"]`); got != http.StatusOK {
			t.Fatalf("status of the rotation = %d", got)
		}
		after := apiSecret(t)
		if after == before {
			t.Fatal("the API's secret did not change")
		}
		if got := eval[string](t, b, `document.querySelector('#secret-value').value`); got != after {
			t.Errorf("the page shows %q after the rotation, want the API's new %q", got, after)
		}
		if msg := b.text(t, `#signing-secret .result`); !strings.Contains(msg, "Secret rotated") || !strings.Contains(msg, "previous one too until") {
			t.Errorf("rotation result = %q", msg)
		}
	})

	t.Run("send test event: a signed request arrives and the page shows it", func(t *testing.T) {
		n := rcv.count()
		b.load(t, chromedp.Navigate(page))
		b.do(t, chromedp.SetValue(chromedp.CSS(`#test-event-type`), "affiliate.updated"))
		if got := b.submit(t, `form[action*="/test-event"]`); got != http.StatusOK {
			t.Fatalf("status of send test event = %d", got)
		}
		got := rcv.waitFor(t, n+1, 10*time.Second)[n]
		var payload map[string]any
		if err := json.Unmarshal(got.Body, &payload); err != nil || payload["name"] != "Ada Lovelace" {
			t.Errorf("the receiver got %s, want affiliate.updated's example", got.Body)
		}
		wh, err := svix.NewWebhook(apiSecret(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(got.Body, got.Header); err != nil {
			t.Errorf("the test event does not verify with the endpoint's secret: %v", err)
		}
		result := b.text(t, `#test-event .result`)
		msgID := got.Header.Get("webhook-id")
		if !strings.Contains(result, "Test event sent") || !strings.Contains(result, msgID) {
			t.Errorf("test event result = %q, want it to name message %s", result, msgID)
		}
		if href := eval[string](t, b, `document.querySelector('#test-event .result a').getAttribute('href')`); href != "/portal/"+app.Id+"/messages/"+msgID {
			t.Errorf("the result links to %q", href)
		}
		if !strings.Contains(result, "200") {
			t.Errorf("test event result = %q, want the attempt's 200", result)
		}
		if sel := eval[string](t, b, `document.querySelector('#test-event-type').value`); sel != "affiliate.updated" {
			t.Errorf("after sending, the select shows %q", sel)
		}
		b.screenshot(t, "portal-endpoint-test-event")

		// The customer follows the link: the message log has the attempt.
		b.load(t, chromedp.Click(chromedp.CSS(`#test-event .result a`)), chromedp.WaitVisible(chromedp.CSS(`tr.attempt`)))
		if code := b.text(t, `tr.attempt .status-code`); code != "200" {
			t.Errorf("the test event's attempt in the message log has status %q, want 200", code)
		}
		if id := b.text(t, `[data-testid="msg-id"]`); id != msgID {
			t.Errorf("the link opened message %q, want %s", id, msgID)
		}
	})

	t.Run("test connection shows the status and the body", func(t *testing.T) {
		n := rcv.count()
		b.load(t, chromedp.Navigate(page))
		if got := b.submit(t, `form[action*="/ping"]`); got != http.StatusOK {
			t.Fatalf("status of test connection = %d", got)
		}
		// The answer scrolls to the action's card, so its result is in
		// view however long the page is.
		if !eval[bool](t, b, `(() => { const r = document.querySelector('#test-connection .result').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; })()`) {
			t.Error("the ping's result is out of view after the answer")
		}
		if got := b.text(t, `[data-testid=ping-status]`); got != "200" {
			t.Errorf("ping status = %q", got)
		}
		if got := b.text(t, `[data-testid=ping-body]`); got != "ok" {
			t.Errorf("ping body = %q", got)
		}
		if !strings.HasSuffix(b.text(t, `[data-testid=ping-duration]`), "ms") {
			t.Error("the ping's duration is not shown")
		}
		if got := rcv.waitFor(t, n+1, 5*time.Second)[n]; !strings.Contains(string(got.Body), "hookline.ping") {
			t.Errorf("the receiver got %s, want a hookline.ping", got.Body)
		}
		b.screenshot(t, "portal-endpoint-ping")
	})

	t.Run("test connection says in words why nothing answered", func(t *testing.T) {
		// A port that was just listened on and closed: nothing listens.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		dead, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: "http://" + addr + "/hook"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.load(t, chromedp.Navigate(s.URL+"/portal/"+app.Id+"/endpoints/"+dead.Id))
		b.submit(t, `form[action*="/ping"]`)
		if got := b.text(t, `#test-connection .result`); !strings.Contains(got, "No answer") || !strings.Contains(got, "connection was refused") {
			t.Errorf("ping of a closed port = %q", got)
		}
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "portal-endpoint-ping-refused-phone")
		b.do(t, chromedp.ResetViewport())
	})

	t.Run("an action without its CSRF token is refused and sends nothing", func(t *testing.T) {
		for _, form := range []string{`form[action*="/test-event"]`, `form[action*="/ping"]`, `form[action*="/secret/reveal"]`} {
			n := rcv.count()
			b.load(t, chromedp.Navigate(page))
			b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('`+form+` input[name=csrf]').remove()`))
			if got := b.submit(t, form); got != http.StatusForbidden {
				t.Errorf("%s without CSRF token: status %d, want 403", form, got)
			}
			if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, apiSecret(t)) {
				t.Errorf("%s without CSRF token showed the secret", form)
			}
			// Anything sent would have been sent before the answer.
			if got := rcv.count(); got != n {
				t.Errorf("%s without CSRF token: the receiver got %d requests", form, got-n)
			}
		}
	})

	t.Run("a disabled endpoint gets no test event, and is told why", func(t *testing.T) {
		if _, err := s.Client.Endpoint.Patch(ctx, app.Id, ep.Id, svix.EndpointPatch{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := s.Client.Endpoint.Patch(ctx, app.Id, ep.Id, svix.EndpointPatch{Disabled: ptr(false)}); err != nil {
				t.Fatal(err)
			}
		}()
		n := rcv.count()
		b.load(t, chromedp.Navigate(page))
		if got := b.submit(t, `form[action*="/test-event"]`); got != http.StatusUnprocessableEntity {
			t.Errorf("status of a test event to a disabled endpoint = %d, want 422", got)
		}
		if msg := b.text(t, `#test-event-error`); !strings.Contains(msg, "disabled") {
			t.Errorf("error next to the event type = %q", msg)
		}
		if got := rcv.count(); got != n {
			t.Errorf("a disabled endpoint got %d requests", got-n)
		}
	})

	t.Run("app A's portal cannot act on app B's endpoint", func(t *testing.T) {
		n := rcv.count()
		b.load(t, chromedp.Navigate(page))
		for _, action := range []string{"ping", "test-event", "secret/reveal", "secret/rotate"} {
			// The page's own form, pointed at B's endpoint under A's app.
			b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('#test-connection form').action = "/portal/`+app.Id+`/endpoints/`+otherEp.Id+`/`+action+`"`))
			if got := b.submit(t, `#test-connection form`); got != http.StatusNotFound {
				t.Errorf("%s on B's endpoint from A's portal: status %d, want 404", action, got)
			}
			b.load(t, chromedp.Navigate(page))
		}
		if got := b.load(t, chromedp.Navigate(s.URL+"/portal/"+app.Id+"/endpoints/"+otherEp.Id)); got != http.StatusNotFound {
			t.Errorf("B's endpoint page under A = %d, want 404", got)
		}
		if got := rcv.count(); got != n {
			t.Errorf("acting on B's endpoint sent %d requests", got-n)
		}
	})
}

// grantClipboard lets origin's script write and read the clipboard, as
// a person's browser lets a copy button write it.
func grantClipboard(t *testing.T, b *browser, origin string) {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	for _, name := range []string{"clipboard-write", "clipboard-read"} {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    cdpbrowser.PermissionSettingGranted, Origin: origin,
		})
		if err != nil {
			failBrowser(t, err)
		}
	}
}

// waitText waits until the element sel matches shows want.
func waitText(t *testing.T, b *browser, sel, want string) {
	t.Helper()
	b.do(t, chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(sel)+`).innerText.trim() === `+jsString(want)))
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestStatusPageInBrowser shows the operator a failing endpoint on the
// status page, resting once it failed often enough, with the way to its
// page.
func TestStatusPageInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("down for maintenance"))
	}))
	t.Cleanup(down.Close)
	up := newReceiver(t)
	app := s.newApp(t, "Acme Billing")
	desc := "Billing webhook"
	failing, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: down.URL + "/hook", Description: &desc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	healthy, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: up.URL + "/hook"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ping := func(ep string) {
		t.Helper()
		if status, body := s.do(t, "POST", "/api/v1/app/"+app.Id+"/endpoint/"+ep+"/ping", s.Token, nil); status != http.StatusOK {
			t.Fatalf("ping = %d %s", status, body)
		}
	}
	ping(healthy.Id)
	// A ping records the endpoint's health at once; ten failures in a row
	// open its circuit (the engine's default threshold).
	for range 10 {
		ping(failing.Id)
	}

	b.signIn(t, s.URL, s.Token)
	if got := b.load(t, chromedp.Navigate(s.URL+"/status")); got != http.StatusOK {
		t.Fatalf("status page = %d", got)
	}
	if got := b.text(t, `[data-testid=failing]`); got != "1" {
		t.Errorf("failing endpoints = %q, want 1", got)
	}
	if got := b.text(t, `[data-testid=resting]`); got != "1" {
		t.Errorf("resting endpoints = %q, want 1", got)
	}
	if got := b.text(t, `[data-testid=pending]`); strings.TrimSuffix(got, "+") == "" {
		t.Errorf("pending deliveries = %q, want a count", got)
	}
	row := b.text(t, `table.failing tbody tr`)
	for _, want := range []string{"Billing webhook", "Acme Billing", "Resting", "10", "HTTP 503", "down for maintenance"} {
		if !strings.Contains(row, want) {
			t.Errorf("the failing endpoint's row does not show %q:\n%s", want, row)
		}
	}
	if n := eval[int](t, b, `document.querySelectorAll('table.failing tbody tr').length`); n != 1 {
		t.Errorf("%d failing rows, want only the failing endpoint", n)
	}
	if u := b.unlabelled(t); len(u) > 0 {
		t.Errorf("unlabelled controls on the status page: %q", u)
	}
	b.screenshot(t, "operator-status-failing")
	b.load(t, chromedp.Click(chromedp.CSS(`table.failing td.name a`)))
	if loc := eval[string](t, b, `location.pathname`); loc != "/portal/"+app.Id+"/endpoints/"+failing.Id {
		t.Errorf("the failing endpoint links to %q", loc)
	}
}
