package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// patternRecorder registers, in place of each route's handler, a stub that
// answers 299 naming the pattern that routed the request, and keeps the
// list of patterns: the route table as routes.go declares it.
type patternRecorder struct {
	mux      *http.ServeMux
	patterns []string
}

func (p *patternRecorder) Handle(pattern string, _ http.Handler) {
	p.patterns = append(p.patterns, pattern)
	p.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Routed-Pattern", r.Pattern)
		w.WriteHeader(299)
	})
}

func (p *patternRecorder) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	p.Handle(pattern, http.HandlerFunc(h))
}

// routeTable returns the API's handler with every route stubbed, and the
// patterns of routes.go.
func routeTable(t *testing.T) (http.Handler, []string) {
	t.Helper()
	a := &API{}
	rec := &patternRecorder{mux: http.NewServeMux()}
	a.routes(rec)
	if len(rec.patterns) < 40 {
		t.Fatalf("routes.go registered %d patterns; the recorder misses some", len(rec.patterns))
	}
	return a.serve(rec.mux), rec.patterns
}

// concretePath fills a pattern's wildcards with sample values.
func concretePath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "x-" + strings.Trim(s, "{}.$")
		}
	}
	return strings.Join(segs, "/")
}

// templateMatches reports whether a pattern's path matches path, each
// wildcard standing for one non-empty segment: the test's own reading of
// the table, apart from ServeMux's.
func templateMatches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// methodsFor lists, in probeMethods order, the methods some pattern of
// the table takes path with (HEAD wherever GET is).
func methodsFor(patterns []string, path string) []string {
	var out []string
	for _, m := range probeMethods {
		for _, p := range patterns {
			pm, pp, _ := strings.Cut(p, " ")
			if (pm == m || m == http.MethodHead && pm == http.MethodGet) && templateMatches(pp, path) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// TestEveryRouteWithAndWithoutTrailingSlash walks every pattern of
// routes.go with each method it takes (HEAD too for GET), once as written
// and once with one trailing slash: both must reach that very pattern, as
// Svix's server, which trims the slash before routing, answers both.
func TestEveryRouteWithAndWithoutTrailingSlash(t *testing.T) {
	h, patterns := routeTable(t)
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Errorf("pattern %q has no method", p)
			continue
		}
		methods := []string{method}
		if method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
		for _, m := range methods {
			for _, target := range []string{concretePath(path), concretePath(path) + "/"} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(m, target, nil))
				if got := rec.Header().Get("X-Routed-Pattern"); rec.Code != 299 || got != p {
					t.Errorf("%s %s = %d routed to %q, want %q", m, target, rec.Code, got, p)
				}
			}
		}
	}
}

// TestWrongMethodIsA405 sends every method the table does not take for
// each of its paths (with and without the slash): a 405 naming the
// methods it does take in Allow, with a JSON {code, detail} body.
func TestWrongMethodIsA405(t *testing.T) {
	h, patterns := routeTable(t)
	seen := map[string]bool{}
	checked := 0
	for _, p := range patterns {
		_, path, _ := strings.Cut(p, " ")
		if seen[path] {
			continue
		}
		seen[path] = true
		target := concretePath(path)
		allowed := methodsFor(patterns, target)
		for _, m := range probeMethods {
			if slices.Contains(allowed, m) {
				continue
			}
			for _, tg := range []string{target, target + "/"} {
				checked++
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(m, tg, nil))
				var body struct{ Code, Detail string }
				err := json.Unmarshal(rec.Body.Bytes(), &body)
				if rec.Code != http.StatusMethodNotAllowed || err != nil || body.Code != "method_not_allowed" || body.Detail == "" {
					t.Errorf("%s %s = %d %s, want 405 with {code: method_not_allowed, detail}", m, tg, rec.Code, rec.Body)
					continue
				}
				if got, want := rec.Header().Get("Allow"), strings.Join(allowed, ", "); got != want {
					t.Errorf("%s %s: Allow = %q, want %q", m, tg, got, want)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d wrong-method requests checked", checked)
	}
}

// TestUnknownAPIPathIsAJSON404 checks that a path no pattern has is still
// a JSON 404 under /api/, whatever the method.
func TestUnknownAPIPathIsAJSON404(t *testing.T) {
	h, _ := routeTable(t)
	for _, m := range probeMethods {
		for _, target := range []string{"/api/v1/nope", "/api/v1/nope/", "/api/v1/app/x/nope", "/api/v2/app"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(m, target, nil))
			if rec.Code != http.StatusNotFound || rec.Header().Get("Allow") != "" {
				t.Errorf("%s %s = %d (Allow %q), want 404 without Allow", m, target, rec.Code, rec.Header().Get("Allow"))
				continue
			}
			if m != http.MethodHead && !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
				t.Errorf("%s %s body = %s, want a JSON not_found", m, target, rec.Body)
			}
		}
	}
}

// TestTrailingSlashOnTheRealHandler runs the served handler (not stubs)
// over a real store: an app created, read, listed and deleted through
// slashed paths, and the health probes with a slash.
func TestTrailingSlashOnTheRealHandler(t *testing.T) {
	f := newCoreFixture(t)
	created := f.must(http.StatusCreated, "POST", "/api/v1/app/", `{"name":"slash","uid":"slash"}`)
	id, _ := created["id"].(string)
	f.run([]scenario{
		{name: "get", method: "GET", path: "/api/v1/app/slash/", want: 200, fields: map[string]any{"id": id}},
		{name: "list", method: "GET", path: "/api/v1/app/?limit=1", want: 200, fields: map[string]any{"done": true}},
		{name: "ping", token: noToken, method: "GET", path: "/api/v1/health/ping/", want: 204},
		{name: "health", token: noToken, method: "GET", path: "/api/v1/health/", want: 204},
		{name: "ping wrong method", token: noToken, method: "POST", path: "/api/v1/health/ping/", want: 405,
			fields: map[string]any{"code": "method_not_allowed"}},
		{name: "delete", method: "DELETE", path: "/api/v1/app/slash/", want: 204},
		{name: "gone", method: "GET", path: "/api/v1/app/" + id + "/", want: 404},
	})
	rec := f.do("", "PUT", "/api/v1/app", "{}")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("PUT /api/v1/app = %d Allow %q, want 405 Allow %q", rec.Code, rec.Header().Get("Allow"), "GET, HEAD, POST")
	}
}
