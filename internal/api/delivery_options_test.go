package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/signature"
)

func TestDeliveryOptions(t *testing.T) {
	t.Parallel()
	f, appID, otherID := endpointFixture(t)
	epID := f.must(201, "POST", "/api/v1/app/acme/endpoint",
		`{"url":"https://user:pw@example.com/hook?token=t0k3n&x=1","uid":"main","secret":"`+testSecret+`"}`)["id"].(string)
	opts := "/api/v1/app/acme/endpoint/main/delivery-options"
	portal := f.token(appID)
	otherPortal := f.token(otherID)
	defaults := map[string]any{"format": "json", "method": "POST", "contentType": "application/json",
		"retries": len(coreTestSchedule), "timeout": "20s", "template": absent}
	tmpl := `First_Name={{urlquery .payload.first}}&Email={{urlquery .payload.email}}&key=K1`
	tmplJSON, _ := json.Marshal(tmpl)
	saved := map[string]any{"format": "template", "template": tmpl, "contentType": "application/x-www-form-urlencoded",
		"method": "PUT", "retries": 2, "timeout": "5s"}
	savedBody := `{"format":"template","template":` + string(tmplJSON) +
		`,"contentType":"application/x-www-form-urlencoded","method":"PUT","retries":2,"timeout":"5s"}`

	f.run([]scenario{
		{name: "fresh endpoint shows the server's defaults", method: "GET", path: opts, want: 200, fields: defaults},
		{name: "by endpoint ID too", method: "GET", path: "/api/v1/app/" + appID + "/endpoint/" + epID + "/delivery-options", want: 200, fields: defaults},
		{name: "no token", token: noToken, method: "GET", path: opts, want: 401},
		{name: "other app's token", token: otherPortal, method: "PUT", path: opts, body: `{"format":"form"}`, want: 404},
		{name: "unknown endpoint", method: "GET", path: "/api/v1/app/acme/endpoint/ep_nope/delivery-options", want: 404, fields: map[string]any{"code": "not_found"}},
		{name: "unknown app", method: "PUT", path: "/api/v1/app/nope/endpoint/main/delivery-options", body: `{"format":"form"}`, want: 404},
		{name: "endpoint of another app", method: "GET", path: "/api/v1/app/other/endpoint/main/delivery-options", want: 404},
		{name: "invalid UTF-8", method: "PUT", path: opts, body: "{\"format\":\"template\",\"template\":\"\xff\"}", want: 422,
			fields: map[string]any{"code": "validation_failed"}},

		{name: "PUT all", token: portal, method: "PUT", path: opts, body: savedBody, want: 200, fields: saved},
		{name: "GET shows them", method: "GET", path: opts, want: 200, fields: saved},
	})

	// Every refusal is a 422 {code, detail} naming the problem, and leaves
	// the saved options as they were.
	bad := []struct{ name, method, body, detail string }{
		{"unknown format", "PUT", `{"format":"xml"}`, `format must be json, form or template, got "xml"`},
		{"unknown method", "PATCH", `{"method":"GET"}`, `method must be POST, PUT or PATCH, got "GET"`},
		{"lowercase method", "PATCH", `{"method":"post"}`, `method must be POST, PUT or PATCH`},
		{"retries negative", "PATCH", `{"retries":-1}`, "retries must be between 0 and 50, got -1"},
		{"retries over 50", "PUT", `{"retries":51}`, "retries must be between 0 and 50, got 51"},
		{"retries not a number", "PATCH", `{"retries":"3"}`, "retries: expected int"},
		{"timeout not a duration", "PATCH", `{"timeout":"15"}`, `timeout must be a duration such as "15s"`},
		{"timeout a number", "PATCH", `{"timeout":15}`, "timeout: expected string"},
		{"timeout zero", "PATCH", `{"timeout":"0s"}`, "timeout must be at least 1s"},
		{"timeout under 1s", "PATCH", `{"timeout":"500ms"}`, "timeout must be between 1s and the server's request timeout 20s, got 500ms"},
		{"timeout over the server's", "PATCH", `{"timeout":"21s"}`, "got 21s"},
		{"template without template", "PUT", `{"format":"template","contentType":"text/plain"}`, "template is required with format template"},
		{"template without contentType", "PUT", `{"format":"template","template":"x"}`, "contentType is required with format template"},
		{"template with format json", "PUT", `{"format":"json","template":"x"}`, "template is only used with format template"},
		{"template does not parse", "PATCH", `{"template":"{{.payload.name"}`, "unclosed action"},
		{"template calls an unknown function", "PATCH", `{"template":"{{exec .payload}}"}`, `function "exec" not defined`},
		{"template recursion", "PATCH", `{"template":"{{define \"x\"}}{{template \"x\"}}{{end}}"}`, "not available in delivery templates"},
		{"contentType with a newline", "PATCH", `{"contentType":"text/plain\r\nX-Evil: 1"}`, "control character"},
		{"unknown field", "PATCH", `{"retires":3}`, `unknown field "retires"`},
		{"not JSON", "PUT", `{"format":`, "invalid JSON"},
		{"empty body", "PUT", ``, "request body is empty"},
		{"two problems at once", "PUT", `{"format":"xml","retries":99}`, `got "xml"; retries must be`},
		{"passHeaders a signature header", "PATCH", `{"passHeaders":["X-GitHub-Event","webhook-signature"]}`, `"webhook-signature" starts with the forbidden prefix`},
		{"passHeaders Host", "PATCH", `{"passHeaders":["Host"]}`, `header "Host" is forbidden`},
	}
	for _, tt := range bad {
		rec := f.do("", tt.method, opts, tt.body)
		var got struct{ Code, Detail string }
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusUnprocessableEntity || got.Code != "validation_failed" || !strings.Contains(got.Detail, tt.detail) {
			t.Errorf("%s: %s %s = %d %s, want 422 validation_failed with %q", tt.name, tt.method, tt.body, rec.Code, rec.Body, tt.detail)
		}
		f.run([]scenario{{name: tt.name + ": unchanged", method: "GET", path: opts, want: 200, fields: saved}})
	}

	before := f.engine.changedCount()
	f.run([]scenario{
		{name: "PATCH merges", method: "PATCH", path: opts, body: `{"retries":0,"timeout":"20s"}`, want: 200,
			fields: map[string]any{"format": "template", "template": tmpl, "method": "PUT", "retries": 0, "timeout": "20s"}},
		{name: "PATCH null resets one field", method: "PATCH", path: opts, body: `{"method":null,"retries":null}`, want: 200,
			fields: map[string]any{"format": "template", "method": "POST", "retries": len(coreTestSchedule)}},
		{name: "PATCH away from template drops it", method: "PATCH", path: opts, body: `{"format":"form","contentType":null}`, want: 200,
			fields: map[string]any{"format": "form", "template": absent, "contentType": "application/x-www-form-urlencoded", "timeout": "20s"}},
		{name: "PUT replaces: missing fields are the defaults", method: "PUT", path: opts, body: `{"method":"PATCH"}`, want: 200,
			fields: map[string]any{"format": "json", "method": "PATCH", "retries": len(coreTestSchedule), "timeout": "20s"}},
		{name: "PUT {} is every default", method: "PUT", path: opts, body: `{}`, want: 200, fields: defaults},
		{name: "PATCH passHeaders", method: "PATCH", path: opts, body: `{"passHeaders":["Content-Type","X-GitHub-Event"]}`, want: 200,
			fields: map[string]any{"format": "json", "passHeaders": []any{"Content-Type", "X-GitHub-Event"}}},
		{name: "PATCH passHeaders null drops them", method: "PATCH", path: opts, body: `{"passHeaders":null}`, want: 200, fields: defaults},
	})
	if got := f.engine.changedCount() - before; got != 7 {
		t.Errorf("EndpointsChanged called %d times for 7 saves, want 7", got)
	}
	// The endpoint itself is untouched by its options, and the other way.
	f.run([]scenario{
		{name: "PATCH options", method: "PATCH", path: opts, body: `{"format":"form"}`, want: 200},
		{name: "PATCH endpoint", method: "PATCH", path: "/api/v1/app/acme/endpoint/main", body: `{"description":"renamed"}`, want: 200},
		{name: "options survive an endpoint update", method: "GET", path: opts, want: 200, fields: map[string]any{"format": "form"}},
	})
}

