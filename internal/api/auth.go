package api

import (
	"errors"
	"net/http"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/webhook"
)

// auth checks the Bearer token and the route's access level before fn
// runs; fn finds the principal with auth.PrincipalFrom.
func (a *API) auth(level auth.Level, fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		plain, _ := auth.BearerToken(r.Header.Get("Authorization"))
		p, err := a.authn.Authenticate(r.Context(), plain)
		if errors.Is(err, auth.ErrUnauthenticated) {
			return errUnauthorized()
		}
		if err != nil {
			return err
		}
		if !p.Allows(level) {
			return errForbidden()
		}
		return fn(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// app resolves {app_id} (an ID or a UID) in the principal's scope: another
// app is not found.
func (a *API) app(r *http.Request) (webhook.App, error) {
	return a.authn.App(r.Context(), auth.PrincipalFrom(r.Context()), r.PathValue("app_id"))
}

// The access levels, by the short names routes.go lists them with.
type access = auth.Level

const (
	adminOnly = auth.AdminOnly
	appScoped = auth.AppScoped
	anyToken  = auth.AnyToken
)
