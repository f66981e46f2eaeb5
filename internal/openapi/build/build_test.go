package build

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// svixLike is a small 3.0 document with each defect the real Svix spec has.
const svixLike = `{
  "openapi": "3.0.2",
  "info": {"title": "Svix API", "version": "1.1.1", "x-logo": {"url": "x"}},
  "paths": {
    "/api/v1/app/{app_id}": {
      "get": {"operationId": "v1.application.get", "responses": {}},
      "put": {"operationId": "v1.application.update", "responses": {},
        "parameters": [{"in": "path", "name": "app_id", "required": true, "schema": {"type": "string", "maxLength": 256}}]}
    },
    "/api/v1/health": {
      "get": {"operationId": "v1.health.get", "responses": {}},
      "head": {"operationId": "v1.health.get", "responses": {}}
    },
    "/api/v1/health/ping": {"get": {"responses": {}}}
  },
  "components": {"schemas": {
    "S": {"type": "object", "properties": {
      "a": {"type": "string", "nullable": true},
      "b": {"$ref": "#/components/schemas/T", "nullable": true, "description": "d"},
      "c": {"type": "string", "enum": ["x"], "nullable": true},
      "nullable": {"type": "boolean"},
      "e": {"type": "integer", "nullable": false}
    }},
    "T": {"type": "string"}
  }}
}`

const noAdditions = `{}`

