package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
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
		in := svix.EventTypeIn{Name: name, Description: "When an " + strings.Replace(name, ".", " is ", 1)}
		if name == "affiliate.create" {
			// The preview's payload is the schema's first example.
			in.Schemas = &map[string]any{"1": map[string]any{"type": "object", "examples": []any{map[string]any{"name": "Ann Lee"}}}}
		}
		if _, err := s.Client.EventType.Create(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Behind a feature flag the portal link below lacks: never offered,
	// and refused from a hand-made form.
	if _, err := s.Client.EventType.Create(ctx, svix.EventTypeIn{Name: "beta.thing", Description: "Hidden", FeatureFlag: ptr("beta")}, nil); err != nil {
		t.Fatal(err)
	}
	appA := s.newApp(t, "Acme Affiliates")
	appB := s.newApp(t, "Globex")
	linkA := s.portalLink(t, appA.Id)
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
		if got := b.load(t, chromedp.Click(chromedp.CSS(`.heading-actions a[href*="/messages?endpoint="]`))); got != http.StatusOK {
			t.Errorf("the endpoint's message log = %d", got)
		}
		if got := eval[string](t, b, `location.search`); got != "?endpoint="+epEvil.Id {
			t.Errorf("the Messages link went to %q", got)
		}
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

	rcv := newReceiver(t)
	var epForm string // the endpoint made through the form
	t.Run("an endpoint is created through the form with two of four event types", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base))
		b.load(t, chromedp.Click(chromedp.CSS(`.endpoints-heading a.button`)))
		if got := b.text(t, `main h1`); got != "Add endpoint" {
			t.Fatalf("heading = %q", got)
		}
		if n := eval[int](t, b, `document.querySelectorAll('input[name=eventType]').length`); n != 4 {
			t.Errorf("%d event type checkboxes, want 4", n)
		}
		if got := b.text(t, `#ep-events-hint`); !strings.Contains(got, "Tick none to receive all events") {
			t.Errorf("events hint = %q", got)
		}
		noLeak(t, "new endpoint form")
		b.screenshot(t, "endpoint-form-new")
		b.load(t,
			chromedp.SendKeys(chromedp.CSS(`#ep-url`), rcv.URL+"/hook"),
			chromedp.SendKeys(chromedp.CSS(`#ep-description`), "Orders to our CRM"),
			chromedp.Click(chromedp.CSS(`#et-affiliate\.create`)),
			chromedp.Click(chromedp.CSS(`#et-conversion\.update`)),
			chromedp.SendKeys(chromedp.CSS(`#hn-0`), "Authorization"),
			chromedp.SendKeys(chromedp.CSS(`#hv-0`), "Bearer hunter2pw-token"),
			chromedp.SendKeys(chromedp.CSS(`#hn-1`), "X-Team"),
			chromedp.SendKeys(chromedp.CSS(`#hv-1`), "growth"),
			chromedp.Click(chromedp.CSS(`.form-actions button[type=submit]`)),
		)
		if got := b.text(t, `.notice`); !strings.Contains(got, "Saved") {
			t.Errorf("after saving the notice is %q", got)
		}
		path := eval[string](t, b, `location.pathname`)
		epForm = path[strings.LastIndex(path, "/")+1:]
		ep, err := s.Client.Endpoint.Get(ctx, appA.Id, epForm)
		if err != nil {
			t.Fatalf("the endpoint %q the form made: %v", epForm, err)
		}
		slices.Sort(ep.FilterTypes)
		if !slices.Equal(ep.FilterTypes, []string{"affiliate.create", "conversion.update"}) || ep.Description != "Orders to our CRM" || ep.Url != rcv.URL+"/hook" {
			t.Errorf("the form made filterTypes %q, description %q, url %q", ep.FilterTypes, ep.Description, ep.Url)
		}
		headers, err := s.Client.Endpoint.GetHeaders(ctx, appA.Id, epForm)
		if err != nil || headers.Headers["X-Team"] != "growth" || !slices.Contains(headers.Sensitive, "Authorization") {
			t.Errorf("headers = %+v, %v", headers, err)
		}
		details := b.text(t, `.endpoint-layout`)
		if !strings.Contains(details, "X-Team: growth") || !strings.Contains(details, "Authorization: ••••") {
			t.Errorf("the page's headers:\n%s", details)
		}
		noLeak(t, "endpoint page")
	})

	t.Run("bad input is shown next to its field and nothing is saved", func(t *testing.T) {
		before, err := s.Client.Endpoint.List(ctx, appA.Id, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.load(t, chromedp.Navigate(base+"/new"))
		status := b.load(t,
			chromedp.SendKeys(chromedp.CSS(`#ep-url`), "not a url"),
			chromedp.SendKeys(chromedp.CSS(`#ep-description`), "Kept as typed"),
			chromedp.Click(chromedp.CSS(`#et-affiliate\.update`)),
			chromedp.SendKeys(chromedp.CSS(`#ep-rate`), "0"),
			chromedp.Click(chromedp.CSS(`.form-actions button[type=submit]`)),
		)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("status = %d, want 422", status)
		}
		if got := b.text(t, `.field.invalid #ep-url-error`); !strings.Contains(got, "url") {
			t.Errorf("URL error = %q", got)
		}
		if got := b.text(t, `.field.invalid #ep-rate-error`); !strings.Contains(got, "rate limit") {
			t.Errorf("rate limit error = %q", got)
		}
		kept := eval[string](t, b, `document.querySelector('#ep-url').value + "|" + document.querySelector('#ep-description').value + "|" + document.querySelector('#et-affiliate\\.update').checked`)
		if kept != "not a url|Kept as typed|true" {
			t.Errorf("the form kept %q", kept)
		}
		b.screenshot(t, "endpoint-form-errors")
		status = evalAwait[int64](t, b, `(() => {
			const d = new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value, url: "https://example.com/beta", eventType: "beta.thing"});
			return fetch(`+jsString(base+"/new")+`, {method: "POST", body: d}).then(r => r.status);
		})()`)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("a form choosing an event type behind a flag the link lacks = %d, want 422", status)
		}
		after, err := s.Client.Endpoint.List(ctx, appA.Id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Data) != len(before.Data) {
			t.Errorf("%d endpoints after a refused form, want %d", len(after.Data), len(before.Data))
		}
	})

	t.Run("the list shows the new endpoint", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base))
		list := b.text(t, `table.endpoints`)
		for _, want := range []string{"Orders to our CRM", "affiliate.create", "conversion.update"} {
			if !strings.Contains(list, want) {
				t.Errorf("the list does not show %q:\n%s", want, list)
			}
		}
	})

	t.Run("the edit form shows the URL redacted and keeps it unless replaced", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base+"/"+epEvil.Id+"/edit"))
		if got := eval[string](t, b, `document.querySelector('#ep-url').value`); !strings.Contains(got, "REDACTED@127.0.0.1") {
			t.Errorf("URL input = %q", got)
		}
		noLeak(t, "edit form")
		b.load(t,
			chromedp.SetValue(chromedp.CSS(`#ep-description`), evil+" (edited)"),
			chromedp.Click(chromedp.CSS(`.form-actions button[type=submit]`)),
		)
		ep, err := s.Client.Endpoint.Get(ctx, appA.Id, epEvil.Id)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Url != secretURL || ep.Description != evil+" (edited)" {
			t.Errorf("after the edit: url %q, description %q; want the stored URL kept", ep.Url, ep.Description)
		}
		noLeak(t, "endpoint page after the edit")
	})

	t.Run("a form template: the preview shows the body, and the next delivery arrives in it, signed", func(t *testing.T) {
		b.load(t, chromedp.Navigate(base+"/"+epForm+"/edit"))
		noLeak(t, "edit form")
		if eval[bool](t, b, `!document.querySelector('#template-fields').hidden`) {
			t.Error("the template's fields show with the JSON format")
		}
		const tmpl = `event={{.eventType}}&name={{urlquery .payload.name}}&id={{.msgId}}`
		b.do(t,
			chromedp.Click(chromedp.CSS(`#fmt-template`)),
			chromedp.WaitVisible(chromedp.CSS(`#ep-template`)),
			chromedp.SendKeys(chromedp.CSS(`#ep-template`), tmpl),
		)
		ctxWait, cancel := b.bounded()
		defer cancel()
		if err := chromedp.Do(ctxWait, chromedp.Poll[chromedp.Void](`document.querySelector('#preview').innerText.includes("event=affiliate.create&name=Ann+Lee&id=msg_")`)); err != nil {
			t.Fatalf("the preview did not show the body: %v\n%s", err, eval[string](t, b, `document.querySelector('#preview').innerText`))
		}
		if got := b.text(t, `#preview`); !strings.Contains(got, "Content-Type: application/x-www-form-urlencoded") || !strings.Contains(got, "Authorization: ••••") || strings.Contains(got, "hunter2pw") {
			t.Errorf("preview:\n%s", got)
		}
		b.screenshot(t, "endpoint-form-preview")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "endpoint-form-phone")
		if wide := eval[string](t, b, `(() => { const w = document.documentElement.clientWidth; return [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right)).join(", ") })()`); wide != "" {
			t.Errorf("on a phone the form is wider than the screen: %s", wide)
		}
		b.do(t, chromedp.EmulateViewport(1280, 800))
		// Without the script, the Preview button sends the form to its own
		// action, which answers the form again with the preview, saving
		// nothing.
		page := evalAwait[string](t, b, `(() => {
			const f = document.querySelector("form.endpoint-form"), d = new FormData(f);
			d.set("preview", "1");
			return fetch(f.action, {method: "POST", body: new URLSearchParams(d)}).then(r => r.text());
		})()`)
		if !strings.Contains(page, "event=affiliate.create&amp;name=Ann&#43;Lee&amp;id=msg_") && !strings.Contains(page, "event=affiliate.create&amp;name=Ann+Lee&amp;id=msg_") {
			t.Errorf("the Preview button's page does not show the body")
		}
		if _, opts := s.do(t, "GET", "/api/v1/app/"+appA.Id+"/endpoint/"+epForm+"/delivery-options", s.Token, nil); !strings.Contains(string(opts), `"format":"json"`) {
			t.Errorf("a preview saved the options: %s", opts)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`.form-actions button[type=submit]`)))
		if got := b.text(t, `.endpoint-layout`); !strings.Contains(got, "Template") {
			t.Errorf("the page after saving a template:\n%s", got)
		}
		msg, err := s.Client.Message.Create(ctx, appA.Id, svix.MessageIn{EventType: "affiliate.create", Payload: map[string]any{"name": "Bo Li"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := rcv.waitFor(t, 1, 10*time.Second)[0]
		if want := "event=affiliate.create&name=Bo+Li&id=" + msg.Id; string(got.Body) != want {
			t.Errorf("body = %q, want %q", got.Body, want)
		}
		if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", ct)
		}
		if a := got.Header.Get("Authorization"); a != "Bearer hunter2pw-token" {
			t.Errorf("Authorization = %q: the stored value was not kept", a)
		}
		secret, err := s.Client.Endpoint.GetSecret(ctx, appA.Id, epForm)
		if err != nil {
			t.Fatal(err)
		}
		wh, err := svix.NewWebhook(secret.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(got.Body, got.Header); err != nil {
			t.Errorf("svix Verify = %v", err)
		}
	})

	t.Run("disabled, an endpoint receives nothing; enabled, it does again", func(t *testing.T) {
		other := newReceiver(t)
		if _, err := s.Client.Endpoint.Create(ctx, appA.Id, svix.EndpointIn{Url: other.URL + "/all", Description: ptr("Everything")}, nil); err != nil {
			t.Fatal(err)
		}
		b.load(t, chromedp.Navigate(base+"/"+epForm))
		b.load(t, chromedp.Click(chromedp.CSS(`form[action$="/disable"] button`)))
		if _, err := s.Client.Message.Create(ctx, appA.Id, svix.MessageIn{EventType: "affiliate.create", Payload: map[string]any{"name": "Cy"}}, nil); err != nil {
			t.Fatal(err)
		}
		// The message goes to both endpoints or neither: once the other has
		// it, the disabled one's delivery would have been made too.
		other.waitFor(t, 1, 10*time.Second)
		if n := rcv.count(); n != 1 {
			t.Errorf("the disabled endpoint received %d requests, want only the 1 from before", n)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`form[action$="/enable"] button`)))
		if _, err := s.Client.Message.Create(ctx, appA.Id, svix.MessageIn{EventType: "affiliate.create", Payload: map[string]any{"name": "Di"}}, nil); err != nil {
			t.Fatal(err)
		}
		rcv.waitFor(t, 2, 10*time.Second)
		// The engine flushes health about once a second: the list shows the
		// last request once it has.
		row := `document.querySelector('a[href$="/` + epForm + `"]').closest("tr").innerText`
		eventually(t, 10*time.Second, "the list to show the endpoint Connected", func() bool {
			b.load(t, chromedp.Navigate(base))
			return strings.Contains(eval[string](t, b, row), "Connected")
		})
		if got := eval[string](t, b, row); !strings.Contains(got, "HTTP 200") {
			t.Errorf("the row does not show the last request's status:\n%s", got)
		}
		b.screenshot(t, "endpoints-with-health")
		noLeak(t, "list")
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
}

