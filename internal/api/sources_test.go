package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// sourceTokenOutT is SourceWithTokenOut as a test reads it.
type sourceTokenOutT struct {
	ID        string          `json:"id"`
	Token     string          `json:"token"`
	IngestURL string          `json:"ingestUrl"`
	Verify    json.RawMessage `json:"verify"`
}

func TestSources(t *testing.T) {
	t.Parallel()
	f, appID, _ := endpointFixture(t)
	portal := f.token(appID)

	// Create, with every default, and the token shown once.
	rec := f.do("", "POST", "/api/v1/source", `{"name":"Stripe live","verify":{"scheme":"stripe","secret":"whsec_live","tolerance":"10m0s"},
		"forward":{"app":{"appId":"acme","eventTypeField":"type"}}}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /api/v1/source = %d %s, want 201", rec.Code, rec.Body)
	}
	var created sourceTokenOutT
	if !sdkDecodeAs(t, "SourceWithTokenOut", rec.Body.Bytes(), &created) {
		t.Fatalf("POST /api/v1/source answered %s", rec.Body)
	}
	if !strings.HasPrefix(created.Token, inbound.TokenPrefix) || created.IngestURL != "https://hooks.example.com/in/"+created.Token {
		t.Errorf("created token %q, ingestUrl %q; want %s... and https://hooks.example.com/in/<token>", created.Token, created.IngestURL, inbound.TokenPrefix)
	}
	if strings.Contains(rec.Body.String(), "whsec_live") {
		t.Errorf("POST /api/v1/source answered the secret: %s", rec.Body)
	}
	stored, err := f.store.SourceGetByTokenHash(f.ctx, webhook.HashToken(created.Token))
	if err != nil || stored.ID != created.ID || stored.Verify.Secret != "whsec_live" || stored.Forward.App.AppID != appID {
		t.Fatalf("the store's source by token hash = %+v, %v; want %s with its secret and app %s", stored, err, created.ID, appID)
	}
	src := "/api/v1/source/" + created.ID
	defaults := map[string]any{
		"id": created.ID, "name": "Stripe live",
		"verify":   map[string]any{"scheme": "stripe", "secret": redactedSecret, "tolerance": "10m0s"},
		"response": map[string]any{"status": 202, "body": "{}", "contentType": "application/json"},
		"methods":  []string{"POST"}, "bodyLimit": 1 << 20, "rateLimit": 0,
		"forward": map[string]any{"app": map[string]any{"appId": appID, "eventTypeField": "type"}},
		"token":   absent, "ingestUrl": absent,
	}
	checkOut := func(schema string) func(t *testing.T, body []byte) {
		return func(t *testing.T, body []byte) {
			var v any
			sdkDecodeAs(t, schema, body, &v)
		}
	}
	f.run([]scenario{
		{name: "get shows the defaults, secret redacted, no token", method: "GET", path: src, want: 200, fields: defaults, check: checkOut("SourceOut")},
		{name: "no token", token: noToken, method: "GET", path: src, want: 401},
		{name: "an app's token", token: portal, method: "GET", path: src, want: 403},
		{name: "an app's token cannot create", token: portal, method: "POST", path: "/api/v1/source", body: `{"name":"x","verify":{"scheme":"none"}}`, want: 403},
		{name: "unknown source", method: "GET", path: "/api/v1/source/" + webhook.NewID(webhook.PrefixSource, f.now()), want: 404, fields: map[string]any{"code": "not_found"}},
		{name: "not a source ID", method: "GET", path: "/api/v1/source/acme", want: 404, fields: map[string]any{"code": "not_found"}},
		{name: "trailing slash", method: "GET", path: src + "/", want: 200},
		{name: "bad limit", method: "GET", path: "/api/v1/source?limit=300", want: 422, errLoc: []string{"query", "limit"}},
		{name: "bad iterator", method: "GET", path: "/api/v1/source?iterator=app_1", want: 422, errLoc: []string{"query", "iterator"}},
	})

	// Every refusal is a 422 {code, detail} naming the field, and creates
	// or changes nothing.
	bad := []struct{ name, method, path, body, detail string }{
		{"no name, no verify", "POST", "/api/v1/source", `{}`, "name: required; verify: required"},
		{"unknown scheme", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"hmac-sha256","secret":"s"}}`, `verify.scheme: unknown scheme "hmac-sha256"`},
		{"no secret", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"github"}}`, "verify.secret: required"},
		{"a setting of another scheme", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"github","secret":"s","username":"u"}}`, "verify.username: not a setting of the github scheme"},
		{"unknown field", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none"},"forwrd":{}}`, `unknown field "forwrd"`},
		{"unknown nested field", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none","sekret":"s"}}`, `unknown field "sekret"`},
		{"status not 2xx", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none"},"response":{"status":500}}`, "response.status: must be a 2xx"},
		{"unknown method", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none"},"methods":["BREW"]}`, `methods.0: "BREW" is not one of`},
		{"no such app", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none"},"forward":{"app":{"appId":"nope","eventType":"a.b"}}}`, "forward.app.appId: no such app"},
		{"two event types", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none"},"forward":{"app":{"appId":"acme","eventType":"a.b","eventTypeHeader":"X-Event"}}}`, "forward.app: set exactly one"},
		{"bad destination", "POST", "/api/v1/source", `{"name":"x","verify":{"scheme":"none"},"forward":{"destinations":[{"url":"not a url"}]}}`, "forward.destinations.0.url"},
		{"not JSON", "POST", "/api/v1/source", `{"name":`, "invalid JSON"},
		{"patch to an empty name", "PATCH", src, `{"name":""}`, "name: must not be empty"},
		{"patch a new scheme without its secret", "PATCH", src, `{"verify":{"scheme":"github"}}`, "verify.secret: required"},
		{"patch the redacted placeholder back", "PATCH", src, `{"verify":{"scheme":"stripe","secret":"` + redactedSecret + `"}}`, "verify.secret: is the redacted placeholder"},
	}
	for _, tt := range bad {
		rec := f.do("", tt.method, tt.path, tt.body)
		var got struct{ Code, Detail string }
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusUnprocessableEntity || got.Code != "validation_failed" || !strings.Contains(got.Detail, tt.detail) {
			t.Errorf("%s: %s %s %s = %d %s, want 422 validation_failed with %q", tt.name, tt.method, tt.path, tt.body, rec.Code, rec.Body, tt.detail)
		}
	}
	f.run([]scenario{{name: "unchanged after the refusals", method: "GET", path: src, want: 200, fields: defaults}})
	if srcs, _ := f.store.SourceList(f.ctx, store.SourceListParams{Page: store.Page{Limit: 10}}); len(srcs) != 1 {
		t.Errorf("after the refused creates the store has %d sources, want 1", len(srcs))
	}

	// PATCH changes what it names; a verify without secret keeps it.
	f.run([]scenario{
		{name: "patch", method: "PATCH", path: src,
			body: `{"name":"Stripe","verify":{"scheme":"stripe","tolerance":"1m0s"},"response":{"status":200,"body":"ok","contentType":"text/plain"},"methods":["POST","PUT"],"rateLimit":10}`,
			want: 200, fields: map[string]any{"name": "Stripe", "verify": map[string]any{"scheme": "stripe", "secret": redactedSecret, "tolerance": "1m0s"},
				"response": map[string]any{"status": 200, "body": "ok", "contentType": "text/plain"}, "methods": []string{"POST", "PUT"}, "rateLimit": 10,
				"bodyLimit": 1 << 20}, check: checkOut("SourceOut")},
		{name: "patch to no forward", method: "PATCH", path: src, body: `{"forward":{}}`, want: 200, fields: map[string]any{"forward": map[string]any{}}},
	})
	if got, err := f.store.SourceGet(f.ctx, created.ID); err != nil || got.Verify.Secret != "whsec_live" || got.Forward.App != nil {
		t.Errorf("after the patches the store has secret %q, forward %+v (%v); want whsec_live kept and no forward", got.Verify.Secret, got.Forward, err)
	}
	f.run([]scenario{{name: "patch a new secret", method: "PATCH", path: src, body: `{"verify":{"scheme":"stripe","secret":"whsec_new","previousSecrets":["whsec_live"]}}`, want: 200}})
	if got, _ := f.store.SourceGet(f.ctx, created.ID); got.Verify.Secret != "whsec_new" || len(got.Verify.PreviousSecrets) != 1 {
		t.Errorf("after patching a secret the store has %q %v, want whsec_new [whsec_live]", got.Verify.Secret, got.Verify.PreviousSecrets)
	}

	// Rotating the token: a new one, shown once; the old one finds
	// nothing.
	rec = f.do("", "POST", src+"/rotate-token", "")
	var rotated sourceTokenOutT
	if rec.Code != http.StatusOK || !sdkDecodeAs(t, "SourceWithTokenOut", rec.Body.Bytes(), &rotated) || rotated.Token == created.Token || rotated.ID != created.ID {
		t.Fatalf("POST rotate-token = %d %s, want 200 with a new token", rec.Code, rec.Body)
	}
	if _, err := f.store.SourceGetByTokenHash(f.ctx, webhook.HashToken(created.Token)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old token after a rotation finds %v, want ErrNotFound", err)
	}
	if got, err := f.store.SourceGetByTokenHash(f.ctx, webhook.HashToken(rotated.Token)); err != nil || got.ID != created.ID {
		t.Errorf("the new token finds %q, %v; want %s", got.ID, err, created.ID)
	}
	f.run([]scenario{{name: "rotate an unknown source", method: "POST", path: "/api/v1/source/" + webhook.NewID(webhook.PrefixSource, f.now()) + "/rotate-token", want: 404}})

	// The list pages by iterator, oldest first.
	for i := range 3 {
		f.must(201, "POST", "/api/v1/source", fmt.Sprintf(`{"name":"s%d","verify":{"scheme":"none"}}`, i))
	}
	var ids []string
	path := "/api/v1/source?limit=2"
	for range 3 {
		rec := f.do("", "GET", path, "")
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Iterator *string `json:"iterator"`
			Done     bool    `json:"done"`
		}
		if rec.Code != 200 || !sdkDecodeAs(t, "ListResponseSourceOut", rec.Body.Bytes(), &page) {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		for _, d := range page.Data {
			ids = append(ids, d.ID)
		}
		if page.Done {
			break
		}
		path = "/api/v1/source?limit=2&iterator=" + *page.Iterator
	}
	if len(ids) != 4 || ids[0] != created.ID {
		t.Errorf("the pages list %v, want 4 sources, %s first", ids, created.ID)
	}

	f.run([]scenario{
		{name: "delete", method: "DELETE", path: src, want: 204},
		{name: "gone", method: "GET", path: src, want: 404},
		{name: "delete again", method: "DELETE", path: src, want: 404},
	})
}

func TestSourceRequests(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	var created sourceTokenOutT
	rec := f.do("", "POST", "/api/v1/source", `{"name":"GitHub","verify":{"scheme":"github","secret":"s3cret"}}`)
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &created) != nil {
		t.Fatalf("POST /api/v1/source = %d %s", rec.Code, rec.Body)
	}
	other := f.must(201, "POST", "/api/v1/source", `{"name":"Other","verify":{"scheme":"none"}}`)["id"].(string)
	body := []byte("{\"zen\":\"x\"}\x00\xff\xfe binary")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var reqs []inbound.Request
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Second)
		req := inbound.Request{
			ID: webhook.NewID(webhook.PrefixInboundRequest, at), SourceID: created.ID, Method: "POST", Path: "/hooks", Query: "x=1",
			Header: http.Header{"Authorization": {"Bearer abc"}, "Cookie": {"c=1"}, "X-Github-Delivery": {fmt.Sprint("d", i)}, "X-Hub-Signature-256": {"sha256=00"}},
			Body:   body, RemoteAddr: "192.0.2.1:5000", Verified: i != 1, DeliveryID: fmt.Sprint("d", i), ReceivedAt: at,
		}
		if i == 1 {
			req.Reason = "signature does not match the body"
		} else {
			req.MessageIDs = []string{webhook.NewID(webhook.PrefixMessage, at)}
		}
		if err := f.store.InboundRequestCreate(f.ctx, req); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	list := "/api/v1/source/" + created.ID + "/request"

	// The list: newest first, no bodies, credentials masked.
	rec = f.do("", "GET", list+"?limit=2", "")
	var page struct {
		Data     []map[string]any `json:"data"`
		Iterator string           `json:"iterator"`
		Done     bool             `json:"done"`
	}
	if rec.Code != 200 || !sdkDecodeAs(t, "ListResponseInboundRequestOut", rec.Body.Bytes(), &page) {
		t.Fatalf("GET %s = %d %s", list, rec.Code, rec.Body)
	}
	if len(page.Data) != 2 || page.Data[0]["id"] != reqs[2].ID || page.Data[1]["id"] != reqs[1].ID || page.Done {
		t.Fatalf("the first page = %s, want %s then %s, not done", rec.Body, reqs[2].ID, reqs[1].ID)
	}
	if _, ok := page.Data[0]["body"]; ok || strings.Contains(rec.Body.String(), "Bearer abc") || strings.Contains(rec.Body.String(), "c=1") {
		t.Errorf("the list shows a body or an unmasked credential: %s", rec.Body)
	}
	if page.Data[1]["verified"] != false || page.Data[1]["reason"] != "signature does not match the body" {
		t.Errorf("the failed request shows verified %v reason %v", page.Data[1]["verified"], page.Data[1]["reason"])
	}
	f.run([]scenario{
		{name: "the next page", method: "GET", path: list + "?limit=2&iterator=" + page.Iterator, want: 200,
			check: func(t *testing.T, b []byte) {
				if !strings.Contains(string(b), reqs[0].ID) || !strings.Contains(string(b), `"done":true`) {
					t.Errorf("the second page = %s, want %s and done", b, reqs[0].ID)
				}
			}},
		{name: "bad iterator", method: "GET", path: list + "?iterator=src_x", want: 422, errLoc: []string{"query", "iterator"}},
		{name: "another source's list is empty", method: "GET", path: "/api/v1/source/" + other + "/request", want: 200, fields: map[string]any{"data": []any{}, "done": true}},
		{name: "unknown source", method: "GET", path: "/api/v1/source/" + webhook.NewID(webhook.PrefixSource, t0) + "/request", want: 404},
	})

	// One request: the exact bytes, credentials masked unless revealed.
	one := list + "/" + reqs[0].ID
	var got struct {
		Body        string              `json:"body"`
		Headers     map[string][]string `json:"headers"`
		DeliveryID  *string             `json:"deliveryId"`
		DuplicateOf *string             `json:"duplicateOf"`
		MessageIDs  []string            `json:"messageIds"`
		Verified    bool                `json:"verified"`
		ReceivedAt  string              `json:"receivedAt"`
	}
	for _, reveal := range []bool{false, true} {
		path := one
		if reveal {
			path += "?reveal=true"
		}
		rec := f.do("", "GET", path, "")
		if rec.Code != 200 || !sdkDecodeAs(t, "InboundRequestOut", rec.Body.Bytes(), &got) {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		if b, err := base64.StdEncoding.DecodeString(got.Body); err != nil || string(b) != string(body) {
			t.Errorf("GET %s: body %q decodes to %q (%v), want %q", path, got.Body, b, err, body)
		}
		wantAuth, wantCookie := inbound.Masked, inbound.Masked
		if reveal {
			wantAuth, wantCookie = "Bearer abc", "c=1"
		}
		if got.Headers["Authorization"][0] != wantAuth || got.Headers["Cookie"][0] != wantCookie || got.Headers["X-Hub-Signature-256"][0] != "sha256=00" {
			t.Errorf("GET %s: headers %v, want Authorization %q, Cookie %q and the signature as sent", path, got.Headers, wantAuth, wantCookie)
		}
		if got.DeliveryID == nil || *got.DeliveryID != "d0" || got.DuplicateOf != nil || len(got.MessageIDs) != 1 || !got.Verified || got.ReceivedAt != "2026-03-01T12:00:00.000Z" {
			t.Errorf("GET %s = %+v", path, got)
		}
	}
	f.run([]scenario{
		{name: "another source's request", method: "GET", path: "/api/v1/source/" + other + "/request/" + reqs[0].ID, want: 404},
		{name: "not a request ID", method: "GET", path: list + "/msg_1", want: 404},
		{name: "bad reveal", method: "GET", path: one + "?reveal=maybe", want: 422, errLoc: []string{"query", "reveal"}},
		{name: "another admin token", token: f.token(""), method: "GET", path: one, want: 200},
		{name: "deleting the source", method: "DELETE", path: "/api/v1/source/" + created.ID, want: 204},
		{name: "deletes its requests", method: "GET", path: one, want: 404},
	})
}

// TestSourceDocsExample creates a source from each JSON example of the
// "## Sources" section of docs/inbound.md, so the documented body stays
// one the API takes (its app named by the fixture's uid).
func TestSourceDocsExample(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	doc, err := os.ReadFile("../../docs/inbound.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Sources\n")
	if !ok {
		t.Fatal("docs/inbound.md has no ## Sources section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	n := 0
	for rest := section; ; n++ {
		_, block, ok := strings.Cut(rest, "\n```json\n")
		if !ok {
			break
		}
		block, rest, _ = strings.Cut(block, "\n```\n")
		body := strings.ReplaceAll(block, "app_or_uid", "acme")
		if rec := f.do("", "POST", "/api/v1/source", body); rec.Code != http.StatusCreated {
			t.Errorf("POST /api/v1/source with the docs' example %s = %d %s, want 201", block, rec.Code, rec.Body)
		}
	}
	if n == 0 {
		t.Error("the ## Sources section of docs/inbound.md has no JSON example")
	}
}
