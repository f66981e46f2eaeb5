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

// appsPerPage is how many apps one page of the list shows.
const appsPerPage = 50

// appsData is one page of the applications list, with the form that
// creates one.
type appsData struct {
	Apps []webhook.App
	// Next is the iterator of the next page; empty on the last.
	Next  string
	First bool
	Form  appForm
	// Created is the app just created, named at the top of the list.
	Created *webhook.App
}

// appForm is the create form's values and its problems, keyed by field.
type appForm struct {
	Name   string
	UID    string
	Errors fieldErrors
}

// fieldErrors maps a form field's name to what is wrong with it.
type fieldErrors map[string]string

// set records err for field, keeping the first problem a field has.
func (e *fieldErrors) set(field string, err error) {
	if err == nil {
		return
	}
	if *e == nil {
		*e = fieldErrors{}
	}
	if _, ok := (*e)[field]; !ok {
		(*e)[field] = err.Error()
	}
}

// home is the sign-in form when signed out, the applications when in.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) error {
	sess, err := d.sessions.Read(r, auth.AdminCookie)
	if err != nil || !sess.Principal.Admin() {
		return d.signInForm(w, r, http.StatusOK, "")
	}
	data := appsData{}
	if id := r.URL.Query().Get("created"); webhook.ValidID(webhook.PrefixApp, id) {
		if app, err := d.store.AppGet(r.Context(), id); err == nil && app.ID == id {
			data.Created = &app
		}
	}
	return d.appsPage(w, r, sess, http.StatusOK, data)
}

// appsPage renders a page of the applications list (from ?after=) with
// data's form and notice.
func (d *Dashboard) appsPage(w http.ResponseWriter, r *http.Request, sess auth.Session, status int, data appsData) error {
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
	data.Apps, data.First = apps, after == ""
	if len(apps) > appsPerPage {
		data.Apps = apps[:appsPerPage]
		data.Next = data.Apps[appsPerPage-1].ID
	}
	return d.render(w, status, "apps", d.operatorPage(sess, "Applications", "apps", data))
}

// appCreate creates an app from the list's form, checked by the API's
// rules (webhook.ValidateName, ValidateLimited, ValidateUIDPrefix); a
// problem, or a UID another app has, is said next to its field with
// nothing saved.
func (d *Dashboard) appCreate(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	form := appForm{Name: strings.TrimSpace(r.PostFormValue("name")), UID: strings.TrimSpace(r.PostFormValue("uid"))}
	form.Errors.set("name", webhook.ValidateName(form.Name))
	if form.UID != "" {
		form.Errors.set("uid", webhook.ValidateLimited(form.UID))
		form.Errors.set("uid", webhook.ValidateUIDPrefix(webhook.PrefixApp, form.UID))
	}
	if len(form.Errors) > 0 {
		return d.appsPage(w, r, sess, http.StatusUnprocessableEntity, appsData{Form: form})
	}
	now := d.now()
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: form.Name, UID: form.UID, CreatedAt: now, UpdatedAt: now}
	err := d.store.AppCreate(r.Context(), store.AppCreateParams{App: app})
	if errors.Is(err, store.ErrConflict) {
		form.Errors.set("uid", errors.New("another application has this UID: choose another, or leave it empty"))
		return d.appsPage(w, r, sess, http.StatusConflict, appsData{Form: form})
	}
	if err != nil {
		return fmt.Errorf("create app: %w", err)
	}
	http.Redirect(w, r, "/?created="+app.ID, http.StatusSeeOther)
	return nil
}
