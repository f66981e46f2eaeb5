package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	svix "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"
)

// answer makes the receiver answer its next requests with statuses, then
// 200 again.
func (r *receiver) answer(statuses ...int) {
	r.mu.Lock()
	r.script = append([]int(nil), statuses...)
	r.mu.Unlock()
}

// TestMessageLogInBrowser drives the message log and a message's page in
// Chromium through a portal link: messages sent through the API to a
// loopback receiver are listed and filtered, a message shows its attempts
// with the response kept, a resend (and a recovery) delivers again and
// the new attempt appears on the open page without a reload.
func TestMessageLogInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()
	createEventTypes(t, s, "invoice.paid", "invoice.voided")

	app := s.newApp(t, "Acme Billing")
	other := s.newApp(t, "Globex")
	rcv := newReceiver(t)
	ep, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: rcv.URL, Description: ptr("Billing receiver")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.Client.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil {
		t.Fatal(err)
	}
	link := s.portalLink(t, app.Id)
	logURL := s.URL + "/portal/" + app.Id + "/messages"
	send := func(eventType string, payload map[string]any, channels ...string) *svix.MessageOut {
		t.Helper()
		m, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: eventType, Payload: payload, Channels: channels}, nil)
		if err != nil {
			t.Fatalf("Message.Create(%s): %v", eventType, err)
		}
		return m
	}
	rows := func() int { return eval[int](t, b, `document.querySelectorAll("table.message-log tbody tr").length`) }

	b.load(t, chromedp.Navigate(link.Url), chromedp.WaitVisible(chromedp.CSS(`.subnav`)))

	t.Run("an empty log says what appears there", func(t *testing.T) {
		if got := b.load(t, chromedp.Navigate(logURL)); got != http.StatusOK {
			t.Fatalf("status of the empty log = %d", got)
		}
		if got := b.text(t, `.empty h2`); got != "No messages yet" {
			t.Errorf("empty log heading = %q", got)
		}
		b.screenshot(t, "message-log-empty")
	})

	const xss = `<img src=x onerror=alert(1)>`
	var paid, voided *svix.MessageOut
	t.Run("the log lists messages newest first and filters by event type", func(t *testing.T) {
		paid = send("invoice.paid", map[string]any{"invoice": "in_1", "amount": 1200}, "eu")
		send("invoice.paid", map[string]any{"invoice": "in_2"})
		// Raw JSON: the SDK would escape < and > as \u003c and \u003e.
		status, body := s.do(t, http.MethodPost, "/api/v1/app/"+app.Id+"/msg", s.Token,
			[]byte(`{"eventType":"invoice.voided","payload":{"invoice":"in_3","note":"`+xss+`"}}`))
		if status != http.StatusAccepted {
			t.Fatalf("create the invoice.voided message: %d %s", status, body)
		}
		voided = new(svix.MessageOut)
		if err := json.Unmarshal(body, voided); err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 3, 10*time.Second)
		b.load(t, chromedp.Navigate(logURL))
		eventually(t, 10*time.Second, "three delivered messages in the log", func() bool {
			return rows() == 3 && eval[int](t, b, `document.querySelectorAll("table.message-log .badge.ok").length`) == 3
		})
		if first := b.text(t, `table.message-log tbody tr td.name`); first != "invoice.voided" {
			t.Errorf("first row = %q, want the newest (invoice.voided)", first)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls on the log: %q", u)
		}
		b.load(t,
			chromedp.SetValue(chromedp.CSS(`#f-event-type`), "invoice.paid"),
			chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		)
		if n := rows(); n != 2 {
			t.Errorf("filtered by invoice.paid: %d rows, want 2", n)
		}
		if got := eval[string](t, b, `document.querySelector("#f-event-type").value`); got != "invoice.paid" {
			t.Errorf("the filter form forgot its event type: %q", got)
		}
		b.screenshot(t, "message-log")
		b.load(t, chromedp.Navigate(logURL+"?channel=eu"))
		if n := rows(); n != 1 {
			t.Errorf("filtered by channel eu: %d rows, want 1", n)
		}
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.load(t, chromedp.Navigate(logURL))
		b.screenshot(t, "message-log-phone")
		b.do(t, chromedp.EmulateViewport(1280, 800)) // ResetViewport leaves the phone width
	})

	t.Run("a message shows its payload as text and its attempt", func(t *testing.T) {
		if got := b.load(t, chromedp.Navigate(logURL+"/"+voided.Id)); got != http.StatusOK {
			t.Fatalf("status of the message page = %d", got)
		}
		if got := b.text(t, `[data-testid=payload]`); !strings.Contains(got, xss) {
			t.Errorf("payload = %q, want the note as text", got)
		}
		if n := eval[int](t, b, `document.querySelectorAll("main img").length`); n != 0 {
			t.Errorf("the payload made %d img elements", n)
		}
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d dialogs opened", n)
		}
		if got := b.text(t, `tr.attempt .status-code`); got != "200" {
			t.Errorf("attempt status code = %q, want 200", got)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`details.response summary`)))
		if got := b.text(t, `.response-body`); got != "ok" {
			t.Errorf("response body = %q, want the receiver's ok", got)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls on the message page: %q", u)
		}
	})

	t.Run("resend delivers a failed message again, and the attempt appears live", func(t *testing.T) {
		rcv.answer(500, 500, 500)
		before := rcv.count()
		failed := send("invoice.paid", map[string]any{"invoice": "in_4"})
		rcv.waitFor(t, before+3, 10*time.Second)
		b.load(t, chromedp.Navigate(logURL+"/"+failed.Id))
		// The last retry's outcome arrives live, if not already shown.
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`.target-state .badge.fail`)))
		if n := eval[int](t, b, `document.querySelectorAll("tr.attempt").length`); n != 3 {
			t.Errorf("%d attempts shown, want 3", n)
		}
		b.screenshot(t, "message-attempts-failed")

		b.load(t, chromedp.Click(chromedp.CSS(`.target-state form button`)))
		if got := b.text(t, `#message-notice`); !strings.Contains(got, "Sent again") {
			t.Errorf("resend notice = %q", got)
		}
		eval[bool](t, b, `window.notReloaded = true`)
		got := rcv.waitFor(t, before+4, 10*time.Second)[before+3]
		if id := got.Header.Get("webhook-id"); id != failed.Id || !verifies(t, secret.Key, got) {
			t.Errorf("the resent request: webhook-id %q (want %s), signature verifies %v", id, failed.Id, verifies(t, secret.Key, got))
		}
		ctxWait, cancel := context.WithTimeout(b.ctx, browserTimeout)
		defer cancel()
		_, err := chromedp.Run(ctxWait, chromedp.Poll[bool](`document.querySelectorAll("tr.attempt").length === 4`))
		if err != nil {
			t.Fatalf("the resent attempt did not appear on the open page: %v", err)
		}
		if !eval[bool](t, b, `window.notReloaded === true`) {
			t.Error("the page reloaded")
		}
		if got := b.text(t, `tr.attempt td[data-label=Trigger]`); got != "Manual" {
			t.Errorf("the newest attempt's trigger = %q, want Manual", got)
		}
		if got := b.text(t, `.target-state .badge`); got != "Delivered" {
			t.Errorf("the delivery after the resend = %q, want Delivered", got)
		}
		b.screenshot(t, "message-attempts")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "message-phone")
		b.do(t, chromedp.EmulateViewport(1280, 800)) // ResetViewport leaves the phone width
	})

	t.Run("recover sends the failed messages since a time again", func(t *testing.T) {
		rcv.answer(500, 500, 500)
		before := rcv.count()
		failed := send("invoice.voided", map[string]any{"invoice": "in_5"})
		rcv.waitFor(t, before+3, 10*time.Second)
		eventually(t, 10*time.Second, "the message to fail for good", func() bool {
			out, err := s.Client.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, failed.Id, nil)
			return err == nil && len(out.Data) == 1 && out.Data[0].Status == models.MESSAGESTATUS_FAIL
		})
		b.load(t, chromedp.Navigate(logURL))
		since := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")
		b.load(t,
			chromedp.SetValue(chromedp.CSS(`#r-endpoint`), ep.Id),
			chromedp.SetValue(chromedp.CSS(`#r-since`), since),
			chromedp.Click(chromedp.CSS(`section.recover button[type=submit]`)),
		)
		if got := b.text(t, `#log-notice`); !strings.Contains(got, "1 failed message queued again") {
			t.Errorf("recover notice = %q", got)
		}
		rcv.waitFor(t, before+4, 10*time.Second)
		b.screenshot(t, "message-log-recovered")
	})

	t.Run("another app's message is not found", func(t *testing.T) {
		m, err := s.Client.Message.Create(ctx, other.Id, svix.MessageIn{EventType: "invoice.paid", Payload: map[string]any{"secret": "globex"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.load(t, chromedp.Navigate(fmt.Sprintf("%s/%s", logURL, m.Id))); got != http.StatusNotFound {
			t.Errorf("status of app B's message in app A's portal = %d, want 404", got)
		}
		if strings.Contains(eval[string](t, b, `document.body.innerText`), "globex") {
			t.Error("the 404 page shows B's payload")
		}
	})
	_ = paid

	// Last: it stops the server.
	t.Run("a live stream ends when the server stops", func(t *testing.T) {
		c := b.cookie(t, s.URL+"/portal/"+app.Id, "hookline_portal")
		req, err := http.NewRequest(http.MethodGet, logURL+"/live", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(c)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
			t.Fatalf("live stream: status %d, Content-Type %q", resp.StatusCode, ct)
		}
		first := make([]byte, 64)
		if n, err := resp.Body.Read(first); err != nil || !strings.Contains(string(first[:n]), ": open") {
			t.Fatalf("live stream began with %q, %v", first[:n], err)
		}
		ended := make(chan error, 1)
		go func() { _, err := io.Copy(io.Discard, resp.Body); ended <- err }()
		start := time.Now()
		s.stop()
		// Stop waits for open responses up to the shutdown timeout: an
		// open stream would hold it that long.
		if took := time.Since(start); took >= s.cfg.ShutdownTimeout {
			t.Errorf("Stop took %v with a live stream open (shutdown timeout %v)", took, s.cfg.ShutdownTimeout)
		}
		select {
		case <-ended:
		case <-time.After(browserTimeout):
			t.Error("the live stream is still open after Stop")
		}
	})
}
