package api

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointHeadersIn is Svix's EndpointHeadersIn (PUT: replace all).
type endpointHeadersIn struct {
	Headers map[string]string `json:"headers"`
}

// endpointHeadersPatchIn is Svix's EndpointHeadersPatchIn (PATCH: merge;
// a null value removes the header).
type endpointHeadersPatchIn struct {
	Headers map[string]*string `json:"headers"`
	// DeleteHeaders, in the SDKs' EndpointHeadersPatchIn, names headers
	// to remove, as a null value in headers does.
	DeleteHeaders []string `json:"deleteHeaders"`
}

// endpointHeadersOut is Svix's EndpointHeadersOut: credentials are named
// under sensitive, and their values are not served.
type endpointHeadersOut struct {
	Headers   map[string]string `json:"headers"`
	Sensitive []string          `json:"sensitive"`
}

func renderHeaders(h map[string]string) endpointHeadersOut {
	out := endpointHeadersOut{Headers: map[string]string{}, Sensitive: []string{}}
	for k, v := range h {
		if webhook.SensitiveHeader(k) {
			out.Sensitive = append(out.Sensitive, k)
		} else {
			out.Headers[k] = v
		}
	}
	sort.Strings(out.Sensitive)
	return out
}

func (a *API) endpointHeadersGet(w http.ResponseWriter, r *http.Request) error {
	return writeEndpoint(a, w, r, func(ep webhook.Endpoint) endpointHeadersOut { return renderHeaders(ep.Headers) })
}

// checkHeaders checks a body's headers: present, each one valid, and no
// two names differing only in case (HTTP names are case-insensitive, so
// both would be sent). value reads a header's value.
func checkHeaders[V any](p *problems, headers map[string]V, value func(V) string) {
	if headers == nil {
		p.add("field required", "headers")
	}
	names := slices.Sorted(maps.Keys(headers))
	seen := make(map[string]string, len(names))
	for _, name := range names {
		if err := webhook.ValidateHeader(name, value(headers[name])); err != nil {
			p.add(err.Error(), "headers", name)
		}
		lower := strings.ToLower(name)
		if prev, ok := seen[lower]; ok {
			p.add(webhook.HeaderRepeats(name, prev).Error(), "headers", name)
		}
		seen[lower] = name
	}
}

func (a *API) endpointHeadersUpdate(w http.ResponseWriter, r *http.Request) error {
	var in endpointHeadersIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	checkHeaders(&probs, in.Headers, func(v string) string { return v })
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	before := ep
	ep.Headers = in.Headers
	return a.saveHeaders(w, r, app, before, ep)
}

func (a *API) endpointHeadersPatch(w http.ResponseWriter, r *http.Request) error {
	var in endpointHeadersPatchIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	checkHeaders(&probs, in.Headers, deref)
	for i, name := range in.DeleteHeaders {
		if name == "" {
			probs.add("a header name can't be empty", "deleteHeaders", strconv.Itoa(i))
		}
		for set, v := range in.Headers {
			if v != nil && strings.EqualFold(set, name) {
				probs.add("header "+name+" is both set in headers and named in deleteHeaders", "deleteHeaders", strconv.Itoa(i))
			}
		}
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	before := ep
	ep.Headers = webhook.MergeHeaders(ep.Headers, in.Headers, in.DeleteHeaders)
	return a.saveHeaders(w, r, app, before, ep)
}

// saveHeaders stores ep with its new custom headers; the write path checks
// the limits on the set as a whole (the merged set, for a PATCH).
func (a *API) saveHeaders(w http.ResponseWriter, r *http.Request, app webhook.App, before, ep webhook.Endpoint) error {
	ep.UpdatedAt = a.now()
	if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Update, App: app, Before: &before, After: ep}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
