package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/auth"
)

// portalOpenData is the key exchange page's state.
type portalOpenData struct {
	AppID string
	Error string
}

// portalCookie is the portal session cookie of appID, embedded in the
// operator's site when frame ancestors are configured.
func (d *Dashboard) portalCookie(appID string) auth.Cookie {
	return auth.PortalCookie(appID, len(d.frameAncestors) > 0)
}

// portalOpen is where a portal link (/portal/{app}#key=...) lands. The
// key is in the fragment, which browsers never send, so it reaches no
// server or proxy log; the page's script reads it, drops it from the
// address bar and the history, and posts it to portalSession. Already
// signed in, the app's pages open at once. Without script, the page is a
// form to paste the key into.
func (d *Dashboard) portalOpen(w http.ResponseWriter, r *http.Request) error {
	appID := r.PathValue("app")
	if _, _, ok := d.appSession(r, appID); ok {
		http.Redirect(w, r, "/portal/"+appID+"/endpoints", http.StatusSeeOther)
		return nil
	}
	return d.portalOpenForm(w, r, http.StatusOK, appID, "")
}

func (d *Dashboard) portalOpenForm(w http.ResponseWriter, r *http.Request, status int, appID, msg string) error {
	csrf, err := d.signInCSRF(w, r, len(d.frameAncestors) > 0)
	if err != nil {
		return err
	}
	return d.render(w, status, "portal-open", page{Title: "Open the portal", CSRF: csrf, Data: portalOpenData{AppID: appID, Error: msg}})
}

// portalSession exchanges a portal key for a session cookie scoped to its
// app and expiring with the key's token. A key of another app, or an
// admin token, opens nothing here.
func (d *Dashboard) portalSession(w http.ResponseWriter, r *http.Request) error {
	appID := r.PathValue("app")
	if !d.checkSignInCSRF(r) {
		d.refuseCSRF(w)
		return nil
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" {
		return d.portalOpenForm(w, r, http.StatusUnprocessableEntity, appID, "Enter the key of your portal link: the part after #key= in the link.")
	}
	sess, err := d.sessions.Create(r.Context(), key)
	if errors.Is(err, auth.ErrUnauthenticated) || (err == nil && sess.Principal.AppID != appID) {
		return d.portalOpenForm(w, r, http.StatusUnauthorized, appID,
			"This portal link is not valid for this application, or it has expired. Ask for a new link.")
	}
	if err != nil {
		return fmt.Errorf("open portal: %w", err)
	}
	d.sessions.SetCookie(w, r, d.portalCookie(appID), sess)
	http.Redirect(w, r, "/portal/"+appID+"/endpoints", http.StatusSeeOther)
	return nil
}

// portalSignOut ends the portal session in this browser (the operator
// inside an app signs out at /sign-out instead).
func (d *Dashboard) portalSignOut(w http.ResponseWriter, r *http.Request, a appRequest) error {
	if a.Operator {
		// The operator's session is the dashboard's: it signs out there.
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if err := d.sessions.End(r.Context(), a.Session); err != nil {
		return err
	}
	d.sessions.ClearCookie(w, r, d.portalCookie(a.App.ID))
	return d.render(w, http.StatusOK, "portal-closed", page{Title: "Signed out", Data: a.App.ID})
}
