package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// csrfHeader carries the CSRF token of a POST sent by script (fetch),
// which has no form field to put it in.
const csrfHeader = "X-CSRF-Token"

// appRequest is a request inside one app, its scope checked: the app of
// the path, and the session that may act in it.
type appRequest struct {
	App     webhook.App
	Session auth.Session
	// Operator is true for an admin session (the operator inside the
	// app), false for the app's portal session.
	Operator bool
	CSRF     string
}

// URL is the path of one of the app's pages: URL("endpoints", id) is
// /portal/{app}/endpoints/{id}.
func (a appRequest) URL(parts ...string) string {
	return "/portal/" + a.App.ID + "/" + strings.Join(parts, "/")
}

// page is what the layout needs around one of the app's pages; nav names
// the tab it belongs to.
func (a appRequest) page(title, nav string, data any) page {
	return page{
		Title: title, SignedIn: true, CSRF: a.CSRF, Nav: nav, Data: data,
		App: &appNav{ID: a.App.ID, Name: a.App.Name, Operator: a.Operator},
	}
}

// appHandlerFunc is a handler of one app's pages.
type appHandlerFunc func(w http.ResponseWriter, r *http.Request, a appRequest) error

// inApp checks a request to /portal/{app}/...: a portal session of that
// app, or the operator's session, else the page saying how to get in; an
// app that does not exist is a 404, as is another app's (a portal
// session's cookie is not even sent there, and its principal is checked
// besides). A POST must carry the session's CSRF token.
func (d *Dashboard) inApp(fn appHandlerFunc) http.HandlerFunc {
	return d.handle(func(w http.ResponseWriter, r *http.Request) error {
		appID := r.PathValue("app")
		sess, operator, ok := d.appSession(r, appID)
		if !ok {
			return d.render(w, http.StatusUnauthorized, "portal-closed", page{Title: "Session ended", Data: appID})
		}
		app, err := d.store.AppGet(r.Context(), appID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && app.ID != appID) {
			// Only the canonical ID opens an app's pages: the portal
			// cookie's path is made of it.
			d.notFound(w)
			return nil
		}
		if err != nil {
			return fmt.Errorf("read app %s: %w", appID, err)
		}
		if r.Method == http.MethodPost && !d.validCSRF(r, sess) {
			d.refuseCSRF(w)
			return nil
		}
		return fn(w, r, appRequest{App: app, Session: sess, Operator: operator, CSRF: d.sessions.CSRFToken(sess)})
	})
}

// appSession is the session that may act in appID: the app's portal
// session first (opened on purpose from its link), else an admin's.
func (d *Dashboard) appSession(r *http.Request, appID string) (sess auth.Session, operator, ok bool) {
	if s, err := d.sessions.Read(r, d.portalCookie(appID)); err == nil && s.Principal.AppID == appID {
		return s, false, true
	}
	if s, err := d.sessions.Read(r, auth.AdminCookie); err == nil && s.Principal.Admin() {
		return s, true, true
	}
	return auth.Session{}, false, false
}

// validCSRF checks a POST's CSRF token, from its form or its header.
func (d *Dashboard) validCSRF(r *http.Request, sess auth.Session) bool {
	token := r.Header.Get(csrfHeader)
	if token == "" {
		token = r.PostFormValue("csrf")
	}
	return d.sessions.CheckCSRF(sess, token) == nil
}

// operatorHandlerFunc is a handler of the operator's pages.
type operatorHandlerFunc func(w http.ResponseWriter, r *http.Request, sess auth.Session) error

// operator checks a request to the operator's pages: an admin session,
// else the sign-in page; a POST must carry the session's CSRF token.
func (d *Dashboard) operator(fn operatorHandlerFunc) http.HandlerFunc {
	return d.handle(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := d.sessions.Read(r, auth.AdminCookie)
		if err != nil || !sess.Principal.Admin() {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return nil
			}
			d.errorPage(w, http.StatusUnauthorized, "Signed out", "Your session ended, so nothing was done. Sign in again and retry.")
			return nil
		}
		if r.Method == http.MethodPost && !d.validCSRF(r, sess) {
			d.refuseCSRF(w)
			return nil
		}
		return fn(w, r, sess)
	})
}

// operatorPage is what the layout needs around one of the operator's
// pages.
func (d *Dashboard) operatorPage(sess auth.Session, title, nav string, data any) page {
	return page{Title: title, SignedIn: true, CSRF: d.sessions.CSRFToken(sess), Nav: nav, Data: data}
}

func (d *Dashboard) refuseCSRF(w http.ResponseWriter) {
	d.errorPage(w, http.StatusForbidden, "Form expired",
		"This form was sent without a valid security token, so nothing was done. Go back, reload the page and try again.")
}

// appHome opens an app on its endpoints.
func (d *Dashboard) appHome(w http.ResponseWriter, r *http.Request, a appRequest) error {
	http.Redirect(w, r, a.URL("endpoints"), http.StatusSeeOther)
	return nil
}
