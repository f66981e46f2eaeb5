package dashboard

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// appsPerPage is how many apps one page of the list shows.
const appsPerPage = 50

// appsData is one page of the applications list.
type appsData struct {
	Apps []webhook.App
	// Next is the iterator of the next page; empty on the last.
	Next  string
	First bool
}

// home is the sign-in form when signed out, the applications when in.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) error {
	sess, err := d.sessions.Read(r, auth.AdminCookie)
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
	return d.render(w, http.StatusOK, "apps", d.operatorPage(sess, "Applications", "apps", data))
}