func buildDoc(t *testing.T, spec, additions string) map[string]any {
	t.Helper()
	out, err := Document([]byte(spec), []byte(additions))
	if err != nil {
		t.Fatalf("Document: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("parse output: %v", err)
	}
	return doc
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDocumentCorrections(t *testing.T) {
	doc := buildDoc(t, svixLike, noAdditions)
	paths := doc["paths"].(map[string]any)
	props := doc["components"].(map[string]any)["schemas"].(map[string]any)["S"].(map[string]any)["properties"].(map[string]any)

	for _, tc := range []struct{ name, got, want string }{
		{"openapi", jsonOf(t, doc["openapi"]), `"3.1.0"`},
		{"info", jsonOf(t, doc["info"]), jsonOf(t, map[string]any{"title": Title, "description": Description, "version": "1.1.1"})},
		{"servers", jsonOf(t, doc["servers"]), `[{"url":"/"}]`},
		{"nullable type", jsonOf(t, props["a"]), `{"type":["string","null"]}`},
		{"nullable $ref", jsonOf(t, props["b"]), `{"anyOf":[{"$ref":"#/components/schemas/T"},{"type":"null"}],"description":"d"}`},
		{"nullable enum", jsonOf(t, props["c"]), `{"enum":["x",null],"type":["string","null"]}`},
		{"property named nullable", jsonOf(t, props["nullable"]), `{"type":"boolean"}`},
		{"nullable false", jsonOf(t, props["e"]), `{"type":"integer"}`},
		{"borrowed path param", jsonOf(t, paths["/api/v1/app/{app_id}"].(map[string]any)["get"].(map[string]any)["parameters"]),
			`[{"in":"path","name":"app_id","required":true,"schema":{"maxLength":256,"type":"string"}}]`},
		{"duplicate id, first keeps it", jsonOf(t, paths["/api/v1/health"].(map[string]any)["get"].(map[string]any)["operationId"]), `"v1.health.get"`},
		{"duplicate id renamed", jsonOf(t, paths["/api/v1/health"].(map[string]any)["head"].(map[string]any)["operationId"]), `"v1.health.get-head"`},
		{"missing id derived", jsonOf(t, paths["/api/v1/health/ping"].(map[string]any)["get"].(map[string]any)["operationId"]), `"api_v1_health_ping__get"`},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestDocumentDeterministic(t *testing.T) {
	a, err := Document([]byte(svixLike), []byte(noAdditions))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := Document([]byte(svixLike), []byte(noAdditions))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("Document gave different bytes for the same input")
		}
	}
}

func TestDocumentAdditions(t *testing.T) {
	doc := buildDoc(t, svixLike, `{
	  "paths": {"/api/v1/health/": {"get": {"operationId": "hookline.health.get", "responses": {"204": {"description": "ok"}}}}},
	  "components": {"schemas": {"DeliveryOptions": {"type": "object"}}}
	}`)
	if _, ok := doc["paths"].(map[string]any)["/api/v1/health/"]; !ok {
		t.Error("added path missing")
	}
	if _, ok := doc["components"].(map[string]any)["schemas"].(map[string]any)["DeliveryOptions"]; !ok {
		t.Error("added schema missing")
	}
}

func TestDocumentExtensions(t *testing.T) {
	doc := buildDoc(t, svixLike, `{"x-hookline-extend": {
	  "schemas": {"S": {"properties": {"z": {"type": "string"}}}},
	  "operations": {"v1.application.get": {"parameters": [{"in": "query", "name": "q", "schema": {"type": "string"}}]}}
	}}`)
	props := doc["components"].(map[string]any)["schemas"].(map[string]any)["S"].(map[string]any)["properties"].(map[string]any)
	if got := jsonOf(t, props["z"]); got != `{"type":"string"}` {
		t.Errorf("extended property z = %s", got)
	}
	if _, ok := props["a"]; !ok {
		t.Error("Svix's own property a lost")
	}
	get := doc["paths"].(map[string]any)["/api/v1/app/{app_id}"].(map[string]any)["get"].(map[string]any)
	if got := jsonOf(t, get["parameters"]); !strings.Contains(got, `"name":"q"`) || !strings.Contains(got, `"name":"app_id"`) {
		t.Errorf("extended parameters = %s, want app_id and q", got)
	}
}

func TestDocumentAdditionErrors(t *testing.T) {
	for _, tc := range []struct{ name, additions, want string }{
		{"svix path", `{"paths": {"/api/v1/health": {"get": {"operationId": "x", "responses": {}}}}}`, "collides with a Svix path"},
		{"svix schema", `{"components": {"schemas": {"T": {}}}}`, "collides with a Svix component"},
		{"unknown key", `{"webhooks": {}}`, "unsupported top-level key"},
		{"repeated operationId", `{"paths": {"/api/v1/x": {"get": {"operationId": "v1.health.get", "responses": {}}}}}`, "already used"},
		{"undeclared path param", `{"paths": {"/api/v1/x/{id}": {"get": {"operationId": "x", "responses": {}}}}}`, `path parameter "id" not declared`},
		{"no operationId", `{"paths": {"/api/v1/x": {"get": {"responses": {}}}}}`, "no operationId"},
		{"nullable", `{"components": {"schemas": {"X": {"type": "string", "nullable": true}}}}`, "nullable"},
		{"not JSON", `{`, "decode additions"},
		{"extend unknown schema", `{"x-hookline-extend": {"schemas": {"Nope": {"properties": {"x": {}}}}}}`, "no such Svix schema"},
		{"extend existing property", `{"x-hookline-extend": {"schemas": {"S": {"properties": {"a": {}}}}}}`, `property "a" is Svix's already`},
		{"extend required", `{"x-hookline-extend": {"schemas": {"S": {"required": ["a"]}}}}`, "adds properties only"},
		{"extend unknown operation", `{"x-hookline-extend": {"operations": {"v1.nope": {"parameters": []}}}}`, "no such Svix operation"},
		{"extend existing parameter", `{"x-hookline-extend": {"operations": {"v1.application.update": {"parameters": [{"in": "path", "name": "app_id"}]}}}}`, "is Svix's already"},
		{"extend required parameter", `{"x-hookline-extend": {"operations": {"v1.application.get": {"parameters": [{"in": "query", "name": "q", "required": true}]}}}}`, "optional query or header"},
		{"extend other key", `{"x-hookline-extend": {"paths": {}}}`, "unsupported key"},
	} {
		_, err := Document([]byte(svixLike), []byte(tc.additions))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Document() error = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDocumentRejectsNon30(t *testing.T) {
	_, err := Document([]byte(`{"openapi": "3.1.0", "paths": {}}`), []byte(noAdditions))
	if err == nil || !strings.Contains(err.Error(), "want 3.0.x") {
		t.Errorf("Document(3.1 input) error = %v, want a version error", err)
	}
}
