package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	svix "github.com/svix/svix-webhooks/go"
)

// TestInboundPagesInBrowser: the operator makes a bin in the dashboard
// and opens its live view; requests posted to its catch URL while the page
// is open appear without a reload, the JSON body pretty-printed beside the
// raw bytes, the Authorization masked, a binary body shown as a hex dump.
// A source's page lists what it received, verified or refused with the
// reason, and links the message a verified request caused.
func TestInboundPagesInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()
	b.signIn(t, s.URL, s.Token)

	var catchURL, binPath string
	t.Run("a new bin shows its catch URL once", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/inspector"))
		if got := b.text(t, `.empty h2`); got != "No bins yet" {
			t.Errorf("empty state = %q", got)
		}
		b.screenshot(t, "inspector-empty")
		if got := b.submit(t, `form[action="/inspector"]`, [2]string{"#bin-name", "Stripe test"}); got != http.StatusCreated {
			t.Errorf("status after making a bin = %d", got)
		}
		catchURL = eval[string](t, b, `document.querySelector("#catch-url").value`)
		if !strings.HasPrefix(catchURL, s.URL+"/in/bin/bin") {
			t.Fatalf("catch URL = %q", catchURL)
		}
		if table := b.text(t, `table.bins`); !strings.Contains(table, "Stripe test") || !strings.Contains(table, "7 days") {
			t.Errorf("the bin is not listed:\n%s", table)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls: %v", u)
		}
		b.screenshot(t, "inspector-created")
		b.do(t, chromedp.Click(chromedp.CSS(`td.name a`)))
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#captures .empty`)))
		binPath = eval[string](t, b, `location.pathname`)
		if !strings.HasPrefix(binPath, "/inspector/bin_") {
			t.Fatalf("the bin's link went to %q", binPath)
		}
		// The reload of the list now finds no catch URL: it was shown once.
		b.load(t, chromedp.Navigate(s.URL+"/inspector"))
		if n := eval[int](t, b, `document.querySelectorAll("#catch-url").length`); n != 0 {
			t.Errorf("the catch URL is shown again")
		}
	})

	const secret = "sk_live_do_not_show"
	t.Run("the live view shows a request posted while it is open", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+binPath))
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`html[data-live="open"]`)))
		b.screenshot(t, "inspector-waiting")
		body := []byte(`{"type":"invoice.paid","data":{"amount":4200,"note":"<b>bold</b>"}}`)
		code, _, _ := postInbound(t, http.MethodPost, catchURL+"/hooks/stripe?live=1", body, http.Header{
			"Content-Type": {"application/json"}, "Authorization": {"Bearer " + secret},
		})
		if code != http.StatusOK {
			t.Fatalf("catch URL answered %d", code)
		}
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#captures li[data-capture] a[aria-current]`)))
		if got := b.text(t, `#captures li`); !strings.Contains(got, "POST") || !strings.Contains(got, "/hooks/stripe?live=1") {
			t.Errorf("the list shows %q", got)
		}
		pretty := b.text(t, `[data-testid=body-pretty]`)
		if !strings.Contains(pretty, "\n  \"data\": {\n    \"amount\": 4200,") {
			t.Errorf("the body is not pretty-printed:\n%s", pretty)
		}
		if raw := b.text(t, `[data-testid=body-raw]`); raw != string(body) {
			t.Errorf("raw body = %q", raw)
		}
		if auth := b.text(t, `td[data-header=Authorization]`); auth != "Bearer ****" {
			t.Errorf("Authorization shown as %q", auth)
		}
		if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, secret) || strings.Contains(html, "<b>bold") {
			t.Errorf("the page holds the credential or the body's markup unescaped")
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls: %v", u)
		}
		b.screenshot(t, "inspector-live")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "inspector-live-phone")
		b.do(t, chromedp.EmulateViewport(1280, 800)) // ResetViewport leaves the phone width
	})

	t.Run("a binary body shows safely and downloads byte for byte", func(t *testing.T) {
		binary := []byte("\x00\x01PK\x03\x04\xff\xfe<script>alert(1)</script>\x00")
		if code, _, _ := postInbound(t, http.MethodPut, catchURL+"/upload", binary, http.Header{"Content-Type": {"application/octet-stream"}}); code != http.StatusOK {
			t.Fatalf("catch URL answered %d", code)
		}
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#captures li:nth-child(2)`)))
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid=body-hex]`)))
		if got := b.text(t, `[data-testid=binary]`); !strings.Contains(got, fmt.Sprintf("Binary, %d bytes", len(binary))) {
			t.Errorf("binary note = %q", got)
		}
		if hex := b.text(t, `[data-testid=body-hex]`); !strings.Contains(hex, "00 01 50 4b 03 04 ff fe") {
			t.Errorf("hex dump:\n%s", hex)
		}
		if n := eval[int](t, b, `document.querySelectorAll("script:not([src])").length`); n != 0 {
			t.Errorf("the body became a script element")
		}
		raw := eval[string](t, b, `document.querySelector("a[download]").href`)
		if got := getWithCookie(t, raw, b.cookie(t, s.URL, "hookline_session")); got != string(binary) {
			t.Errorf("download = %q, want the exact bytes", got)
		}
		b.screenshot(t, "inspector-binary")
		// Selecting the first request again shows it whole.
		b.load(t, chromedp.Click(chromedp.CSS(`#captures li:nth-child(2) a`)))
		if auth := b.text(t, `td[data-header=Authorization]`); auth != "Bearer ****" {
			t.Errorf("Authorization shown as %q", auth)
		}
		// The search: PUT finds the upload only.
		b.load(t, chromedp.Navigate(s.URL+binPath+"?method=PUT"))
		if n := eval[int](t, b, `document.querySelectorAll("#captures li").length`); n != 1 {
			t.Errorf("a search for PUT lists %d requests", n)
		}
		b.screenshot(t, "inspector-search")
	})

	t.Run("a source's page lists its requests and the message each caused", func(t *testing.T) {
		app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Billing"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		const providerSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		src := createSource(t, s, map[string]any{
			"name":    "Stripe",
			"verify":  map[string]any{"scheme": "standard-webhooks", "secret": providerSecret},
			"forward": map[string]any{"app": map[string]any{"appId": app.Id, "eventTypeField": "type"}},
		})
		createSource(t, s, map[string]any{"name": "Kept only", "verify": map[string]any{"scheme": "none"}})
		body := []byte(`{"type":"invoice.paid","data":{"amount":4200}}`)
		header := signStandardWebhooks(t, providerSecret, time.Now(), body)
		header.Set("Authorization", "Bearer "+secret)
		if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL+"/stripe", body, header); code != http.StatusAccepted {
			t.Fatalf("inbound request: %d %s", code, resp)
		}
		if code, _, _ := postInbound(t, http.MethodPost, src.IngestURL, []byte(`{"forged":true}`), nil); code != http.StatusUnauthorized {
			t.Fatalf("an unsigned request answered %d", code)
		}
		// The provider's retry of the same delivery: kept, not forwarded.
		if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL+"/stripe", body, header); code != http.StatusAccepted {
			t.Fatalf("the retry: %d %s", code, resp)
		}

		b.load(t, chromedp.Navigate(s.URL+"/sources"))
		table := b.text(t, `table.sources`)
		if !strings.Contains(table, "Stripe") || !strings.Contains(table, "Billing") || !strings.Contains(table, "kept only") {
			t.Errorf("sources list:\n%s", table)
		}
		b.screenshot(t, "sources")
		b.load(t, chromedp.Click(chromedp.CSS(`a[href="/sources/`+src.ID+`"]`)))
		if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, providerSecret) || strings.Contains(html, src.Token) {
			t.Errorf("the source's page holds its secret or its token")
		}
		if cfg := b.text(t, `[data-testid=verify-config]`); !strings.Contains(cfg, `"secret": "REDACTED"`) {
			t.Errorf("verification settings:\n%s", cfg)
		}
		rows := b.text(t, `table.inbound-requests tbody`)
		if !strings.Contains(rows, "Verified") || !strings.Contains(rows, "Refused") || !strings.Contains(rows, "webhook-id") || !strings.Contains(rows, "a retry of an earlier request") {
			t.Errorf("requests:\n%s", rows)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls: %v", u)
		}
		b.screenshot(t, "source")
		msgLink := eval[string](t, b, `(document.querySelector("table.inbound-requests a[href*='/messages/msg_']") || {}).pathname || ""`)
		if !strings.HasPrefix(msgLink, "/portal/"+app.Id+"/messages/msg_") {
			t.Fatalf("no link to the message the request caused: %q", msgLink)
		}
		b.load(t, chromedp.Navigate(s.URL+msgLink))
		if got := b.text(t, `[data-testid=msg-id]`); !strings.HasSuffix(msgLink, got) {
			t.Errorf("the message page shows %q", got)
		}

		b.load(t, chromedp.Navigate(s.URL+"/sources/"+src.ID))
		b.load(t, chromedp.Click(chromedp.CSS(`table.inbound-requests tbody tr:nth-child(2) a`)))
		if got := b.text(t, `.verified`); !strings.Contains(got, "Refused") || !strings.Contains(got, "webhook-id") {
			t.Errorf("the refused request's verification: %q", got)
		}
		b.screenshot(t, "source-request-refused")
		b.load(t, chromedp.Navigate(s.URL+"/sources/"+src.ID))
		b.load(t, chromedp.Click(chromedp.CSS(`table.inbound-requests tbody tr:nth-child(3) a`)))
		if auth := b.text(t, `td[data-header=Authorization]`); auth == "" || strings.Contains(auth, secret) {
			t.Errorf("Authorization shown as %q", auth)
		}
		if pretty := b.text(t, `[data-testid=body-pretty]`); !strings.Contains(pretty, "\n  \"data\": {") {
			t.Errorf("the body is not pretty-printed:\n%s", pretty)
		}
		b.screenshot(t, "source-request")
	})

	t.Run("a source made with the form shows its ingest URL once and receives", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/sources"))
		b.load(t, chromedp.Click(chromedp.CSS(`a[href="/sources/new"]`)))
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls: %v", u)
		}
		b.screenshot(t, "source-form")
		const form = `form[action="/sources"]`
		// No secret: refused beside the field, nothing made.
		if got := b.submit(t, form, [2]string{"#src-name", "GitHub org"}, [2]string{"#src-scheme", "github"},
			[2]string{"#src-from", "header"}, [2]string{"#src-event-type", "X-GitHub-Event"}); got != http.StatusUnprocessableEntity {
			t.Errorf("status without a secret = %d", got)
		}
		if msg := b.text(t, `#src-secret-error`); msg == "" {
			t.Error("no error beside the secret")
		}
		b.screenshot(t, "source-form-error")
		const ghSecret = "gh-hook-secret-in-the-form"
		if got := b.submit(t, form, [2]string{"#src-secret", ghSecret}); got != http.StatusCreated {
			t.Fatalf("status creating the source = %d: %s", got, b.text(t, `main`))
		}
		ingest := eval[string](t, b, `document.querySelector("#ingest-url").value`)
		if !strings.HasPrefix(ingest, s.URL+"/in/hkin_") {
			t.Fatalf("ingest URL = %q", ingest)
		}
		if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, ghSecret) {
			t.Error("the page holds the secret")
		}
		b.screenshot(t, "source-created")
		body := []byte(`{"zen":"Keep it logically awesome."}`)
		if code, resp, _ := postInbound(t, http.MethodPost, ingest, body, signGitHub(t, ghSecret, time.Now(), body)); code != http.StatusAccepted {
			t.Fatalf("GitHub-signed request: %d %s", code, resp)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`.notice a[href^="/sources/src_"]`)))
		if rows := b.text(t, `table.inbound-requests tbody`); !strings.Contains(rows, "Verified") || !strings.Contains(rows, "d-") {
			t.Errorf("requests:\n%s", rows)
		}
	})

	t.Run("an open live view does not hold up the server's stop", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+binPath))
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`html[data-live="open"]`)))
		start := time.Now()
		s.stop() // fails the test if Stop runs past its timeout
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Stop took %s with a live view open", took)
		}
	})
}
