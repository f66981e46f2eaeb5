package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"
)

func TestApps(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	created := f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme","rateLimit":10,"metadata":{"tier":"gold"}}`)
	id := created["id"].(string)
	if !strings.HasPrefix(id, "app_") {
		t.Fatalf("created app id = %q, want app_ prefix", id)
	}
	other := f.must(201, "POST", "/api/v1/app", `{"name":"Other"}`)
	otherID := other["id"].(string)
	portal := f.token(id)
	big := `{"name":"x","metadata":{"k":"` + strings.Repeat("v", 5000) + `"}}`

	f.run([]scenario{
		{name: "no token", token: noToken, method: "GET", path: "/api/v1/app", want: 401, fields: map[string]any{"code": "authentication_failed"}},
		{name: "bad token", token: "hk_nope", method: "GET", path: "/api/v1/app", want: 401},
		{name: "portal token lists apps", token: portal, method: "GET", path: "/api/v1/app", want: 403},
		{name: "portal token creates app", token: portal, method: "POST", path: "/api/v1/app", body: `{"name":"x"}`, want: 403},
		{name: "portal token reads own app", token: portal, method: "GET", path: "/api/v1/app/acme", want: 200, fields: map[string]any{"id": id}},
		{name: "portal token reads other app", token: portal, method: "GET", path: "/api/v1/app/" + otherID, want: 404},
		{name: "portal token deletes own app", token: portal, method: "DELETE", path: "/api/v1/app/" + id, want: 403},

		{name: "get by uid", method: "GET", path: "/api/v1/app/acme", want: 200, fields: map[string]any{
			"id": id, "uid": "acme", "name": "Acme", "rateLimit": 10, "metadata": map[string]string{"tier": "gold"}}},
		{name: "bare app", method: "GET", path: "/api/v1/app/" + otherID, want: 200, fields: map[string]any{
			"uid": absent, "rateLimit": absent, "metadata": map[string]string{}}},
		{name: "missing", method: "GET", path: "/api/v1/app/nope", want: 404, fields: map[string]any{"code": "not_found"}},

		{name: "uid conflict", method: "POST", path: "/api/v1/app", body: `{"name":"Again","uid":"acme"}`, want: 409},
		{name: "get_if_exists", method: "POST", path: "/api/v1/app?get_if_exists=true", body: `{"name":"Again","uid":"acme"}`, want: 200, fields: map[string]any{"id": id, "name": "Acme"}},
		{name: "name required", method: "POST", path: "/api/v1/app", body: `{}`, want: 422, errLoc: []string{"body", "name"}},
		{name: "empty name", method: "POST", path: "/api/v1/app", body: `{"name":""}`, want: 422, errLoc: []string{"body", "name"}},
		{name: "control character", method: "POST", path: "/api/v1/app", body: `{"name":"a\u0001"}`, want: 422, errLoc: []string{"body", "name"}},
		{name: "bad uid", method: "POST", path: "/api/v1/app", body: `{"name":"x","uid":"has space"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "rateLimit 0", method: "POST", path: "/api/v1/app", body: `{"name":"x","rateLimit":0}`, want: 422, errLoc: []string{"body", "rateLimit"}},
		{name: "rateLimit over uint16", method: "POST", path: "/api/v1/app", body: `{"name":"x","rateLimit":65536}`, want: 422, errLoc: []string{"body", "rateLimit"}},
		{name: "rateLimit string", method: "POST", path: "/api/v1/app", body: `{"name":"x","rateLimit":"1"}`, want: 422, errLoc: []string{"body", "rateLimit"}},
		{name: "metadata too big", method: "POST", path: "/api/v1/app", body: big, want: 422, errLoc: []string{"body", "metadata"}},
		{name: "every problem at once", method: "POST", path: "/api/v1/app", body: `{"uid":"#","rateLimit":0}`, want: 422, check: func(t *testing.T, b []byte) {
			if got, want := errLocs(t, b), []string{"body.name", "body.uid", "body.rateLimit"}; !slices.Equal(got, want) {
				t.Errorf("problems at %v, want %v", got, want)
			}
		}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/app", body: `{"name":`, want: 422},
		{name: "too large", method: "POST", path: "/api/v1/app", body: `{"name":"` + strings.Repeat("x", coreTestMaxBody) + `"}`, want: 413, fields: map[string]any{"code": "payload_too_large"}},

		{name: "put creates", method: "PUT", path: "/api/v1/app/new-one", body: `{"name":"New","uid":"new-one"}`, want: 201, fields: map[string]any{"uid": "new-one"}},
		{name: "put updates", method: "PUT", path: "/api/v1/app/new-one", body: `{"name":"Renamed","uid":"new-one"}`, want: 200, fields: map[string]any{"name": "Renamed", "metadata": map[string]string{}}},
		{name: "put takes a uid in use", method: "PUT", path: "/api/v1/app/new-one", body: `{"name":"Renamed","uid":"acme"}`, want: 409},
		{name: "put invalid", method: "PUT", path: "/api/v1/app/new-one", body: `{"name":""}`, want: 422},

		{name: "patch keeps absent fields", method: "PATCH", path: "/api/v1/app/acme", body: `{"metadata":{"a":"b"}}`, want: 200, fields: map[string]any{
			"name": "Acme", "uid": "acme", "rateLimit": 10, "metadata": map[string]string{"a": "b"}}},
		{name: "patch null clears", method: "PATCH", path: "/api/v1/app/" + id, body: `{"uid":null,"rateLimit":null}`, want: 200, fields: map[string]any{
			"name": "Acme", "uid": absent, "rateLimit": absent}},
		{name: "patch null name", method: "PATCH", path: "/api/v1/app/" + id, body: `{"name":null}`, want: 422, errLoc: []string{"body", "name"}},
		{name: "patch bad rateLimit", method: "PATCH", path: "/api/v1/app/" + id, body: `{"rateLimit":0}`, want: 422, errLoc: []string{"body", "rateLimit"}},
		{name: "uid freed by patch", method: "POST", path: "/api/v1/app", body: `{"name":"Second acme","uid":"acme"}`, want: 201},

		{name: "delete", method: "DELETE", path: "/api/v1/app/" + otherID, want: 204},
		{name: "deleted", method: "GET", path: "/api/v1/app/" + otherID, want: 404},
		{name: "delete again", method: "DELETE", path: "/api/v1/app/" + otherID, want: 404},
	})

	// Nothing invalid was created: acme (renamed uid-less), new-one and the
	// second acme are all.
	list := f.must(200, "GET", "/api/v1/app?limit=10", "")
	if n := len(list["data"].([]any)); n != 3 {
		t.Errorf("GET /app lists %d apps, want 3: %v", n, list)
	}
}

func TestAppListPaging(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	var ids []string
	for _, n := range []string{"a", "b", "c"} {
		ids = append(ids, f.must(201, "POST", "/api/v1/app", `{"name":"`+n+`"}`)["id"].(string))
	}
	var seen []string
	iter := ""
	for range 5 {
		rec := f.do("", "GET", "/api/v1/app?limit=2&iterator="+iter, "")
		var page svix.ListResponseApplicationOut
		sdkDecode(t, rec.Body.Bytes(), &page)
		for _, a := range page.Data {
			seen = append(seen, a.Id)
		}
		if page.Done {
			break
		}
		iter = *page.Iterator
	}
	// Svix lists applications oldest first.
	if !slices.Equal(seen, ids) {
		t.Errorf("paged app IDs = %v, want %v", seen, ids)
	}
	f.run([]scenario{
		{name: "limit too big", method: "GET", path: "/api/v1/app?limit=251", want: 422, errLoc: []string{"query", "limit"}},
		{name: "descending", method: "GET", path: "/api/v1/app?order=descending&limit=1", want: 200, check: func(t *testing.T, b []byte) {
			var page svix.ListResponseApplicationOut
			sdkDecode(t, b, &page)
			if len(page.Data) != 1 || page.Data[0].Id != ids[2] || page.Done {
				t.Errorf("descending first page = %s, want %s and not done", b, ids[2])
			}
		}},
	})
}

func TestAppCreateIdempotent(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	body := `{"name":"Acme","uid":"acme"}`
	first := f.do("", "POST", "/api/v1/app", body, "Idempotency-Key", "k1")
	second := f.do("", "POST", "/api/v1/app", body, "Idempotency-Key", "k1")
	if first.Code != 201 || second.Code != 201 {
		t.Fatalf("POST /app twice with one key = %d, %d; want 201, 201 (%s)", first.Code, second.Code, second.Body)
	}
	if first.Body.String() != second.Body.String() {
		t.Errorf("replayed body = %s, want %s", second.Body, first.Body)
	}
	if second.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay lacks Idempotent-Replayed: true")
	}
	list := f.must(200, "GET", "/api/v1/app", "")
	if n := len(list["data"].([]any)); n != 1 {
		t.Errorf("after a replayed create, %d apps, want 1", n)
	}
}

// TestAppSDKShapes decodes the app responses with the Svix SDK's own
// models, which reject unknown fields and demand the required ones.
func TestAppSDKShapes(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	for _, body := range []string{`{"name":"bare"}`, `{"name":"full","uid":"full","rateLimit":5,"metadata":{"a":"b"}}`} {
		rec := f.do("", "POST", "/api/v1/app", body)
		var out svix.ApplicationOut
		sdkDecode(t, rec.Body.Bytes(), &out)
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(rec.Body.Bytes(), &raw)
		if rec.Code != http.StatusCreated {
			t.Errorf("POST /app %s = %d", body, rec.Code)
		}
		if !strings.HasSuffix(string(raw["createdAt"]), `Z"`) || len(raw["createdAt"]) != len(`"2026-03-01T12:00:00.000Z"`) {
			t.Errorf("createdAt = %s, want RFC 3339 UTC with milliseconds", raw["createdAt"])
		}
	}
	rec := f.do("", "GET", "/api/v1/app", "")
	var list svix.ListResponseApplicationOut
	sdkDecode(t, rec.Body.Bytes(), &list)
}
