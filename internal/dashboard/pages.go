package dashboard

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// cookieSignIn holds a random ID for the signed-out browser, so that the
// sign-in form has a CSRF token too (a site cannot sign a browser in to
// an account of its choosing). It lives only until sign-in.
const cookieSignIn = "hookline_signin"

// signInData is the sign-in form's state.
type signInData struct {
	Error string
}

// appsData is one page of the applications list.
type appsData struct {
	Apps []webhook.App
	// Next is the iterator of the next page; empty on the last.
	Next  string
	First bool
}

// home is the sign-in form when signed out, the applications when in.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) error {
	sess, err := d.sessions.Read(r, auth.CookieAdmin)
	if err != nil || !sess.Principal.Admin() {
		return d.signInForm(w, r, http.StatusOK, "")
	}
	after := r.URL.Query().Get("after")
	if after != "" && !strings.HasPrefix(after, string(webhook.PrefixApp)) {
		d.errorPage(w, http.StatusBadRequest, "Bad page link", "This link to a page of applications is not valid. Go back to the first page.")
		return nil
	}
	apps, err := d.store.AppList(r.Context(), store.AppListParams{
		Page: store.Page{Limit: appsPerPage + 1, After: after, Order: store.Ascending},
	})
	if err != nil {
		return fmt.Errorf("list apps: %w", err)
	}
	data := appsData{Apps: apps, First: after == ""}
	if len(apps) > appsPerPage {
		data.Apps = apps[:appsPerPage]
		data.Next = data.Apps[appsPerPage-1].ID
	}
	return d.render(w, http.StatusOK, "apps", page{Title: "Applications", SignedIn: true, CSRF: d.sessions.CSRFToken(sess), Data: data})
}

// signInForm shows the form with msg next to the token field (if any),
// giving the browser a sign-in ID for the form's CSRF token when it has
// none yet.
func (d *Dashboard) signInForm(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	id := ""
	if c, err := r.Cookie(cookieSignIn); err == nil && validSignInID(c.Value) {
		id = c.Value
	} else {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("sign-in ID: %w", err)
		}
		id = hex.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{
			Name: cookieSignIn, Value: id, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		})
	}
	csrf := d.sessions.CSRFToken(auth.Session{ID: "sign-in:" + id})
	return d.render(w, status, "sign-in", page{Title: "Sign in", CSRF: csrf, Data: signInData{Error: msg}})
}

func validSignInID(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 32 && err == nil
}

// signIn checks the form's CSRF token and the admin token, and sets the
// session cookie; a wrong token is said next to the field, with nothing set.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(cookieSignIn)
	if err != nil || !validSignInID(c.Value) ||
		d.sessions.CheckCSRF(auth.Session{ID: "sign-in:" + c.Value}, r.PostFormValue("csrf")) != nil {
		d.refuseCSRF(w)
		return nil
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" {
		return d.signInForm(w, r, http.StatusUnprocessableEntity, "Enter your admin token.")
	}
	sess, err := d.sessions.Create(r.Context(), token)
	if errors.Is(err, auth.ErrUnauthenticated) || (err == nil && !sess.Principal.Admin()) {
		return d.signInForm(w, r, http.StatusUnauthorized, "This token is not a valid admin token.")
	}
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	d.sessions.SetCookie(w, r, auth.CookieAdmin, sess)
	http.SetCookie(w, &http.Cookie{Name: cookieSignIn, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// signOut clears the session cookie; the form's CSRF token must be the
// session's, so another site cannot sign the operator out.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request) error {
	sess, err := d.sessions.Read(r, auth.CookieAdmin)
	if err != nil {
		// Signed out already (or the token was revoked): nothing to clear
		// but the stale cookie.
		d.sessions.ClearCookie(w, r, auth.CookieAdmin)
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if d.sessions.CheckCSRF(sess, r.PostFormValue("csrf")) != nil {
		d.refuseCSRF(w)
		return nil
	}
	d.sessions.ClearCookie(w, r, auth.CookieAdmin)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (d *Dashboard) refuseCSRF(w http.ResponseWriter) {
	d.errorPage(w, http.StatusForbidden, "Form expired",
		"This form was sent without a valid security token, so nothing was done. Go back, reload the page and try again.")
}
