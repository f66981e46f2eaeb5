package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	svix "github.com/svix/svix-webhooks/go"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds every step a test waits on in the browser.
const browserTimeout = 20 * time.Second

// browser is one headless Chromium with a fresh profile, driven over the
// DevTools protocol; it is closed when the test ends.
type browser struct {
	ctx     context.Context
	dialogs atomic.Int32 // JavaScript dialogs (alert, confirm) that opened
}

// newBrowser starts Chromium, failing the test with how to install it
// when it is missing, unless HOOKLINE_SKIP_BROWSER_TESTS=1 says to skip.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if os.Getenv("HOOKLINE_SKIP_BROWSER_TESTS") == "1" {
		t.Skip("HOOKLINE_SKIP_BROWSER_TESTS=1: skipping the browser tests on purpose")
	}
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("the browser tests need Chromium at %s: install it with `apt-get update && apt-get install -y chromium` "+
			"(or set HOOKLINE_SKIP_BROWSER_TESTS=1 to skip them on purpose): %v", chromiumPath, err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser, whose life is that call's
	// context: it gets no deadline of its own, so a timer bounds it.
	started := make(chan error, 1)
	go func() { _, err := chromedp.Run(ctx, chromedp.Location()); started <- err }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start Chromium: %v", err)
		}
	case <-time.After(browserTimeout):
		cancel()
		t.Fatalf("Chromium did not start within %s", browserTimeout)
	}
	b := &browser{ctx: ctx}
	// A dialog is counted and dismissed, so the page goes on and the test
	// reports it rather than hanging on it.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			b.dialogs.Add(1)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return b
}

// bounded returns a context for one step, ended by browserTimeout.
func (b *browser) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, browserTimeout)
}

func failBrowser(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("browser: no answer within %s: %v", browserTimeout, err)
	}
	t.Fatalf("browser: %v", err)
}

// do runs steps in the browser.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		failBrowser(t, err)
	}
}

// load runs steps that load a page (a navigation, a form sent) and
// returns the status of that page's response.
func (b *browser) load(t *testing.T, steps ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		failBrowser(t, err)
	}
	return resp.Status
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		failBrowser(t, err)
	}
	return v
}

// text returns the text of the first element sel matches, once visible.
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	b.do(t, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.TrimSpace(eval[string](t, b, fmt.Sprintf("document.querySelector(%q).innerText", sel)))
}

// signIn sends the sign-in form with token and returns the status of the
// page it answers.
func (b *browser) signIn(t *testing.T, base, token string) int64 {
	t.Helper()
	b.load(t, chromedp.Navigate(base+"/"))
	return b.load(t,
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), token),
		chromedp.Click(chromedp.CSS(`form[action="/sign-in"] button[type=submit]`)),
	)
}

// cookies returns the names of the browser's cookies for base.
func (b *browser) cookies(t *testing.T, base string) []string {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
	if err != nil {
		failBrowser(t, err)
	}
	var names []string
	for _, c := range res.Cookies {
		names = append(names, c.Name)
	}
	return names
}

