package api

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/openapi"
	"github.com/hookline/hookline/internal/openapi/build"
)

func TestEachMember(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string // key=value
	}{
		{`{}`, nil},
		{` { "a" : 1 , "b":"x,}]" ,"c":{"d":[1,{"e":"}"}]},"f":[],"g":null,"h":true,"i":-1.5e3} `,
			[]string{`"a"=1`, `"b"="x,}]"`, `"c"={"d":[1,{"e":"}"}]}`, `"f"=[]`, `"g"=null`, `"h"=true`, `"i"=-1.5e3`}},
		{`{"q\"uote":"v\\","z":"\u00e9"}`, []string{`"q\"uote"="v\\"`, `"z"="\u00e9"`}},
		{`[1,2]`, nil},
		{`null`, nil},
		{"{\n\t\"a\"\r\n:\n[ 1 ]\n}", []string{`"a"=[ 1 ]`}},
	} {
		var got []string
		eachMember([]byte(tc.body), func(k, v []byte) { got = append(got, string(k)+"="+string(v)) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("eachMember(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// TestUnknownFields decodes bodies into the endpoint and message inputs: names the type
// decodes pass, escaped spellings of them too, the answer's read-only fields pass (an
// echoed GET), anything else is a problem at its own location, nested objects included.
func TestUnknownFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		body string
		want []string
	}{
		{&endpointIn{}, `{"url":"https://x.example","eventTypes":["a"],"filterTypes":["a"],"throttleRate":1}`, nil},
		{&endpointIn{}, `{"\u0075rl":"https://x.example"}`, nil},
		{&endpointIn{}, `{"url":"u","id":"ep_1","createdAt":"t","updatedAt":"t"}`, nil},
		{&endpointIn{}, `{"url":"u","filter_types":["a"],"FilterTypes":["a"]}`, []string{"body.filter_types", "body.FilterTypes"}},
		{&endpointPatch{}, `{"eventtypes":["a"]}`, []string{"body.eventtypes"}},
		{&messageIn{}, `{"eventType":"a","payload":{"anything":{"goes":1}},"channel":"x"}`, []string{"body.channel"}},
	} {
		var p problems
		unknownFields(&p, []byte(tc.body), fieldsOf(reflectElem(tc.v)))
		var got []string
		for _, it := range p {
			got = append(got, strings.Join(it.Loc, "."))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("unknownFields(%T, %s) = %v, want %v", tc.v, tc.body, got, tc.want)
		}
	}
}

func reflectElem(v any) reflect.Type { return reflect.TypeOf(v).Elem() }

// inputTypes maps each request body schema of the Svix specs to the type Hookline decodes
// it into.
var inputTypes = map[string]any{
	"AppPortalAccessIn":        appPortalAccessIn{},
	"ApplicationIn":            appIn{},
	"ApplicationPatch":         appPatch{},
	"EndpointHeadersIn":        endpointHeadersIn{},
	"EndpointHeadersPatchIn":   endpointHeadersPatchIn{},
	"EndpointIn":               endpointIn{},
	"EndpointPatch":            endpointPatch{},
	"EndpointUpdate":           endpointIn{},
	"EndpointSecretRotateIn":   endpointSecretRotateIn{},
	"EventExampleIn":           eventExampleIn{},
	"EventTypeIn":              eventTypeIn{},
	"EventTypePatch":           eventTypePatch{},
	"EventTypeUpdate":          eventTypeUpdate{},
	"MessageIn":                messageIn{},
	"RecoverIn":                recoverIn{},
	"ReplayIn":                 replayIn{},
	"ApplicationTokenExpireIn": tokenExpireIn{},
	"MessagePrecheckIn":        messagePrecheckIn{},
	// Hookline's own: the request inspector.
	"BinIn":           binIn{},
	"CaptureReplayIn": captureReplayIn{},
	// The verification settings a source takes, also what the inspector's
	// verify checks a capture against.
	"SourceVerifyConfig": verify.Config{},
	"SourceIn":           sourceIn{},
}

// TestInputFieldsKnown holds the input types to the specs: every property of every input
// schema, in Svix's server spec and in the SDKs' spec (which holds v1.44.0's fields too),
// is a field its type decodes, so none is refused as unknown, and each is either done or
// refused by name by its handler (TestRefusedFields). Every request body of the served
// document has its type here, so a new input cannot be forgotten.
func TestInputFieldsKnown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	server, lib, err := build.SvixSpecs(ctx)
	if err != nil {
		t.Skipf("svix module not available: %v", err)
	}
	for _, spec := range []struct {
		name string
		doc  []byte
	}{{"server spec", server}, {"SDK spec", lib}, {"served document", openapi.Document()}} {
		var doc struct {
			Paths      map[string]map[string]json.RawMessage
			Components struct {
				Schemas map[string]struct {
					Properties map[string]json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(spec.doc, &doc); err != nil {
			t.Fatal(err)
		}
		for name, v := range inputTypes {
			s, ok := doc.Components.Schemas[name]
			if !ok {
				continue // the served document lacks v1.44.0-only inputs, and so on
			}
			fs := fieldsOf(reflect.TypeOf(v))
			for _, prop := range slices.Sorted(maps.Keys(s.Properties)) {
				if _, ok := fs.names[prop]; !ok {
					t.Errorf("%s: %s.%s is not a field of %T: it would be refused as unknown", spec.name, name, prop, v)
				}
			}
		}
		if spec.name != "served document" {
			continue
		}
		for path, item := range doc.Paths {
			for method, raw := range item {
				var op struct {
					RequestBody struct {
						Content map[string]struct {
							Schema struct {
								Ref string `json:"$ref"`
							}
						}
					}
				}
				_ = json.Unmarshal(raw, &op)
				ref := op.RequestBody.Content["application/json"].Schema.Ref
				name, ok := strings.CutPrefix(ref, "#/components/schemas/")
				if !ok || strings.HasPrefix(name, "Delivery") {
					continue // no body, or Hookline's own (delivery options)
				}
				if _, ok := inputTypes[name]; !ok {
					t.Errorf("%s %s takes %s, which inputTypes lacks", method, path, name)
				}
			}
		}
	}
}

// TestRefusedFields sends each field of the newest SDKs' inputs that Hookline does not do,
// set, and checks it is a 422 naming it that changes nothing; null or absent, the same
// request succeeds.
func TestRefusedFields(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	f.must(201, "POST", "/api/v1/app/acme/endpoint", `{"url":"https://example.com/hook","uid":"main"}`)
	epPath := "/api/v1/app/acme/endpoint/main"
	msg := func(extra string) string { return `{"eventType":"user.created","payload":{"a":1}` + extra + `}` }
	var scenarios []scenario
	for _, tc := range []struct {
		name, method, path, set, unset, loc string
		ok                                  int
	}{
		{"deliverAt", "POST", "/api/v1/app/acme/msg", msg(`,"deliverAt":"2030-01-01T00:00:00Z"`), msg(`,"deliverAt":null`), "deliverAt", 202},
		{"transformationsParams", "POST", "/api/v1/app/acme/msg", msg(`,"transformationsParams":{"a":1}`), msg(`,"transformationsParams":null`), "transformationsParams", 202},
		{"payloadRetentionHours and Period", "POST", "/api/v1/app/acme/msg", msg(`,"payloadRetentionHours":5,"payloadRetentionPeriod":5`), msg(`,"payloadRetentionHours":5`), "payloadRetentionHours", 202},
		{"data beside a different payload", "POST", "/api/v1/app/acme/msg", msg(`,"data":{"a":2}`), msg(`,"data":{"a":1}`), "data", 202},
		{"capabilities", "POST", "/api/v1/auth/app-portal-access/acme", `{"capabilities":["ViewBase"]}`, `{"capabilities":null}`, "capabilities", 200},
		{"sessionId", "POST", "/api/v1/auth/app-portal-access/acme", `{"sessionId":"s1"}`, `{"sessionId":null}`, "sessionId", 200},
		{"readOnly", "POST", "/api/v1/auth/app-portal-access/acme", `{"readOnly":true}`, `{"readOnly":false}`, "readOnly", 200},
		{"groupName", "POST", "/api/v1/event-type", `{"name":"g.one","description":"","groupName":"billing"}`, `{"name":"g.one","description":"","groupName":null}`, "groupName", 201},
		{"groupName patch", "PATCH", "/api/v1/event-type/g.one", `{"groupName":"billing"}`, `{"groupName":null}`, "groupName", 200},
		{"two feature flags", "PATCH", "/api/v1/event-type/g.one", `{"featureFlags":["a","b"]}`, `{"featureFlags":["a"]}`, "featureFlags", 200},
		{"featureFlags unlike featureFlag", "PUT", "/api/v1/event-type/g.one", `{"description":"","featureFlag":"a","featureFlags":["b"]}`, `{"description":"","featureFlag":"b","featureFlags":["b"]}`, "featureFlags", 200},
		{"secret on PUT", "PUT", epPath, `{"url":"https://example.com/hook","uid":"main","secret":"` + testSecret + `"}`, `{"url":"https://example.com/hook","uid":"main"}`, "secret", 200},
		{"headers on PUT", "PUT", epPath, `{"url":"https://example.com/hook","uid":"main","headers":{"X-A":"1"}}`, `{"url":"https://example.com/hook","uid":"main"}`, "headers", 200},
		{"unknown field", "PATCH", epPath, `{"description":"x","filter_types":["user.created"]}`, `{"description":"x"}`, "filter_types", 200},
	} {
		scenarios = append(scenarios,
			scenario{name: tc.name + " set", method: tc.method, path: tc.path, body: tc.set, want: 422, errLoc: []string{"body", tc.loc}},
			scenario{name: tc.name + " unset", method: tc.method, path: tc.path, body: tc.unset, want: tc.ok})
	}
	f.run(scenarios)
	// The refused ones changed nothing: one message per accepted create, the endpoint's
	// secret and headers as they were.
	var list struct{ Data []json.RawMessage }
	if err := json.Unmarshal(f.do("", "GET", "/api/v1/app/acme/msg", "").Body.Bytes(), &list); err != nil || len(list.Data) != 4 {
		t.Errorf("messages after the refused creates = %d (%v), want the 4 accepted", len(list.Data), err)
	}
	if got := f.must(200, "GET", epPath+"/headers", "")["headers"]; len(got.(map[string]any)) != 0 {
		t.Errorf("headers after the refused PUT = %v, want none", got)
	}
	if got := f.must(200, "GET", epPath+"/secret", "")["key"]; got == testSecret {
		t.Errorf("secret after the refused PUT = %v, want the generated one", got)
	}
}