func TestDeliveryOptionsPreview(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	f.must(201, "POST", "/api/v1/app/acme/endpoint",
		`{"url":"https://user:pw@example.com/hook?token=t0k3n&x=1","uid":"main","secret":"`+testSecret+`"}`)
	f.must(204, "PUT", "/api/v1/app/acme/endpoint/main/headers", `{"headers":{"Authorization":"Bearer s3cret","X-Tenant":"acme"}}`)
	opts := "/api/v1/app/acme/endpoint/main/delivery-options"
	preview := opts + "/preview"

	type out struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	do := func(body string) out {
		t.Helper()
		rec := f.do("", "POST", preview, body)
		if rec.Code != 200 {
			t.Fatalf("POST preview %s = %d %s, want 200", body, rec.Code, rec.Body)
		}
		var o out
		if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		// The signature shown is over the body shown, with the endpoint's
		// key, as the receiver will check it.
		h := http.Header{}
		for k, v := range o.Headers {
			h.Set(k, v)
		}
		ts, _ := time.Parse(time.RFC3339, "2026-03-01T12:00:00Z")
		if err := signature.Verify(testSecret, h, []byte(o.Body), ts, time.Hour); err != nil {
			t.Errorf("preview %s: signature does not verify over the body: %v (headers %v)", body, err, o.Headers)
		}
		return o
	}

	o := do(`{"eventType":"user.created","payload":{"b":1,"a":{"c":"x y"}}}`)
	if o.Method != "POST" || o.Body != `{"b":1,"a":{"c":"x y"}}` || o.Headers["content-type"] != "application/json" {
		t.Errorf("json preview = %+v", o)
	}
	if strings.Contains(o.URL, "pw") || strings.Contains(o.URL, "t0k3n") || !strings.Contains(o.URL, "example.com/hook") {
		t.Errorf("preview url = %q, want it redacted", o.URL)
	}
	if o.Headers["authorization"] != "REDACTED" || o.Headers["x-tenant"] != "acme" || !strings.HasPrefix(o.Headers["webhook-id"], "msg_") {
		t.Errorf("preview headers = %v", o.Headers)
	}

	// Options in the body are tried without being saved.
	o = do(`{"payload":{"contact":{"email":"a@b.c"},"tags":["x"]},"options":{"format":"form","method":"PUT"}}`)
	if o.Method != "PUT" || o.Body != `contact[email]=a%40b.c&tags[0]=x` || o.Headers["content-type"] != "application/x-www-form-urlencoded" {
		t.Errorf("form preview = %+v", o)
	}
	f.run([]scenario{{name: "preview saved nothing", method: "GET", path: opts, want: 200, fields: map[string]any{"format": "json"}}})

	// The saved options, and the event type's example when no payload.
	f.must(200, "PUT", opts, `{"format":"template","template":"{{.eventType}} {{.payload.invoiceId}}","contentType":"text/plain"}`)
	if o = do(`{"eventType":"invoice.paid"}`); o.Body != "invoice.paid in_1" || o.Headers["content-type"] != "text/plain" {
		t.Errorf("template preview of the schema example = %+v", o)
	}
	if o = do(`{}`); o.Body != "hookline.preview " {
		t.Errorf("template preview with nothing = %+v", o)
	}

	// A runaway template meets the step limit, or, on a machine slow
	// enough (the race detector, a busy CI box), the time limit first:
	// either way a 422 that says which.
	runaway := regexp.MustCompile(`range iterations|ran longer than`)
	for _, tt := range []struct {
		body   string
		detail *regexp.Regexp
	}{
		{`{"payload":{},"options":{"format":"template","template":"{{","contentType":"text/plain"}}`, regexp.MustCompile("unclosed action")},
		{`{"payload":{},"options":{"format":"template","template":"{{range 1000000000}}{{end}}","contentType":"text/plain"}}`, runaway},
		{`{"payload":[1],"options":{"format":"form"}}`, regexp.MustCompile("payload must be a JSON object")},
		{`{"eventType":"a b"}`, regexp.MustCompile("eventType must be")},
	} {
		rec := f.do("", "POST", preview, tt.body)
		if rec.Code != 422 || !tt.detail.MatchString(rec.Body.String()) || !strings.Contains(rec.Body.String(), `"code":"validation_failed"`) {
			t.Errorf("POST preview %s = %d %s, want 422 with %q", tt.body, rec.Code, rec.Body, tt.detail)
		}
	}
	f.run([]scenario{{name: "unknown endpoint", method: "POST", path: "/api/v1/app/acme/endpoint/ep_nope/delivery-options/preview", body: `{}`, want: 404}})
}
