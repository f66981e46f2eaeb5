package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/eventschema"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// eventTypeIn is Svix's EventTypeIn (POST); eventTypeUpdate is its
// EventTypeUpdate (PUT), the same without the name, which the path gives.
type eventTypeIn struct {
	Name *string `json:"name"`
	eventTypeUpdate
}

// featureFlags is the SDKs' newer, plural featureFlag: Hookline keeps one
// flag per event type, so it takes a list of at most one (featureFlag
// answers it). groupName, also in the SDKs' models, is refused when set:
// Hookline does not group event types.
type eventTypeUpdate struct {
	Description  *string         `json:"description"`
	Archived     bool            `json:"archived"`
	Deprecated   bool            `json:"deprecated"`
	Schemas      json.RawMessage `json:"schemas"`
	FeatureFlag  *string         `json:"featureFlag"`
	FeatureFlags *[]string       `json:"featureFlags"`
	GroupName    json.RawMessage `json:"groupName"`
}

// echoFields are EventTypeOut's read-only fields (fields.go).
func (*eventTypeUpdate) echoFields() []string { return []string{"createdAt", "updatedAt"} }

// eventTypePatch is Svix's EventTypePatch.
type eventTypePatch struct {
	Description  Optional[string]          `json:"description"`
	Archived     Optional[bool]            `json:"archived"`
	Deprecated   Optional[bool]            `json:"deprecated"`
	Schemas      Optional[json.RawMessage] `json:"schemas"`
	FeatureFlag  Optional[string]          `json:"featureFlag"`
	FeatureFlags Optional[[]string]        `json:"featureFlags"`
	GroupName    json.RawMessage           `json:"groupName"`
}

func (*eventTypePatch) echoFields() []string { return []string{"name", "createdAt", "updatedAt"} }

// firstFlag reads featureFlags as the one flag Hookline keeps: "" for an
// empty list; more than one is a problem.
func firstFlag(p *problems, flags []string) string {
	if len(flags) > 1 {
		p.add("Hookline keeps one feature flag per event type: give featureFlags at most one", "featureFlags")
	}
	if len(flags) == 0 {
		return ""
	}
	return flags[0]
}

const sameFlagMsg = "featureFlags and featureFlag are one field (featureFlag is the deprecated name); give one, or both alike"

// eventTypeOut is Svix's EventTypeOut.
type eventTypeOut struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Archived    bool            `json:"archived"`
	Deprecated  bool            `json:"deprecated"`
	Schemas     json.RawMessage `json:"schemas,omitempty"`
	CreatedAt   Time            `json:"createdAt"`
	UpdatedAt   Time            `json:"updatedAt"`
	FeatureFlag *string         `json:"featureFlag,omitempty"`
}

func renderEventType(et webhook.EventType) eventTypeOut {
	return eventTypeOut{
		Name:        et.Name,
		Description: et.Description,
		Archived:    et.Archived,
		Deprecated:  et.Deprecated,
		Schemas:     et.Schemas,
		CreatedAt:   Time(et.CreatedAt),
		UpdatedAt:   Time(et.UpdatedAt),
		FeatureFlag: optString(et.FeatureFlag),
	}
}

// nullRaw turns an explicit JSON null into "unset".
func nullRaw(raw json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil
	}
	return raw
}

func (in *eventTypeUpdate) validate(p *problems) {
	if in.FeatureFlags != nil {
		switch flag := firstFlag(p, *in.FeatureFlags); {
		case in.FeatureFlag == nil && flag != "":
			in.FeatureFlag = &flag
		case in.FeatureFlag != nil && *in.FeatureFlag != flag:
			p.add(sameFlagMsg, "featureFlags")
		}
	}
	refuseSet(p, in.GroupName, "groupName", "event types are not grouped")
	if in.Description == nil {
		p.add("field required", "description")
	} else {
		checkNoControl(p, *in.Description, "description")
	}
	if in.FeatureFlag != nil {
		checkLimited(p, *in.FeatureFlag, "featureFlag")
	}
	in.Schemas = nullRaw(in.Schemas)
	if in.Schemas != nil {
		checkSchemas(p, in.Schemas, "schemas")
	}
}