// TestEndpointListPagesInBrowser pages the endpoint list by ID, newest
// first: Older and Newer links, no count.
func TestEndpointListPagesInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()
	app := s.newApp(t, "Many Hooks")
	const n = 53 // a page of 50, then 3
	for i := range n {
		_, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: fmt.Sprintf("https://example.com/%d", i), Description: ptr(fmt.Sprintf("Hook %02d", i))}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	link := s.portalLink(t, app.Id)
	b.load(t, chromedp.Navigate(link.Url), chromedp.WaitVisible(chromedp.CSS(`table.endpoints`)))
	page := func() (rows int, first, last string, pager string) {
		rows = eval[int](t, b, `document.querySelectorAll("table.endpoints tbody tr").length`)
		first = b.text(t, `table.endpoints tbody tr:first-child td.name a`)
		last = b.text(t, `table.endpoints tbody tr:last-child td.name a`)
		return rows, first, last, eval[string](t, b, `document.querySelector("nav.pager").innerText.trim()`)
	}
	if rows, first, last, pager := page(); rows != 50 || first != "Hook 52" || last != "Hook 03" || pager != "Older" {
		t.Errorf("first page: %d rows, %q to %q, pager %q; want 50, Hook 52 to Hook 03, Older", rows, first, last, pager)
	}
	b.load(t, chromedp.Click(chromedp.CSS(`nav.pager a[href*="after="]`)))
	if rows, first, last, pager := page(); rows != 3 || first != "Hook 02" || last != "Hook 00" || pager != "Newer" {
		t.Errorf("older page: %d rows, %q to %q, pager %q; want 3, Hook 02 to Hook 00, Newer", rows, first, last, pager)
	}
	b.load(t, chromedp.Click(chromedp.CSS(`nav.pager a[href*="before="]`)))
	if rows, first, last, pager := page(); rows != 50 || first != "Hook 52" || last != "Hook 03" || !strings.Contains(pager, "Older") || strings.Contains(pager, "Newer") {
		t.Errorf("back to the newest: %d rows, %q to %q, pager %q; want 50, Hook 52 to Hook 03, Older only", rows, first, last, pager)
	}
	if got := b.load(t, chromedp.Navigate(s.URL+"/portal/"+app.Id+"/endpoints?after=nonsense")); got != http.StatusBadRequest {
		t.Errorf("a bad page link = %d, want 400", got)
	}
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
