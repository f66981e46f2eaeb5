package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/eventschema"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// eventTypesPerPage is how many event types one page of the operator's
// list shows.
const eventTypesPerPage = 50

// operatorEventTypeRoutes are the operator's event type pages. The edit
// form is at .../edit, not at the name itself, so that an event type
// named "new" is not the create form.
func (d *Dashboard) operatorEventTypeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /event-types", d.operator(d.eventTypeList))
	mux.HandleFunc("GET /event-types/new", d.operator(d.eventTypeNew))
	mux.HandleFunc("POST /event-types", d.operator(d.eventTypeCreate))
	mux.HandleFunc("GET /event-types/{name}/edit", d.operator(d.eventTypeEdit))
	mux.HandleFunc("POST /event-types/{name}", d.operator(d.eventTypeUpdate))
	mux.HandleFunc("GET /event-types/{name}/archive", d.operator(d.eventTypeArchiveConfirm))
	mux.HandleFunc("POST /event-types/{name}/archive", d.operator(d.eventTypeArchive))
	mux.HandleFunc("POST /event-types/{name}/unarchive", d.operator(d.eventTypeUnarchive))
}

// operatorEventTypesData is one page of the operator's event types.
type operatorEventTypesData struct {
	Types []eventTypeView
	// ShowArchived lists archived event types too, with a badge.
	ShowArchived bool
	Next         string
	First        bool
	Notice       *notice
}

// eventTypeList is the operator's event types, archived ones on request.
func (d *Dashboard) eventTypeList(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	q := r.URL.Query()
	after := q.Get("after")
	if after != "" && !webhook.ValidUID(after) {
		d.errorPage(w, http.StatusBadRequest, "Bad page link", "This link to a page of event types is not valid. Go back to the first page.")
		return nil
	}
	data := operatorEventTypesData{ShowArchived: q.Get("archived") == "1", First: after == ""}
	types, err := d.store.EventTypeList(r.Context(), store.EventTypeListParams{
		Page:            store.Page{Limit: eventTypesPerPage + 1, After: after, Order: store.Ascending},
		IncludeArchived: data.ShowArchived,
	})
	if err != nil {
		return fmt.Errorf("list event types: %w", err)
	}
	if len(types) > eventTypesPerPage {
		types = types[:eventTypesPerPage]
		data.Next = types[eventTypesPerPage-1].Name
	}
	for _, et := range types {
		data.Types = append(data.Types, viewEventType(et))
	}
	if name := q.Get("saved"); webhook.ValidUID(name) {
		data.Notice = &notice{Kind: "ok", Title: "Saved.", Detail: "The event type " + name + " is saved."}
	}
	if name := q.Get("archived-now"); webhook.ValidUID(name) {
		data.Notice = &notice{Kind: "ok", Title: "Archived.", Detail: "The event type " + name + " is archived: customers no longer see it, and endpoints that chose it keep it."}
	}
	return d.render(w, http.StatusOK, "operator-event-types", d.operatorPage(sess, "Event types", "operator-event-types", data))
}

// eventTypeForm is the create and edit form's values and problems.
type eventTypeForm struct {
	New         bool
	Name        string
	Description string
	FeatureFlag string
	Deprecated  bool
	Archived    bool
	// Schema is the JSON Schema of Version, the newest version, which
	// the form edits; the other versions are kept as they are.
	Schema        string
	Version       string
	OtherVersions []string
	Errors        fieldErrors
}

// eventTypeFormOf fills the form with et as stored.
func eventTypeFormOf(et webhook.EventType) eventTypeForm {
	f := eventTypeForm{
		Name: et.Name, Description: et.Description, FeatureFlag: et.FeatureFlag,
		Deprecated: et.Deprecated, Archived: et.Archived, Version: "1",
	}
	if version, schema := latestSchema(et.Schemas); schema != nil {
		f.Version, f.Schema = version, prettyJSON(schema)
		f.OtherVersions = otherVersions(et.Schemas, version)
	}
	return f
}