// apply sets every field of et from in (PUT and the unarchiving create).
func (in *eventTypeUpdate) apply(et *webhook.EventType) {
	et.Description = *in.Description
	et.Archived = in.Archived
	et.Deprecated = in.Deprecated
	et.Schemas = in.Schemas
	et.FeatureFlag = deref(in.FeatureFlag)
}

// checkEventTypeField checks a body's required eventType.
func checkEventTypeField(p *problems, name *string) {
	if name == nil {
		p.add("field required", "eventType")
		return
	}
	checkEventTypeName(p, *name, "eventType")
}

func checkEventTypeName(p *problems, name string, loc ...string) {
	p.addErr(webhook.ValidateEventTypeName(name), loc...)
}

// checkSchemas checks Svix's "schemas": an object mapping a version to a
// JSON Schema, each of which must compile (eventschema.CheckVersions).
func checkSchemas(p *problems, raw json.RawMessage, loc ...string) {
	for _, prob := range eventschema.CheckVersions(raw) {
		if prob.Version == "" {
			p.add(prob.Err.Error(), loc...)
			continue
		}
		p.add(prob.Err.Error(), append(loc, prob.Version)...)
	}
}

func (a *API) eventTypeList(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	pq := parsePage(r, store.Ascending, nameIterator, &probs)
	includeArchived := parseBoolQuery(r, "include_archived", &probs)
	withContent := parseBoolQuery(r, "with_content", &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]webhook.EventType, error) {
		return a.store.EventTypeList(ctx, store.EventTypeListParams{Page: pq.fetchPage(), IncludeArchived: includeArchived,
			FlagsSeen: auth.PrincipalFrom(ctx).FlagsSeen()})
	}, func(et webhook.EventType) string { return et.Name },
		func(et webhook.EventType) eventTypeOut {
			out := renderEventType(et)
			if !withContent {
				out.Schemas = nil
			}
			return out
		})
}

// eventTypeCreate creates an event type, or unarchives an archived one of
// the same name with the new fields, as Svix does.
func (a *API) eventTypeCreate(w http.ResponseWriter, r *http.Request) error {
	var in eventTypeIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var probs problems
	if in.Name == nil {
		probs.add("field required", "name")
	} else {
		checkEventTypeName(&probs, *in.Name, "name")
	}
	in.validate(&probs)
	if err := probs.err(); err != nil {
		return err
	}
	now := a.now()
	existing, err := a.store.EventTypeGet(r.Context(), *in.Name)
	switch {
	case err == nil && existing.Archived:
		in.apply(&existing)
		existing.UpdatedAt = now
		return a.respond(w, r, http.StatusCreated, renderEventType(existing), func(idem *store.Idempotency) error {
			// EventTypeUpdate takes no idempotency record; store the key
			// first so that a concurrent repeat replays rather than acts.
			if idem != nil {
				if err := a.store.IdempotencyPut(r.Context(), *idem); err != nil {
					return err
				}
			}
			return a.store.EventTypeUpdate(r.Context(), existing)
		})
	case err == nil:
		return errEventTypeExists()
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	et := webhook.EventType{Name: *in.Name, CreatedAt: now, UpdatedAt: now}
	in.apply(&et)
	return a.respond(w, r, http.StatusCreated, renderEventType(et), func(idem *store.Idempotency) error {
		err := a.store.EventTypeCreate(r.Context(), store.EventTypeCreateParams{EventType: et, Idempotency: idem})
		if errors.Is(err, store.ErrConflict) {
			return errEventTypeExists()
		}
		return err
	})
}

func errEventTypeExists() *Error {
	return &Error{Status: http.StatusConflict, Code: "event_type_exists", Detail: "An event_type with this name already exists"}
}

func (a *API) eventTypeGet(w http.ResponseWriter, r *http.Request) error {
	et, err := a.store.EventTypeGet(r.Context(), r.PathValue("event_type_name"))
	if err != nil {
		return err
	}
	// An app-portal token sees only the flagged event types its flags
	// name, as Svix's permissions::AllowedFeatureFlags.
	if !auth.PrincipalFrom(r.Context()).Sees(et.FeatureFlag) {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, renderEventType(et))
	return nil
}

// eventTypeUpdate is PUT: it replaces the event type's fields, or creates
// it under the path's name (201).
func (a *API) eventTypeUpdate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("event_type_name")
	var in eventTypeUpdate
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var probs problems
	in.validate(&probs)
	if err := probs.err(); err != nil {
		return err
	}
	now := a.now()
	et, err := a.store.EventTypeGet(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		var pathProbs problems
		if !webhook.ValidUID(name) {
			pathProbs = append(pathProbs, ValidationItem{Loc: []string{"path", "event_type_name"}, Msg: "invalid event type name", Type: "value_error"})
			return pathProbs.err()
		}
		et = webhook.EventType{Name: name, CreatedAt: now, UpdatedAt: now}
		in.apply(&et)
		err := a.store.EventTypeCreate(r.Context(), store.EventTypeCreateParams{EventType: et})
		if errors.Is(err, store.ErrConflict) {
			return errEventTypeExists()
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, renderEventType(et))
		return nil
	}
	if err != nil {
		return err
	}
	in.apply(&et)
	et.UpdatedAt = now
	if err := a.store.EventTypeUpdate(r.Context(), et); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderEventType(et))
	return nil
}

