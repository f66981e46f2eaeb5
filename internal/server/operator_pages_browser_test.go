package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	svix "github.com/svix/svix-webhooks/go"
)

// setValue sets a form field's value at once, empty included (a long
// schema typed key by key would take seconds).
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(value)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = %s`, sel, js))
}

// submit clicks a form's submit button and waits for the page it answers.
func (b *browser) submit(t *testing.T, form string, fields ...[2]string) int64 {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS(form))}
	for _, f := range fields {
		steps = append(steps, setValue(form+" "+f[0], f[1]))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(form+` button[type=submit]`)))
	return b.load(t, steps...)
}

func TestOperatorPagesInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()

	appCount := func(t *testing.T) int {
		t.Helper()
		list, err := s.Client.Application.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Data)
	}

	const createForm = `form[action="/apps"]`
	var appID string
	t.Run("the operator creates an app through the form and opens its pages", func(t *testing.T) {
		b.signIn(t, s.URL, s.Token)
		if got := b.text(t, `#create-app-title`); got != "Create application" {
			t.Fatalf("create form heading = %q", got)
		}
		b.screenshot(t, "operator-apps-empty")
		got := b.submit(t, createForm, [2]string{"#app-name", "Acme Billing"}, [2]string{"#app-uid", "acme-billing"})
		if got != http.StatusOK {
			t.Errorf("status after creating an app = %d", got)
		}
		if msg := b.text(t, `.notice.ok`); !strings.Contains(msg, "Application created") {
			t.Errorf("notice = %q", msg)
		}
		if table := b.text(t, `table`); !strings.Contains(table, "Acme Billing") || !strings.Contains(table, "acme-billing") {
			t.Errorf("the new app is not in the list:\n%s", table)
		}
		app, err := s.Client.Application.Get(ctx, "acme-billing")
		if err != nil {
			t.Fatalf("the app is not in the API: %v", err)
		}
		appID = app.Id
		if app.Name != "Acme Billing" {
			t.Errorf("API: name = %q", app.Name)
		}
		b.screenshot(t, "operator-apps")
		b.load(t, chromedp.Click(chromedp.CSS(`td.name a`)))
		if loc := eval[string](t, b, `location.pathname`); loc != "/portal/"+appID+"/endpoints" {
			t.Errorf("opening the app went to %q", loc)
		}
		if name := b.text(t, `.app-name`); !strings.Contains(name, "Acme Billing") {
			t.Errorf("app name on its pages = %q", name)
		}
	})

	t.Run("a bad name or a taken UID is said next to the field, nothing saved", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/"))
		before := appCount(t)
		if got := b.submit(t, createForm, [2]string{"#app-name", ""}, [2]string{"#app-uid", "app_looks-like-an-id"}); got != http.StatusUnprocessableEntity {
			t.Errorf("status of an empty name = %d, want 422", got)
		}
		if msg := b.text(t, `.field.invalid #app-name-error`); !strings.Contains(msg, "at least one character") {
			t.Errorf("error next to the name = %q", msg)
		}
		if msg := b.text(t, `#app-uid-error`); !strings.Contains(msg, "same prefix as the ID") {
			t.Errorf("error next to the UID = %q", msg)
		}
		if got := eval[string](t, b, `document.querySelector('#app-name').getAttribute('aria-describedby')`); got != "app-name-error" {
			t.Errorf("the name field is described by %q", got)
		}
		b.screenshot(t, "operator-apps-create-error")
		if got := b.submit(t, createForm, [2]string{"#app-name", "Acme again"}, [2]string{"#app-uid", "acme-billing"}); got != http.StatusConflict {
			t.Errorf("status of a taken UID = %d, want 409", got)
		}
		if msg := b.text(t, `.field.invalid #app-uid-error`); !strings.Contains(msg, "another application has this UID") {
			t.Errorf("error next to the UID = %q", msg)
		}
		if got := eval[string](t, b, `document.querySelector('#app-name').value`); got != "Acme again" {
			t.Errorf("the form lost what was typed: name = %q", got)
		}
		if after := appCount(t); after != before {
			t.Errorf("%d apps after the refused forms, want %d", after, before)
		}
	})

	const schema = `{"type": "object", "properties": {"id": {"type": "string"}, "note": {"type": "string"}},
		"examples": [{"id": "inv_1", "note": "<script>alert(1)</script>"}]}`
	t.Run("an event type is created, edited and archived through the pages", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/event-types"))
		b.screenshot(t, "operator-event-types-empty")
		b.load(t, chromedp.Click(chromedp.CSS(`a[href="/event-types/new"]`)))
		const form = `form[action="/event-types"]`
		// A schema that does not compile is refused next to its field.
		got := b.submit(t, form, [2]string{"#et-name", "invoice.paid"}, [2]string{"#et-description", "An invoice was paid."},
			[2]string{"#et-schema", `{"type": 12}`})
		if got != http.StatusUnprocessableEntity {
			t.Errorf("status of a bad schema = %d, want 422", got)
		}
		if msg := b.text(t, `.field.invalid #et-schema-error`); !strings.Contains(msg, "invalid JSON Schema") {
			t.Errorf("error next to the schema = %q", msg)
		}
		if _, err := s.Client.EventType.Get(ctx, "invoice.paid"); !isNotFound(err) {
			t.Errorf("a refused form saved the event type: %v", err)
		}
		b.screenshot(t, "operator-event-type-form-error")
		got = b.submit(t, form, [2]string{"#et-name", "invoice.paid"}, [2]string{"#et-description", "An invoice was paid."},
			[2]string{"#et-schema", schema})
		if got != http.StatusOK {
			t.Fatalf("status after creating an event type = %d", got)
		}
		et, err := s.Client.EventType.Get(ctx, "invoice.paid")
		if err != nil {
			t.Fatalf("API: %v", err)
		}
		if et.Description != "An invoice was paid." || et.Schemas == nil || (*et.Schemas)["1"] == nil {
			t.Errorf("API: description %q, schemas %v", et.Description, et.Schemas)
		}

		// Edited: a description, a feature flag.
		b.load(t, chromedp.Navigate(s.URL+"/event-types/invoice.paid/edit"))
		if got := eval[string](t, b, `document.querySelector('#et-schema').value`); !strings.Contains(got, "inv_1") {
			t.Errorf("the edit form's schema = %q", got)
		}
		b.screenshot(t, "operator-event-type-form")
		got = b.submit(t, `form[action="/event-types/invoice.paid"]`, [2]string{"#et-description", "An invoice was paid in full."})
		if got != http.StatusOK {
			t.Errorf("status after editing = %d", got)
		}
		if et, err = s.Client.EventType.Get(ctx, "invoice.paid"); err != nil || et.Description != "An invoice was paid in full." {
			t.Errorf("API after the edit: %+v, %v", et, err)
		}

		// Two more: one archived, one behind a feature flag.
		for _, f := range [][3]string{{"invoice.voided", "An invoice was voided.", ""}, {"invoice.beta", "Beta only.", "beta"}} {
			b.load(t, chromedp.Navigate(s.URL+"/event-types/new"))
			b.submit(t, form, [2]string{"#et-name", f[0]}, [2]string{"#et-description", f[1]}, [2]string{"#et-flag", f[2]})
		}
		if et, err := s.Client.EventType.Get(ctx, "invoice.beta"); err != nil || et.FeatureFlag == nil || *et.FeatureFlag != "beta" {
			t.Errorf("API: the flagged event type = %+v, %v", et, err)
		}
		b.screenshot(t, "operator-event-types")
		b.load(t, chromedp.Click(chromedp.CSS(`a[href="/event-types/invoice.voided/archive"]`)))
		if h := b.text(t, `main h1`); !strings.Contains(h, "Archive invoice.voided?") {
			t.Errorf("confirmation heading = %q", h)
		}
		if et, _ := s.Client.EventType.Get(ctx, "invoice.voided"); et.Archived != nil && *et.Archived {
			t.Error("the confirmation page archived it already")
		}
		b.screenshot(t, "operator-event-type-archive")
		b.load(t, chromedp.Click(chromedp.CSS(`form[action="/event-types/invoice.voided/archive"] button`)))
		if et, err := s.Client.EventType.Get(ctx, "invoice.voided"); err != nil || et.Archived == nil || !*et.Archived {
			t.Errorf("API after archiving: %+v, %v", et, err)
		}
		// The list then shows archived ones, with a badge and the way back.
		if row := b.text(t, `tr.archived`); !strings.Contains(row, "invoice.voided") || !strings.Contains(row, "Archived") {
			t.Errorf("archived row = %q", row)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`a[href="/event-types"]`)))
		if strings.Contains(b.text(t, `table`), "invoice.voided") {
			t.Error("archived event types are listed without asking")
		}
	})

	t.Run("the portal catalog shows descriptions and examples as text", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/portal/"+appID+"/event-types"))
		page := b.text(t, `.catalog`)
		for _, want := range []string{"invoice.paid", "An invoice was paid in full.", `"note": "<script>alert(1)</script>"`, "invoice.beta"} {
			if !strings.Contains(page, want) {
				t.Errorf("the catalog does not show %q:\n%s", want, page)
			}
		}
		if strings.Contains(page, "invoice.voided") {
			t.Error("the catalog shows an archived event type")
		}
		if n := eval[int](t, b, `document.querySelectorAll("main script").length`); n != 0 {
			t.Errorf("the example made %d script elements", n)
		}
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d JavaScript dialogs opened", n)
		}
		if got := eval[string](t, b, `document.querySelector("#object-invoice-title").textContent`); got != "invoice" {
			t.Errorf("group heading = %q", got)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`#event-invoice\.paid details summary`)))
		b.screenshot(t, "portal-event-types")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "portal-event-types-phone")
		b.do(t, chromedp.ResetViewport())
	})

	t.Run("the status page shows the store and the version", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/status"))
		if got := b.text(t, `[data-testid=backend]`); got != "SQLite" {
			t.Errorf("backend = %q", got)
		}
		if got := b.text(t, `[data-testid=version]`); got == "" || strings.Contains(got, "unknown") {
			t.Errorf("version = %q", got)
		}
		b.screenshot(t, "operator-status")
	})

	t.Run("a form posted without its CSRF token is refused", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/"))
		before := appCount(t)
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/apps"] input[name=csrf]').remove()`))
		if got := b.submit(t, createForm, [2]string{"#app-name", "Forged"}); got != http.StatusForbidden {
			t.Errorf("status of a create without CSRF token = %d, want 403", got)
		}
		if after := appCount(t); after != before {
			t.Errorf("%d apps after a forged create, want %d", after, before)
		}
		b.load(t, chromedp.Navigate(s.URL+"/event-types/invoice.paid/edit"))
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/event-types/invoice.paid"] input[name=csrf]').remove()`))
		if got := b.submit(t, `form[action="/event-types/invoice.paid"]`, [2]string{"#et-description", "Forged."}); got != http.StatusForbidden {
			t.Errorf("status of an edit without CSRF token = %d, want 403", got)
		}
		if et, _ := s.Client.EventType.Get(ctx, "invoice.paid"); et.Description == "Forged." {
			t.Error("a forged edit was saved")
		}
	})

	t.Run("a portal session sees only the event types its flags allow", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/"))
		b.load(t, chromedp.Click(chromedp.CSS(`form.sign-out button`)))
		plain, err := s.Client.Authentication.AppPortalAccess(ctx, appID, svix.AppPortalAccessIn{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.load(t, chromedp.Navigate(plain.Url), chromedp.WaitVisible(chromedp.CSS(`.subnav`)))
		b.load(t, chromedp.Navigate(s.URL+"/portal/"+appID+"/event-types"))
		page := b.text(t, `.catalog`)
		if !strings.Contains(page, "invoice.paid") || strings.Contains(page, "invoice.beta") {
			t.Errorf("a portal without flags sees:\n%s", page)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`form.sign-out button`)))
		flagged, err := s.Client.Authentication.AppPortalAccess(ctx, appID, svix.AppPortalAccessIn{FeatureFlags: []string{"beta"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.load(t, chromedp.Navigate(flagged.Url), chromedp.WaitVisible(chromedp.CSS(`.subnav`)))
		b.load(t, chromedp.Navigate(s.URL+"/portal/"+appID+"/event-types"))
		if page := b.text(t, `.catalog`); !strings.Contains(page, "invoice.beta") {
			t.Errorf("a portal with the beta flag does not see invoice.beta:\n%s", page)
		}
	})
}

// isNotFound reports whether err is the API's 404.
func isNotFound(err error) bool {
	var e *svix.Error
	return errors.As(err, &e) && e.Status() == http.StatusNotFound
}
