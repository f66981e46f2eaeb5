package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/hookline/hookline/internal/config"
)

func TestPortalInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)

	appA := s.newApp(t, "Acme Affiliates")
	appB := s.newApp(t, "Globex")
	linkA := s.portalLink(t, appA.Id)
	linkB := s.portalLink(t, appB.Id)

	t.Run("a portal link opens its app's portal and drops the key from the address", func(t *testing.T) {
		if got := b.load(t, chromedp.Navigate(linkA.Url), chromedp.WaitVisible(chromedp.CSS(`.subnav`))); got != http.StatusOK {
			t.Errorf("status of the portal = %d", got)
		}
		loc := eval[string](t, b, `location.href`)
		if want := s.URL + "/portal/" + appA.Id + "/endpoints"; loc != want {
			t.Errorf("the portal opened at %q, want %q", loc, want)
		}
		if got := b.text(t, `.app-name`); got != "Acme Affiliates" {
			t.Errorf("app name in the portal = %q", got)
		}
		if strings.Contains(eval[string](t, b, `document.referrer`), "key=") {
			t.Error("the key is in the referrer")
		}
		if n := eval[int](t, b, `document.querySelectorAll('nav[aria-label="Main"]').length`); n != 0 {
			t.Error("a customer's portal shows the operator's navigation")
		}
		b.screenshot(t, "portal-endpoints-empty")
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "portal-phone")
		b.do(t, chromedp.ResetViewport())
	})

	t.Run("the portal of app A is not app B's", func(t *testing.T) {
		// A's session cookie is not even sent to B's pages: they ask for
		// B's link.
		if got := b.load(t, chromedp.Navigate(s.URL+"/portal/"+appB.Id+"/endpoints")); got != http.StatusUnauthorized {
			t.Errorf("status of B's portal with A's session = %d, want 401", got)
		}
		// B's key on A's page opens nothing.
		keyB := strings.TrimPrefix(linkB.Url[strings.Index(linkB.Url, "#"):], "#key=")
		b.load(t, chromedp.Navigate(s.URL+"/portal/"+appA.Id))
		if got := eval[string](t, b, `location.pathname`); got != "/portal/"+appA.Id+"/endpoints" {
			t.Fatalf("signed in to A, its link page went to %q", got)
		}
		// Signed out of A, A's key form refuses B's key.
		b.load(t, chromedp.Click(chromedp.CSS(`form.sign-out button`)))
		if got := b.text(t, `main h1`); got != "Signed out" {
			t.Errorf("after the portal's sign-out the page is %q", got)
		}
		b.load(t, chromedp.Navigate(s.URL+"/portal/"+appA.Id))
		got := b.load(t,
			chromedp.WaitVisible(chromedp.CSS(`#key`)),
			chromedp.SendKeys(chromedp.CSS(`#key`), keyB),
			chromedp.Click(chromedp.CSS(`#portal-key-form button`)),
		)
		if got != http.StatusUnauthorized {
			t.Errorf("status of B's key on A's portal = %d, want 401", got)
		}
		if msg := b.text(t, `#key-error`); !strings.Contains(msg, "not valid for this application") {
			t.Errorf("error of B's key on A's portal = %q", msg)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls on the portal's key page: %q", u)
		}
		b.screenshot(t, "portal-key-refused")
	})

	t.Run("the key exchange refuses a form without its CSRF token", func(t *testing.T) {
		keyA := linkA.Url[strings.Index(linkA.Url, "#key=")+len("#key="):]
		resp, err := http.PostForm(s.URL+"/portal/"+appA.Id+"/session", url.Values{"key": {keyA}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("key exchange without CSRF token: status %d, cookies %v; want 403 and none", resp.StatusCode, resp.Cookies())
		}
	})

	t.Run("the operator opens any app's portal pages", func(t *testing.T) {
		b.signIn(t, s.URL, s.Token)
		if got := b.load(t, chromedp.Navigate(s.URL+"/portal/"+appB.Id+"/endpoints")); got != http.StatusOK {
			t.Errorf("status of B's pages for the operator = %d", got)
		}
		if got := b.text(t, `.app-name`); !strings.Contains(got, "Globex") || !strings.Contains(got, "Applications") {
			t.Errorf("app name for the operator = %q, want the way back to all apps beside it", got)
		}
		if got := b.load(t, chromedp.Navigate(s.URL+"/portal/app_doesnotexist/endpoints")); got != http.StatusNotFound {
			t.Errorf("status of an unknown app = %d, want 404", got)
		}
	})
}

// TestPortalEmbeddedInBrowser embeds the portal in an iframe of another
// site, as a SaaS puts it in its own settings page: http://localhost:N
// framing http://127.0.0.1:M is cross-site, so the portal's cookies must
// be SameSite=None (and Partitioned) to be sent there, and its CSP must
// name the framing origin.
func TestPortalEmbeddedInBrowser(t *testing.T) {
	b := newBrowser(t)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Acme settings</title><h1>Webhooks</h1><iframe id="portal" src=%q width="1000" height="600"></iframe>`, r.URL.Query().Get("portal"))
	}))
	t.Cleanup(host.Close)
	hostOrigin := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)
	s := startServer(t, func(c *config.Config) { c.PortalFrameAncestors = []string{hostOrigin} })
	app := s.newApp(t, "Embedded Co")
	link := s.portalLink(t, app.Id)

	resp, err := http.Get(s.URL + "/portal/" + app.Id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+hostOrigin) {
		t.Errorf("portal CSP = %q, want frame-ancestors naming %s", csp, hostOrigin)
	}
	resp, err = http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, hostOrigin) {
		t.Errorf("the operator's pages may be framed too: CSP = %q", csp)
	}

	b.load(t, chromedp.Navigate(hostOrigin+"/?portal="+url.QueryEscape(link.Url)))
	// The frame's document is another origin's, out of the page's
	// script's reach: the browser's frame tree tells where it is.
	var got string
	var frame target.ID
	ctxStep, cancel := b.bounded()
	defer cancel()
	for ctxStep.Err() == nil {
		// The frame runs in a process of its own (site isolation): it is
		// a target of the browser's, not a child of the page's frame tree.
		res, err := chromedp.CallBrowser(ctxStep, target.GetTargets, target.GetTargetsParams{})
		if err != nil {
			failBrowser(t, err)
		}
		for _, ti := range res.TargetInfos {
			if ti.Type == "iframe" {
				got, frame = ti.URL, ti.TargetID
			}
		}
		if strings.HasSuffix(got, "/portal/"+app.Id+"/endpoints") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.HasSuffix(got, "/portal/"+app.Id+"/endpoints") {
		t.Fatalf("the embedded portal is at %q, want its endpoints page", got)
	}
	// Signed in inside the frame: its page is the app's, not the one
	// asking for the link again (which a cookie the frame may not keep
	// would give).
	frameCtx, cancelFrame := chromedp.NewContext(ctxStep, chromedp.WithTargetID(frame))
	defer cancelFrame()
	heading, err := chromedp.Run(frameCtx, chromedp.Evaluate[string](`document.querySelector("main h1").innerText + " / " + document.querySelector(".app-name").innerText`))
	if err != nil {
		failBrowser(t, err)
	}
	if heading != "Endpoints / Embedded Co" {
		t.Errorf("the embedded portal shows %q, want its endpoints page", heading)
	}
	b.screenshot(t, "portal-embedded")
}
