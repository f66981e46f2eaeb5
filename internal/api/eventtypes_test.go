package api

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"
)

const invoiceSchemas = `{"1": {"type": "object", "properties": {"invoiceId": {"type": "string"}}, "examples": [{"invoiceId": "in_1"}, {"invoiceId": "in_2"}]}}`

func TestEventTypes(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	app := f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)
	portal := f.token(app["id"].(string))
	f.run([]scenario{
		{name: "create", method: "POST", path: "/api/v1/event-type", body: `{"name":"invoice.paid","description":"Paid","schemas":` + invoiceSchemas + `}`, want: 201,
			fields: map[string]any{"name": "invoice.paid", "description": "Paid", "archived": false, "deprecated": false, "featureFlag": absent},
			check: func(t *testing.T, b []byte) {
				var out svix.EventTypeOut
				sdkDecode(t, b, &out)
				var raw map[string]json.RawMessage
				_ = json.Unmarshal(b, &raw)
				// Key order and numbers as sent; only insignificant
				// whitespace is compacted.
				if want := compactJSON(t, invoiceSchemas); string(raw["schemas"]) != want {
					t.Errorf("schemas = %s, want %s", raw["schemas"], want)
				}
			}},
		{name: "create bare", method: "POST", path: "/api/v1/event-type", body: `{"name":"user.created","description":"","featureFlag":"beta"}`, want: 201,
			fields: map[string]any{"schemas": absent, "featureFlag": "beta"}},
		{name: "duplicate", method: "POST", path: "/api/v1/event-type", body: `{"name":"user.created","description":"again"}`, want: 409, fields: map[string]any{"code": "event_type_exists"}},
		{name: "portal token may read", token: portal, method: "GET", path: "/api/v1/event-type/invoice.paid", want: 200},
		{name: "portal token may not create", token: portal, method: "POST", path: "/api/v1/event-type", body: `{"name":"x","description":""}`, want: 403},
		{name: "portal token may not delete", token: portal, method: "DELETE", path: "/api/v1/event-type/invoice.paid", want: 403},

		{name: "bad name", method: "POST", path: "/api/v1/event-type", body: `{"name":"no spaces","description":""}`, want: 422, errLoc: []string{"body", "name"}},
		{name: "name required", method: "POST", path: "/api/v1/event-type", body: `{"description":""}`, want: 422, errLoc: []string{"body", "name"}},
		{name: "description required", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b"}`, want: 422, errLoc: []string{"body", "description"}},
		{name: "bad feature flag", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","featureFlag":"a b"}`, want: 422, errLoc: []string{"body", "featureFlag"}},
		{name: "schemas not an object", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","schemas":[1]}`, want: 422, errLoc: []string{"body", "schemas"}},
		{name: "invalid schema", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","schemas":{"1":{"type":"nonsense"}}}`, want: 422, errLoc: []string{"body", "schemas", "1"}},
		{name: "schema version not an object", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","schemas":{"1":true}}`, want: 422, errLoc: []string{"body", "schemas", "1"}},
		{name: "file ref refused", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","schemas":{"1":{"$ref":"file:///etc/passwd"}}}`, want: 422, errLoc: []string{"body", "schemas", "1"}},
		{name: "http ref refused", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","schemas":{"1":{"properties":{"x":{"$ref":"http://127.0.0.1:1/s.json"}}}}}`, want: 422, errLoc: []string{"body", "schemas", "1"}},
		{name: "relative ref refused", method: "POST", path: "/api/v1/event-type", body: `{"name":"a.b","description":"","schemas":{"1":{"$ref":"other.json"}}}`, want: 422, errLoc: []string{"body", "schemas", "1"}},
		{name: "internal ref and metaschema", method: "POST", path: "/api/v1/event-type", body: `{"name":"e.f","description":"","schemas":{"1":{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"id":{"type":"string"}},"properties":{"x":{"$ref":"#/definitions/id"}}}}}`, want: 201},
		{name: "null schemas", method: "POST", path: "/api/v1/event-type", body: `{"name":"c.d","description":"","schemas":null}`, want: 201, fields: map[string]any{"schemas": absent}},

		{name: "get", method: "GET", path: "/api/v1/event-type/invoice.paid", want: 200, fields: map[string]any{"name": "invoice.paid"}, check: func(t *testing.T, b []byte) {
			var out svix.EventTypeOut
			sdkDecode(t, b, &out)
			if out.Schemas == nil {
				t.Errorf("GET event type lacks its schemas: %s", b)
			}
		}},
		{name: "get missing", method: "GET", path: "/api/v1/event-type/no.such", want: 404},

		{name: "put updates", method: "PUT", path: "/api/v1/event-type/user.created", body: `{"description":"Created","deprecated":true}`, want: 200,
			fields: map[string]any{"description": "Created", "deprecated": true, "featureFlag": absent}},
		{name: "put creates", method: "PUT", path: "/api/v1/event-type/user.deleted", body: `{"description":"Deleted"}`, want: 201, fields: map[string]any{"name": "user.deleted"}},
		{name: "put invalid schema", method: "PUT", path: "/api/v1/event-type/user.deleted", body: `{"description":"x","schemas":{"1":{"minimum":"x"}}}`, want: 422},
		{name: "put bad path name", method: "PUT", path: "/api/v1/event-type/bad%20name", body: `{"description":"x"}`, want: 422},

		{name: "patch keeps absent", method: "PATCH", path: "/api/v1/event-type/invoice.paid", body: `{"deprecated":true}`, want: 200,
			fields: map[string]any{"description": "Paid", "deprecated": true}, check: func(t *testing.T, b []byte) {
				if !strings.Contains(string(b), `"schemas":{"1"`) {
					t.Errorf("patch dropped schemas: %s", b)
				}
			}},
		{name: "patch null schemas", method: "PATCH", path: "/api/v1/event-type/invoice.paid", body: `{"schemas":null,"featureFlag":null}`, want: 200, fields: map[string]any{"schemas": absent}},
		{name: "patch invalid schema", method: "PATCH", path: "/api/v1/event-type/invoice.paid", body: `{"schemas":{"1":{"type":1}}}`, want: 422},
		{name: "patch null description", method: "PATCH", path: "/api/v1/event-type/invoice.paid", body: `{"description":null}`, want: 422},
		{name: "patch missing", method: "PATCH", path: "/api/v1/event-type/no.such", body: `{}`, want: 404},

		{name: "archive", method: "DELETE", path: "/api/v1/event-type/user.deleted", want: 204},
		{name: "archived still readable", method: "GET", path: "/api/v1/event-type/user.deleted", want: 200, fields: map[string]any{"archived": true}},
		{name: "create unarchives", method: "POST", path: "/api/v1/event-type", body: `{"name":"user.deleted","description":"Back"}`, want: 201, fields: map[string]any{"archived": false, "description": "Back"}},
		{name: "expunge", method: "DELETE", path: "/api/v1/event-type/user.deleted?expunge=true", want: 204},
		{name: "expunged", method: "GET", path: "/api/v1/event-type/user.deleted", want: 404},
		{name: "delete missing", method: "DELETE", path: "/api/v1/event-type/user.deleted", want: 404},
		{name: "bad expunge", method: "DELETE", path: "/api/v1/event-type/user.created?expunge=maybe", want: 422},

		{name: "generate-example", method: "POST", path: "/api/v1/event-type/schema/generate-example", body: `{"schema":{"type":"object"}}`, want: 204},
		{name: "generate-example without body", method: "POST", path: "/api/v1/event-type/schema/generate-example", want: 204},
		{name: "generate-example invalid", method: "POST", path: "/api/v1/event-type/schema/generate-example", body: `{"schema":{"type":7}}`, want: 422, errLoc: []string{"body", "schema"}},
	})

	// Nothing invalid was written.
	for _, name := range []string{"a.b", "x"} {
		if rec := f.do("", "GET", "/api/v1/event-type/"+name, ""); rec.Code != 404 {
			t.Errorf("GET event type %q after refused creates = %d, want 404", name, rec.Code)
		}
	}
}

func TestEventTypeList(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	for _, n := range []string{"c.three", "a.one", "b.two"} {
		f.must(201, "POST", "/api/v1/event-type", `{"name":"`+n+`","description":"","schemas":{"1":{"type":"object"}}}`)
	}
	f.must(204, "DELETE", "/api/v1/event-type/b.two", "")
	names := func(b []byte, wantSchemas bool) []string {
		var page svix.ListResponseEventTypeOut
		sdkDecode(t, b, &page)
		var out []string
		for _, et := range page.Data {
			out = append(out, et.Name)
			if (et.Schemas != nil) != wantSchemas {
				t.Errorf("list entry %s has schemas %v, want present=%v", et.Name, et.Schemas, wantSchemas)
			}
		}
		return out
	}
	f.run([]scenario{
		{name: "by name, archived hidden, no content", method: "GET", path: "/api/v1/event-type", want: 200, check: func(t *testing.T, b []byte) {
			if got := names(b, false); !slices.Equal(got, []string{"a.one", "c.three"}) {
				t.Errorf("names = %v", got)
			}
		}},
		{name: "archived and content", method: "GET", path: "/api/v1/event-type?include_archived=true&with_content=true", want: 200, check: func(t *testing.T, b []byte) {
			if got := names(b, true); !slices.Equal(got, []string{"a.one", "b.two", "c.three"}) {
				t.Errorf("names = %v", got)
			}
		}},
		{name: "paged", method: "GET", path: "/api/v1/event-type?limit=1&iterator=a.one&include_archived=true", want: 200, fields: map[string]any{"done": false, "iterator": "b.two"}},
	})
}

func TestEventTypeCreateIdempotent(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	body := `{"name":"a.b","description":"x"}`
	first := f.do("", "POST", "/api/v1/event-type", body, "Idempotency-Key", "same")
	second := f.do("", "POST", "/api/v1/event-type", body, "Idempotency-Key", "same")
	if first.Code != 201 || second.Code != 201 || first.Body.String() != second.Body.String() {
		t.Errorf("create twice with one key = %d %s, %d %s; want the same 201", first.Code, first.Body, second.Code, second.Body)
	}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var v json.RawMessage
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
