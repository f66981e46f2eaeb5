package dashboard

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// eventTypeStore is what the event type pages read and write (the
// operator's catalog; the portal reads it).
type eventTypeStore interface {
	EventTypeList(ctx context.Context, p store.EventTypeListParams) ([]webhook.EventType, error)
	EventTypeGet(ctx context.Context, name string) (webhook.EventType, error)
	EventTypeCreate(ctx context.Context, p store.EventTypeCreateParams) error
	EventTypeUpdate(ctx context.Context, et webhook.EventType) error
	EventTypeDelete(ctx context.Context, p store.EventTypeDeleteParams) error
}

// catalogPerPage is how many event types one page of the portal's
// catalog shows: a catalog is read whole, so a page is long.
const catalogPerPage = 200

// eventTypeRoutes are the event type catalog of an app's portal.
func (d *Dashboard) eventTypeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/event-types", d.inApp(d.eventTypeCatalog))
}

// catalogData is one page of the portal's catalog.
type catalogData struct {
	Groups []eventTypeGroup
	Next   string
	First  bool
}

// eventTypeGroup is the event types of one object ("invoice" holds
// invoice.paid and invoice.voided), as a customer reads them.
type eventTypeGroup struct {
	Object string
	Types  []eventTypeView
}

// eventTypeView is an event type as the catalog shows it: its latest
// schema pretty-printed and the examples that schema carries.
type eventTypeView struct {
	webhook.EventType
	Version  string
	Schema   string
	Examples []string
}

// eventTypeCatalog is the event types a customer may subscribe to: not
// archived, and, for a portal session, only those its token's feature
// flags allow (the operator sees them all), grouped by object.
func (d *Dashboard) eventTypeCatalog(w http.ResponseWriter, r *http.Request, a appRequest) error {
	after := r.URL.Query().Get("after")
	if after != "" && !webhook.ValidUID(after) {
		d.errorPage(w, http.StatusBadRequest, "Bad page link", "This link to a page of event types is not valid. Go back to the first page.")
		return nil
	}
	types, err := d.store.EventTypeList(r.Context(), store.EventTypeListParams{
		Page:      store.Page{Limit: catalogPerPage + 1, After: after, Order: store.Ascending},
		FlagsSeen: a.Session.Principal.FlagsSeen(),
	})
	if err != nil {
		return fmt.Errorf("list event types: %w", err)
	}
	data := catalogData{First: after == ""}
	if len(types) > catalogPerPage {
		types = types[:catalogPerPage]
		data.Next = types[catalogPerPage-1].Name
	}
	data.Groups = groupByObject(types)
	return d.render(w, http.StatusOK, "event-types", a.page("Event types", "event-types", data))
}

// objectOf is the part of an event type's name before its last dot:
// "invoice" for invoice.paid; the whole name when it has no dot.
func objectOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

// groupByObject groups event types, listed by name, by object: the
// names of one object sort together, but "invoice.paid" comes after
// "invoice.line.added", so groups are merged rather than cut at each change.
func groupByObject(types []webhook.EventType) []eventTypeGroup {
	var groups []eventTypeGroup
	at := map[string]int{}
	for _, et := range types {
		obj := objectOf(et.Name)
		i, ok := at[obj]
		if !ok {
			i = len(groups)
			at[obj] = i
			groups = append(groups, eventTypeGroup{Object: obj})
		}
		groups[i].Types = append(groups[i].Types, viewEventType(et))
	}
	return groups
}

// viewEventType reads et's latest schema version (the highest number,
// else the last name) and the examples it lists.
func viewEventType(et webhook.EventType) eventTypeView {
	v := eventTypeView{EventType: et}
	version, schema := latestSchema(et.Schemas)
	if schema == nil {
		return v
	}
	v.Version, v.Schema = version, prettyJSON(schema)
	var doc struct {
		Examples []json.RawMessage `json:"examples"`
	}
	if json.Unmarshal(schema, &doc) == nil {
		for _, ex := range doc.Examples {
			v.Examples = append(v.Examples, prettyJSON(ex))
		}
	}
	return v
}

// latestSchema returns the newest version of a "schemas" object and its
// schema; nil when there is none.
func latestSchema(schemas json.RawMessage) (string, json.RawMessage) {
	var versions map[string]json.RawMessage
	if len(schemas) == 0 || json.Unmarshal(schemas, &versions) != nil || len(versions) == 0 {
		return "", nil
	}
	keys := make([]string, 0, len(versions))
	for k := range versions {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareVersions)
	k := keys[len(keys)-1]
	return k, versions[k]
}

// compareVersions orders versions as numbers when both are ("10" after
// "9"), else as text.
func compareVersions(a, b string) int {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return cmp.Compare(na, nb)
	}
	return strings.Compare(a, b)
}

// prettyJSON indents raw JSON for a <pre>; raw as it is if it is not JSON.
func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