func otherVersions(schemas json.RawMessage, except string) []string {
	var versions map[string]json.RawMessage
	_ = json.Unmarshal(schemas, &versions)
	var out []string
	for k := range versions {
		if k != except {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, compareVersions)
	return out
}

func (d *Dashboard) eventTypeNew(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	return d.eventTypeFormPage(w, sess, http.StatusOK, eventTypeForm{New: true, Version: "1"})
}

func (d *Dashboard) eventTypeEdit(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	et, ok, err := d.pathEventType(w, r)
	if !ok {
		return err
	}
	return d.eventTypeFormPage(w, sess, http.StatusOK, eventTypeFormOf(et))
}

// pathEventType reads the event type the path names; ok is false when
// there is none (the 404 page is answered) or reading failed (err).
func (d *Dashboard) pathEventType(w http.ResponseWriter, r *http.Request) (webhook.EventType, bool, error) {
	et, err := d.store.EventTypeGet(r.Context(), r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return et, false, nil
	}
	if err != nil {
		return et, false, fmt.Errorf("read event type: %w", err)
	}
	return et, true, nil
}

func (d *Dashboard) eventTypeFormPage(w http.ResponseWriter, sess auth.Session, status int, f eventTypeForm) error {
	title := "Edit event type"
	if f.New {
		title = "New event type"
	}
	return d.render(w, status, "event-type-form", d.operatorPage(sess, title, "operator-event-types", f))
}

// readEventTypeForm reads the posted form into f and checks it by the
// API's rules; into et goes what it says, the stored schemas' other
// versions kept.
func readEventTypeForm(r *http.Request, f *eventTypeForm, et *webhook.EventType) {
	f.Description = strings.TrimSpace(r.PostFormValue("description"))
	f.FeatureFlag = strings.TrimSpace(r.PostFormValue("featureFlag"))
	f.Deprecated = r.PostFormValue("deprecated") == "on"
	f.Schema = strings.TrimSpace(r.PostFormValue("schema"))
	f.Errors.set("description", webhook.ValidateText(f.Description))
	if f.FeatureFlag != "" {
		f.Errors.set("featureFlag", webhook.ValidateLimited(f.FeatureFlag))
	}
	et.Description, et.FeatureFlag, et.Deprecated = f.Description, f.FeatureFlag, f.Deprecated

	var versions map[string]json.RawMessage
	if len(et.Schemas) > 0 && json.Unmarshal(et.Schemas, &versions) != nil {
		versions = nil
	}
	if versions == nil {
		versions = map[string]json.RawMessage{}
	}
	f.Version = "1"
	if v, schema := latestSchema(et.Schemas); schema != nil {
		f.Version = v
	}
	f.OtherVersions = otherVersions(et.Schemas, f.Version)
	if f.Schema == "" {
		delete(versions, f.Version)
	} else {
		f.Errors.set("schema", eventschema.Check(json.RawMessage(f.Schema)))
		versions[f.Version] = json.RawMessage(f.Schema)
	}
	et.Schemas = nil
	if len(versions) > 0 && f.Errors["schema"] == "" {
		// Encoded without HTML escapes: an example's "<" stays "<", as
		// the operator typed it, not "\u003c".
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(versions); err != nil {
			f.Errors.set("schema", fmt.Errorf("invalid JSON: %v", err))
			return
		}
		et.Schemas = bytes.TrimSpace(b.Bytes())
	}
}

// eventTypeCreate creates an event type from the form, or, as the API
// does, unarchives an archived one of the same name with the form's
// fields; a live one of that name is said next to the name.
func (d *Dashboard) eventTypeCreate(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	f := eventTypeForm{New: true, Name: strings.TrimSpace(r.PostFormValue("name"))}
	f.Errors.set("name", webhook.ValidateEventTypeName(f.Name))
	now := d.now()
	et := webhook.EventType{Name: f.Name, CreatedAt: now}
	unarchive, taken := false, false
	if f.Errors == nil {
		existing, err := d.store.EventTypeGet(r.Context(), f.Name)
		switch {
		case err == nil && existing.Archived:
			et, unarchive = existing, true
		case err == nil:
			taken = true
			f.Errors.set("name", errors.New("an event type with this name exists already: edit it from the list"))
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("read event type: %w", err)
		}
	}
	readEventTypeForm(r, &f, &et)
	if len(f.Errors) > 0 {
		status := http.StatusUnprocessableEntity
		if taken && len(f.Errors) == 1 {
			status = http.StatusConflict
		}
		return d.eventTypeFormPage(w, sess, status, f)
	}
	et.Archived, et.UpdatedAt = false, now
	var err error
	if unarchive {
		err = d.store.EventTypeUpdate(r.Context(), et)
	} else {
		err = d.store.EventTypeCreate(r.Context(), store.EventTypeCreateParams{EventType: et})
	}
	if errors.Is(err, store.ErrConflict) {
		f.Errors.set("name", errors.New("an event type with this name was created meanwhile: edit it from the list"))
		return d.eventTypeFormPage(w, sess, http.StatusConflict, f)
	}
	if err != nil {
		return fmt.Errorf("save event type: %w", err)
	}
	http.Redirect(w, r, "/event-types?saved="+url.QueryEscape(et.Name), http.StatusSeeOther)
	return nil
}

// eventTypeUpdate saves the edit form; archived stays as it was.
func (d *Dashboard) eventTypeUpdate(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	et, ok, err := d.pathEventType(w, r)
	if !ok {
		return err
	}
	f := eventTypeForm{Name: et.Name, Archived: et.Archived}
	readEventTypeForm(r, &f, &et)
	if len(f.Errors) > 0 {
		return d.eventTypeFormPage(w, sess, http.StatusUnprocessableEntity, f)
	}
	et.UpdatedAt = d.now()
	if err := d.store.EventTypeUpdate(r.Context(), et); err != nil {
		return fmt.Errorf("update event type: %w", err)
	}
	http.Redirect(w, r, "/event-types?saved="+url.QueryEscape(et.Name)+archivedQuery(et.Archived), http.StatusSeeOther)
	return nil
}

func archivedQuery(archived bool) string {
	if archived {
		return "&archived=1"
	}
	return ""
}

// eventTypeArchiveConfirm asks before archiving: the page works without
// script, and a link followed by mistake archives nothing.
func (d *Dashboard) eventTypeArchiveConfirm(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	et, ok, err := d.pathEventType(w, r)
	if !ok {
		return err
	}
	return d.render(w, http.StatusOK, "event-type-archive", d.operatorPage(sess, "Archive event type", "operator-event-types", et))
}

// eventTypeArchive archives an event type, as the API's DELETE does:
// customers stop seeing it; endpoints that chose it keep it.
func (d *Dashboard) eventTypeArchive(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	name := r.PathValue("name")
	err := d.store.EventTypeDelete(r.Context(), store.EventTypeDeleteParams{Name: name})
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive event type: %w", err)
	}
	http.Redirect(w, r, "/event-types?archived=1&archived-now="+url.QueryEscape(name), http.StatusSeeOther)
	return nil
}

func (d *Dashboard) eventTypeUnarchive(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	et, ok, err := d.pathEventType(w, r)
	if !ok {
		return err
	}
	et.Archived, et.UpdatedAt = false, d.now()
	if err := d.store.EventTypeUpdate(r.Context(), et); err != nil {
		return fmt.Errorf("unarchive event type: %w", err)
	}
	http.Redirect(w, r, "/event-types?archived=1&saved="+url.QueryEscape(et.Name), http.StatusSeeOther)
	return nil
}
