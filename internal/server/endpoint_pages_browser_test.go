package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	svix "github.com/svix/svix-webhooks/go"
)

// TestEndpointPagesInBrowser drives a customer's endpoint pages through
// a portal link: the list, an endpoint's page, the form, the preview,
// disable and enable, delete; against the real server and receivers.
func TestEndpointPagesInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()

	for _, name := range []string{"affiliate.create", "affiliate.update", "conversion.create", "conversion.update"} {
		if _, err := s.Client.EventType.Create(ctx, svix.EventTypeIn{Name: name, Description: "When an " + strings.Replace(name, ".", " is ", 1)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	appA, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Acme Affiliates"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	appB, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Globex"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	linkA, err := s.Client.Authentication.AppPortalAccess(ctx, appA.Id, svix.AppPortalAccessIn{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/portal/" + appA.Id + "/endpoints"
	// html is the page's whole markup, to look for what must not be in it.
	html := func(t *testing.T) string { return eval[string](t, b, `document.documentElement.outerHTML`) }
	noLeak := func(t *testing.T, where string) {
		t.Helper()
		if h := html(t); strings.Contains(h, "hunter2pw") {
			t.Errorf("the %s shows the URL's password", where)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls on the %s: %q", where, u)
		}
	}

	b.load(t, chromedp.Navigate(linkA.Url), chromedp.WaitVisible(chromedp.CSS(`.subnav`)))
	t.Run("the empty list says what an endpoint is", func(t *testing.T) {
		if got := b.text(t, `.endpoints-empty`); !strings.Contains(got, "An endpoint is a URL") || !strings.Contains(got, "Add endpoint") {
			t.Errorf("empty list = %q", got)
		}
	})

	rcvSecret := newReceiver(t)
	const evil = `<img src=x onerror=alert(1)>`
	secretURL := strings.Replace(rcvSecret.URL, "http://", "http://user:hunter2pw@", 1) + "/x"
	epEvil, err := s.Client.Endpoint.Create(ctx, appA.Id, svix.EndpointIn{Url: secretURL, Description: ptr(evil),
		FilterTypes: []string{"conversion.create"}, Channels: []string{"eu"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	epB, err := s.Client.Endpoint.Create(ctx, appB.Id, svix.EndpointIn{Url: "https://example.com/b"}, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the list shows endpoints, descriptions as text, URLs redacted", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base))
		row := b.text(t, `table.endpoints tbody tr`)
		for _, want := range []string{evil, "http://REDACTED@127.0.0.1", "conversion.create", "eu", "Active", "Unknown", "None yet"} {
			if !strings.Contains(row, want) {
				t.Errorf("the row does not show %q:\n%s", want, row)
			}
		}
		if n := eval[int](t, b, `document.querySelectorAll("main img").length`); n != 0 {
			t.Errorf("the description made %d img elements", n)
		}
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d JavaScript dialogs opened", n)
		}
		noLeak(t, "list")
		b.screenshot(t, "endpoints")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "endpoints-phone")
		b.do(t, chromedp.EmulateViewport(1280, 800))
	})

	t.Run("an endpoint's page shows its details, credentials redacted", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base+"/"+epEvil.Id))
		if got := b.text(t, `main h1`); got != evil {
			t.Errorf("heading = %q", got)
		}
		details := b.text(t, `.endpoint-layout`)
		for _, want := range []string{"http://REDACTED@", "conversion.create", "Unlimited", "JSON", "POST"} {
			if !strings.Contains(details, want) {
				t.Errorf("details do not show %q:\n%s", want, details)
			}
		}
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d JavaScript dialogs opened", n)
		}
		noLeak(t, "endpoint page")
		b.screenshot(t, "endpoint")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "endpoint-phone")
		b.do(t, chromedp.EmulateViewport(1280, 800))
	})

	t.Run("the portal of app A is not app B's", func(t *testing.T) {
		for _, p := range []string{"/" + epB.Id, "/" + epB.Id + "/edit", "/" + epB.Id + "/delete"} {
			if got := b.load(t, chromedp.Navigate(base+p)); got != http.StatusNotFound {
				t.Errorf("GET %s of B's endpoint in A's portal = %d, want 404", p, got)
			}
		}
		b.load(t, chromedp.Navigate(base))
		for _, p := range []string{"/" + epB.Id + "/disable", "/" + epB.Id + "/enable", "/" + epB.Id + "/delete", "/" + epB.Id + "/edit", "/" + epB.Id + "/preview"} {
			status := evalAwait[int](t, b, `fetch(`+jsString(base+p)+`, {method: "POST", headers: {"X-CSRF-Token": document.querySelector("input[name=csrf]").value}}).then(r => r.status)`)
			if status != http.StatusNotFound {
				t.Errorf("POST %s of B's endpoint in A's portal = %d, want 404", p, status)
			}
		}
		if ep, err := s.Client.Endpoint.Get(ctx, appB.Id, epB.Id); err != nil || ep.Disabled != nil && *ep.Disabled {
			t.Errorf("B's endpoint after A's POSTs: disabled %v, %v", ep.Disabled != nil && *ep.Disabled, err)
		}
	})

	t.Run("disable and enable, the result in place", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base+"/"+epEvil.Id))
		b.load(t, chromedp.Click(chromedp.CSS(`form[action$="/disable"] button`)))
		if got := b.text(t, `.notice`); !strings.Contains(got, "Endpoint disabled") {
			t.Errorf("notice = %q", got)
		}
		if ep, err := s.Client.Endpoint.Get(ctx, appA.Id, epEvil.Id); err != nil || ep.Disabled == nil || !*ep.Disabled {
			t.Errorf("after Disable: disabled %v, %v", ep.Disabled != nil && *ep.Disabled, err)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`form[action$="/enable"] button`)))
		if got := b.text(t, `.notice`); !strings.Contains(got, "Endpoint enabled") {
			t.Errorf("notice = %q", got)
		}
		if ep, err := s.Client.Endpoint.Get(ctx, appA.Id, epEvil.Id); err != nil || ep.Disabled != nil && *ep.Disabled {
			t.Errorf("after Enable: disabled %v, %v", ep.Disabled != nil && *ep.Disabled, err)
		}
	})

	t.Run("delete asks first, then deletes", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base+"/"+epEvil.Id))
		b.load(t, chromedp.Click(chromedp.CSS(`a[href$="/delete"]`)))
		if got := b.text(t, `main h1`); got != "Delete this endpoint?" {
			t.Errorf("confirmation heading = %q", got)
		}
		noLeak(t, "delete confirmation")
		b.screenshot(t, "endpoint-delete")
		b.load(t, chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)))
		if got := eval[string](t, b, `location.pathname`); got != "/portal/"+appA.Id+"/endpoints" {
			t.Errorf("after delete the page is %q", got)
		}
		if got := b.text(t, `.notice`); !strings.Contains(got, "Endpoint deleted") {
			t.Errorf("notice = %q", got)
		}
		if _, err := s.Client.Endpoint.Get(ctx, appA.Id, epEvil.Id); err == nil {
			t.Error("the endpoint is still there")
		}
	})
	_ = time.Second
}

// evalAwait returns the value of a JavaScript expression that gives a
// promise, once it is settled.
func evalAwait[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		failBrowser(t, err)
	}
	return v
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
