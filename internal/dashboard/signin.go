package dashboard

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/auth"
)

// cookieSignIn holds a random ID for the signed-out browser, so that the
// sign-in form has a CSRF token too (a site cannot sign a browser in to
// an account of its choosing). It lives only until sign-in.
const cookieSignIn = "hookline_signin"

// signInData is the sign-in form's state.
type signInData struct {
	Error string
}

// signInForm shows the form with msg next to the token field (if any),
// giving the browser a sign-in ID for the form's CSRF token when it has
// none yet.
func (d *Dashboard) signInForm(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	csrf, err := d.signInCSRF(w, r, false)
	if err != nil {
		return err
	}
	return d.render(w, status, "sign-in", page{Title: "Sign in", CSRF: csrf, Data: signInData{Error: msg}})
}

// signInCSRF returns the CSRF token of a sign-in form (the admin's, or a
// portal's key exchange), giving the browser a sign-in ID when it has
// none yet. Embedded (a portal inside another site's iframe), the ID's
// cookie must be sent in a cross-site frame: SameSite=None, Secure and
// Partitioned; else Strict.
func (d *Dashboard) signInCSRF(w http.ResponseWriter, r *http.Request, embedded bool) (string, error) {
	id := ""
	if c, err := r.Cookie(cookieSignIn); err == nil && validSignInID(c.Value) {
		id = c.Value
	} else {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("sign-in ID: %w", err)
		}
		id = hex.EncodeToString(b)
		c := &http.Cookie{
			Name: cookieSignIn, Value: id, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		}
		if embedded {
			c.SameSite, c.Secure, c.Partitioned = http.SameSiteNoneMode, true, true
		}
		http.SetCookie(w, c)
	}
	return d.sessions.CSRFToken(auth.Session{ID: "sign-in:" + id}), nil
}

// checkSignInCSRF checks the CSRF token of a sign-in form.
func (d *Dashboard) checkSignInCSRF(r *http.Request) bool {
	c, err := r.Cookie(cookieSignIn)
	return err == nil && validSignInID(c.Value) &&
		d.sessions.CheckCSRF(auth.Session{ID: "sign-in:" + c.Value}, r.PostFormValue("csrf")) == nil
}

func validSignInID(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 32 && err == nil
}

// signIn checks the form's CSRF token and the admin token, and sets the
// session cookie; a wrong token is said next to the field, with nothing set.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) error {
	if !d.checkSignInCSRF(r) {
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
	d.sessions.SetCookie(w, r, auth.AdminCookie, sess)
	http.SetCookie(w, &http.Cookie{Name: cookieSignIn, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// signOut clears the session cookie; the form's CSRF token must be the
// session's, so another site cannot sign the operator out.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request) error {
	sess, err := d.sessions.Read(r, auth.AdminCookie)
	if err != nil {
		// Signed out already (or the token was revoked): nothing to clear
		// but the stale cookie.
		d.sessions.ClearCookie(w, r, auth.AdminCookie)
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if d.sessions.CheckCSRF(sess, r.PostFormValue("csrf")) != nil {
		d.refuseCSRF(w)
		return nil
	}
	if err := d.sessions.End(r.Context(), sess); err != nil {
		return err
	}
	d.sessions.ClearCookie(w, r, auth.AdminCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