func (a *API) eventTypePatch(w http.ResponseWriter, r *http.Request) error {
	var in eventTypePatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var probs problems
	if in.Description.notNull(&probs, "description") {
		checkNoControl(&probs, in.Description.Value, "description")
	}
	in.Archived.notNull(&probs, "archived")
	in.Deprecated.notNull(&probs, "deprecated")
	if in.FeatureFlags.Set {
		flag := Optional[string]{Set: true, Null: true}
		if in.FeatureFlags.valued() {
			flag.Value = firstFlag(&probs, in.FeatureFlags.Value)
			flag.Null = flag.Value == ""
		}
		switch {
		case !in.FeatureFlag.Set:
			in.FeatureFlag = flag
		case in.FeatureFlag.Null != flag.Null || in.FeatureFlag.Value != flag.Value:
			probs.add(sameFlagMsg, "featureFlags")
		}
	}
	refuseSet(&probs, in.GroupName, "groupName", "event types are not grouped")
	if in.FeatureFlag.valued() {
		checkLimited(&probs, in.FeatureFlag.Value, "featureFlag")
	}
	if in.Schemas.valued() {
		checkSchemas(&probs, in.Schemas.Value, "schemas")
	}
	if err := probs.err(); err != nil {
		return err
	}
	et, err := a.store.EventTypeGet(r.Context(), r.PathValue("event_type_name"))
	if err != nil {
		return err
	}
	if in.Description.Set {
		et.Description = in.Description.Value
	}
	if in.Archived.Set {
		et.Archived = in.Archived.Value
	}
	if in.Deprecated.Set {
		et.Deprecated = in.Deprecated.Value
	}
	if in.Schemas.Set {
		et.Schemas = nil
		if !in.Schemas.Null {
			et.Schemas = in.Schemas.Value
		}
	}
	if in.FeatureFlag.Set {
		et.FeatureFlag = in.FeatureFlag.Value // "" when null: unset
	}
	et.UpdatedAt = a.now()
	if err := a.store.EventTypeUpdate(r.Context(), et); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderEventType(et))
	return nil
}

// eventTypeDelete archives an event type, or with ?expunge=true removes it.
func (a *API) eventTypeDelete(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	expunge := parseBoolQuery(r, "expunge", &probs)
	if err := probs.err(); err != nil {
		return err
	}
	err := a.store.EventTypeDelete(r.Context(), store.EventTypeDeleteParams{Name: r.PathValue("event_type_name"), Expunge: expunge})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eventTypeGenerateExample answers 204 with no body, as the Svix spec
// defines the operation (Svix's server does not implement it). A body
// {"schema": ...}, when sent, is checked, so a client learns whether its
// schema compiles.
func (a *API) eventTypeGenerateExample(w http.ResponseWriter, r *http.Request) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		var in struct {
			Schema json.RawMessage `json:"schema"`
		}
		if err := decodeBytes(body, &in); err != nil {
			return err
		}
		if s := nullRaw(in.Schema); s != nil {
			if err := eventschema.Check(s); err != nil {
				var probs problems
				probs.add(err.Error(), "schema")
				return probs.err()
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