// cookie returns the browser's cookie name for base.
func (b *browser) cookie(t *testing.T, base, name string) *http.Cookie {
	t.Helper()
	ctx, cancel := b.bounded()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
	if err != nil {
		failBrowser(t, err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("the browser has no cookie %s for %s", name, base)
	return nil
}

// getWithCookie fetches url outside the browser, with cookie c only (as
// someone who copied it would), and returns the page.
func getWithCookie(t *testing.T, url string, c *http.Cookie) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// screenshot saves the page as name-light.png and name-dark.png in
// HOOKLINE_SCREENSHOTS_DIR or testdata/screenshots (git-ignored), so a
// person can look at what the tests saw.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("HOOKLINE_SCREENSHOTS_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := b.bounded()
	defer cancel()
	for _, scheme := range []string{"light", "dark", ""} {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		if err != nil {
			failBrowser(t, err)
		}
		if scheme == "" {
			break // back to the browser's own
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			failBrowser(t, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+scheme+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDashboardInBrowser(t *testing.T) {
	b := newBrowser(t)
	s := startServer(t)
	ctx := context.Background()

	t.Run("the sign-in page is safe to serve", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q", got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("Referrer-Policy = %q", got)
		}
		// A sign-in posted by another site carries the token field but no
		// CSRF token of this browser's: refused, no cookie set.
		resp, err = http.PostForm(s.URL+"/sign-in", url.Values{"token": {s.Token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("sign-in without CSRF token: status %d, cookies %v; want 403 and none", resp.StatusCode, resp.Cookies())
		}
	})

	t.Run("a wrong token shows the error next to the field", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/"))
		if got := b.text(t, `label[for="token"]`); got != "Admin token" {
			t.Errorf("label of the token field = %q", got)
		}
		if u := b.unlabelled(t); len(u) > 0 {
			t.Errorf("unlabelled controls on the sign-in page: %q", u)
		}
		b.screenshot(t, "sign-in")
		if got := b.signIn(t, s.URL, "hk_not-the-admin-token"); got != http.StatusUnauthorized {
			t.Errorf("status of a wrong token = %d, want 401", got)
		}
		if got := b.text(t, `.field #token-error`); !strings.Contains(got, "not a valid admin token") {
			t.Errorf("error next to the field = %q", got)
		}
		if names := b.cookies(t, s.URL); slices.Contains(names, "hookline_session") {
			t.Errorf("a wrong token set the session cookie: %v", names)
		}
		b.screenshot(t, "sign-in-error")
	})

	// An app whose name is markup, made through the API as a customer's
	// name could be.
	const evil = `<img src=x onerror=alert(1)>`
	app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: evil, Uid: ptr("evil-app")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Acme Affiliates", Uid: ptr("acme")}, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("signed in, the apps page lists the API's apps, names as text", func(t *testing.T) {
		if got := b.signIn(t, s.URL, s.Token); got != http.StatusOK {
			t.Errorf("status after sign-in = %d", got)
		}
		if names := b.cookies(t, s.URL); !slices.Contains(names, "hookline_session") {
			t.Errorf("no session cookie after sign-in: %v", names)
		}
		if got := b.text(t, `main h1`); got != "Applications" {
			t.Fatalf("heading after sign-in = %q", got)
		}
		page := b.text(t, `table`)
		for _, want := range []string{evil, app.Id, "evil-app", other.Id, "Acme Affiliates", "acme"} {
			if !strings.Contains(page, want) {
				t.Errorf("apps page does not show %q:\n%s", want, page)
			}
		}
		if imgs := eval[int](t, b, `document.querySelectorAll("main img").length`); imgs != 0 {
			t.Errorf("the app's name made %d img elements", imgs)
		}
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d JavaScript dialogs opened", n)
		}
		b.screenshot(t, "apps")
		// The same page on a phone: the table becomes labelled rows.
		b.do(t, chromedp.EmulateViewport(390, 844))
		b.screenshot(t, "apps-phone")
		b.do(t, chromedp.ResetViewport())
	})

	t.Run("a form posted without its CSRF token is refused", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/"))
		if !eval[bool](t, b, `(() => { const i = document.querySelector('form.sign-out input[name=csrf]'); i.remove(); return i.value !== "" })()`) {
			t.Fatal("the sign-out form had an empty CSRF token")
		}
		if got := b.load(t, chromedp.Click(chromedp.CSS(`form.sign-out button`))); got != http.StatusForbidden {
			t.Errorf("status of a sign-out without CSRF token = %d, want 403", got)
		}
		if got := b.text(t, `main h1`); got != "Form expired" {
			t.Errorf("heading = %q", got)
		}
		b.load(t, chromedp.Navigate(s.URL+"/"))
		if got := b.text(t, `main h1`); got != "Applications" {
			t.Errorf("after the refused sign-out the page is %q: signed out", got)
		}
	})

	t.Run("sign-out clears the session, and a copy of its cookie opens nothing", func(t *testing.T) {
		b.load(t, chromedp.Navigate(s.URL+"/"))
		copied := b.cookie(t, s.URL, "hookline_session")
		if home := getWithCookie(t, s.URL+"/", copied); !strings.Contains(home, "<h1>Applications</h1>") {
			t.Fatalf("the copied cookie does not open the dashboard before sign-out:\n%s", home)
		}
		b.load(t, chromedp.Click(chromedp.CSS(`form.sign-out button`)))
		if home := getWithCookie(t, s.URL+"/", copied); !strings.Contains(home, "Sign in to Hookline") {
			t.Errorf("a copy of the cookie still opens the dashboard after sign-out:\n%s", home)
		}
		if names := b.cookies(t, s.URL); slices.Contains(names, "hookline_session") {
			t.Errorf("the session cookie is still set after sign-out: %v", names)
		}
		if got := b.text(t, `main h1`); got != "Sign in to Hookline" {
			t.Errorf("after sign-out the page is %q", got)
		}
	})
}

// unlabelled lists the form controls of the page a person could not tell
// apart without seeing it: a visible input, select or textarea with no
// <label for>, no wrapping label and no aria-label(ledby); and buttons
// and links with no text.
func (b *browser) unlabelled(t *testing.T) []string {
	t.Helper()
	return eval[[]string](t, b, `(() => {
		const out = [];
		const visible = el => el.offsetParent !== null || el.getClientRects().length > 0;
		for (const el of document.querySelectorAll("input, select, textarea")) {
			if (el.type === "hidden" || !visible(el)) continue;
			const named = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) ||
				el.closest("label") || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
			if (!named) out.push(el.outerHTML.slice(0, 120));
		}
		for (const el of document.querySelectorAll("button, a[href]")) {
			if (!visible(el)) continue;
			if (!(el.innerText.trim() || el.getAttribute("aria-label") || el.querySelector("img[alt]:not([alt=''])"))) out.push(el.outerHTML.slice(0, 120));
		}
		return out;
	})()`)
}

// newApp creates an application named name through the API.
func (s *testServer) newApp(t *testing.T, name string) *svix.ApplicationOut {
	t.Helper()
	app, err := s.Client.Application.Create(context.Background(), svix.ApplicationIn{Name: name}, nil)
	if err != nil {
		t.Fatalf("create app %q: %v", name, err)
	}
	return app
}

// portalLink mints a portal link of appID, as the operator's backend does.
func (s *testServer) portalLink(t *testing.T, appID string) *svix.AppPortalAccessOut {
	t.Helper()
	link, err := s.Client.Authentication.AppPortalAccess(context.Background(), appID, svix.AppPortalAccessIn{}, nil)
	if err != nil {
		t.Fatalf("portal link of %s: %v", appID, err)
	}
	return link
}
