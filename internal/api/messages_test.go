package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func TestMessageCreatePayloadExact(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	payload := `{"b":1,"a":"x\u00e9","n":1.50}`
	body := "{\"eventType\":\"user.created\",\n \"payload\":  " + payload + " ,\"channels\":[\"c1\"]}"
	rec := f.do("POST", "/api/v1/app/"+f.app.UID+"/msg", body)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("POST msg = %d %s, want 202", rec.Code, rec.Body)
	}
	var out svix.MessageOut
	decodeStrict(t, rec.Body.Bytes(), &out)
	if out.EventType != "user.created" || out.EventId != nil || !slices.Equal(out.Channels, []string{"c1"}) ||
		!strings.HasPrefix(out.Id, "msg_") || out.Payload["a"] != "x\u00e9" {
		t.Errorf("POST msg answered %+v", out)
	}
	stored, err := f.store.MessageGet(f.ctx, f.app.ID, out.Id)
	if err != nil {
		t.Fatalf("MessageGet: %v", err)
	}
	if !out.Timestamp.Equal(stored.CreatedAt) {
		t.Errorf("timestamp = %v, want the stored creation time %v", out.Timestamp, stored.CreatedAt)
	}
	if string(stored.Payload) != payload {
		t.Errorf("stored payload = %q, want the bytes received %q", stored.Payload, payload)
	}

	rec = f.do("GET", "/api/v1/app/"+f.app.ID+"/msg/"+out.Id, "")
	var got svix.MessageOut
	decodeStrict(t, rec.Body.Bytes(), &got)
	if got.Id != out.Id || !got.Timestamp.Equal(out.Timestamp) || got.Payload["n"] != 1.5 {
		t.Errorf("GET msg = %+v, want %+v", got, out)
	}
	// The answer carries the payload as received, compacted: nothing re-encoded.
	if !strings.Contains(rec.Body.String(), `"payload":`+payload) {
		t.Errorf("GET msg body %s does not hold the payload %s verbatim", rec.Body, payload)
	}
}

func TestMessageCreateValidation(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	long := strings.Repeat("a", 257)
	tests := []struct {
		name  string
		query string
		body  string
		locs  [][]string // each problem's loc, in order
	}{
		{"eventType missing", "", `{"payload":{}}`, [][]string{{"body", "eventType"}}},
		{"eventType invalid", "", `{"eventType":"user created","payload":{}}`, [][]string{{"body", "eventType"}}},
		{"eventType too long", "", `{"eventType":"` + long + `","payload":{}}`, [][]string{{"body", "eventType"}}},
		{"payload missing", "", `{"eventType":"a"}`, [][]string{{"body", "payload"}}},
		{"payload string", "", `{"eventType":"a","payload":"x"}`, [][]string{{"body", "payload"}}},
		{"payload array", "", `{"eventType":"a","payload":[{"a":1}]}`, [][]string{{"body", "payload"}}},
		{"payload null", "", `{"eventType":"a","payload":null}`, [][]string{{"body", "payload"}}},
		{"eventId invalid", "", `{"eventType":"a","payload":{},"eventId":"$$x"}`, [][]string{{"body", "eventId"}}},
		{"eventId empty", "", `{"eventType":"a","payload":{},"eventId":""}`, [][]string{{"body", "eventId"}}},
		{"channels empty", "", `{"eventType":"a","payload":{},"channels":[]}`, [][]string{{"body", "channels"}}},
		{"channels six", "", `{"eventType":"a","payload":{},"channels":["a","b","c","d","e","f"]}`, [][]string{{"body", "channels"}}},
		{"channel invalid", "", `{"eventType":"a","payload":{},"channels":["ok","not ok"]}`, [][]string{{"body", "channels", "1"}}},
		{"retention low", "", `{"eventType":"a","payload":{},"payloadRetentionPeriod":4}`, [][]string{{"body", "payloadRetentionPeriod"}}},
		{"retention high", "", `{"eventType":"a","payload":{},"payloadRetentionPeriod":91}`, [][]string{{"body", "payloadRetentionPeriod"}}},
		{"with_content", "?with_content=maybe", `{"eventType":"a","payload":{}}`, [][]string{{"query", "with_content"}}},
		{"everything at once", "", `{"eventType":"","payload":[],"eventId":"a b","channels":[],"payloadRetentionPeriod":1}`,
			[][]string{{"body", "eventType"}, {"body", "eventId"}, {"body", "payload"}, {"body", "channels"}, {"body", "payloadRetentionPeriod"}}},
		{"wrong type", "", `{"eventType":5,"payload":{}}`, [][]string{{"body", "eventType"}}},
		{"malformed", "", `{"eventType":"a","payload":{`, [][]string{{"body"}}},
		{"empty body", "", ``, [][]string{{"body"}}},
	}
	for _, tt := range tests {
		rec := f.do("POST", "/api/v1/app/"+f.app.ID+"/msg"+tt.query, tt.body)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: POST msg %s = %d %s, want 422", tt.name, tt.body, rec.Code, rec.Body)
			continue
		}
		var verr ValidationError
		decodeStrict(t, rec.Body.Bytes(), &verr)
		var locs [][]string
		for _, d := range verr.Detail {
			locs = append(locs, d.Loc)
		}
		if !slices.EqualFunc(locs, tt.locs, slices.Equal) {
			t.Errorf("%s: POST msg %s problems at %v, want %v", tt.name, tt.body, locs, tt.locs)
		}
	}
	if msgs, err := f.store.MessageList(f.ctx, store.MessageListParams{AppID: f.app.ID, Page: store.Page{Limit: 10}}); err != nil || len(msgs) != 0 {
		t.Errorf("after invalid requests the store holds %d messages (%v), want none", len(msgs), err)
	}
}

func TestMessageCreateTooLarge(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	big := `{"eventType":"a","payload":{"x":"` + strings.Repeat("x", msgTestMaxBody) + `"}}`
	for _, knownLength := range []bool{true, false} {
		req := httptest.NewRequestWithContext(f.ctx, "POST", "/api/v1/app/"+f.app.ID+"/msg", strings.NewReader(big))
		req.Header.Set("Authorization", "Bearer "+f.token)
		if !knownLength {
			req.ContentLength = -1
		}
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":"payload_too_large"`) {
			t.Errorf("POST msg of %d bytes (length known %v) = %d %s, want 413", len(big), knownLength, rec.Code, rec.Body)
		}
	}
}

func TestMessageCreateConflictAndIdempotency(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	path := "/api/v1/app/" + f.app.ID + "/msg"
	first := f.send(`{"eventType":"a","eventId":"evt-1","payload":{"n":1}}`)

	rec := f.do("POST", path, `{"eventType":"a","eventId":"evt-1","payload":{"n":2}}`)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `"code":"conflict"`) {
		t.Errorf("POST msg with a used eventId = %d %s, want 409 conflict", rec.Code, rec.Body)
	}
	// The eventId is unique per app only.
	other := f.newApp("other")
	if rec := f.do("POST", "/api/v1/app/"+other.ID+"/msg", `{"eventType":"a","eventId":"evt-1","payload":{}}`); rec.Code != http.StatusAccepted {
		t.Errorf("POST msg with evt-1 in another app = %d %s, want 202", rec.Code, rec.Body)
	}

	var ids []string
	for i, body := range []string{`{"eventType":"a","payload":{"k":1}}`, `{"eventType":"a","payload":{"k":1}}`, `{"eventType":"b","payload":{"k":2}}`} {
		rec := f.do("POST", path, body, "Idempotency-Key", "key-1")
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST msg #%d with Idempotency-Key = %d %s, want 202", i, rec.Code, rec.Body)
		}
		var out svix.MessageOut
		decodeStrict(t, rec.Body.Bytes(), &out)
		ids = append(ids, out.Id)
	}
	if ids[0] != ids[1] || ids[0] != ids[2] {
		t.Errorf("POST msg with one Idempotency-Key thrice gave ids %v, want one id", ids)
	}
	msgs, err := f.store.MessageList(f.ctx, store.MessageListParams{AppID: f.app.ID, Page: store.Page{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.ID)
	}
	if want := []string{ids[0], first}; !slices.Equal(got, want) {
		t.Errorf("messages stored = %v, want %v", got, want)
	}
}

func TestMessageGetAndExpunge(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	ep := f.endpoint("ep-1", nil)
	base := "/api/v1/app/" + f.app.ID + "/msg"
	id := f.send(`{"eventType":"a","eventId":"evt-9","payload":{"secret":"s"}}`)

	tests := []struct {
		name, path  string
		status      int
		wantPayload string
	}{
		{"by id", base + "/" + id, 200, `{"secret":"s"}`},
		{"by eventId", base + "/evt-9", 200, `{"secret":"s"}`},
		{"without content", base + "/" + id + "?with_content=false", 200, `{}`},
		{"missing", base + "/msg_missing", 404, ""},
		{"other app", "/api/v1/app/" + f.newApp("b").ID + "/msg/" + id, 404, ""},
	}
	for _, tt := range tests {
		rec := f.do("GET", tt.path, "")
		if rec.Code != tt.status {
			t.Errorf("%s: GET %s = %d %s, want %d", tt.name, tt.path, rec.Code, rec.Body, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		var out svix.MessageOut
		decodeStrict(t, rec.Body.Bytes(), &out)
		if p, _ := json.Marshal(out.Payload); out.Id != id || *out.EventId != "evt-9" || string(p) != tt.wantPayload {
			t.Errorf("%s: GET %s = %s, want payload %s", tt.name, tt.path, rec.Body, tt.wantPayload)
		}
	}

	if rec := f.do("DELETE", base+"/evt-9/content", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE content = %d %s, want 204", rec.Code, rec.Body)
	}
	if m, err := f.store.MessageGet(f.ctx, f.app.ID, id); err != nil || m.Payload != nil {
		t.Errorf("after expunge the store holds payload %q (%v), want none", m.Payload, err)
	}
	rec := f.do("GET", base+"/"+id, "")
	if !strings.Contains(rec.Body.String(), `"payload":{"expired":true}`) {
		t.Errorf("GET expunged msg = %s, want payload {\"expired\":true}", rec.Body)
	}
	rec = f.do("POST", base+"/"+id+"/endpoint/"+ep.ID+"/resend", "")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":"missing_payload"`) {
		t.Errorf("resend of an expunged msg = %d %s, want 400 missing_payload", rec.Code, rec.Body)
	}
	if rec := f.do("DELETE", base+"/msg_missing/content", ""); rec.Code != http.StatusNotFound {
		t.Errorf("DELETE content of a missing msg = %d, want 404", rec.Code)
	}
}

func TestMessageList(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	base := "/api/v1/app/" + f.app.ID + "/msg"
	var ids []string // oldest first
	var times []time.Time
	for i := range 7 {
		body := `{"eventType":"type.` + string(rune('a'+i%3)) + `","payload":{"i":` + string(rune('0'+i)) + `}`
		if i%2 == 0 {
			body += `,"channels":["even"]`
		}
		ids = append(ids, f.send(body+"}"))
		m, _ := f.store.MessageGet(f.ctx, f.app.ID, ids[i])
		times = append(times, m.CreatedAt)
	}
	rev := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, ids[i])
		}
		return out
	}
	list := func(query string) svix.ListResponseMessageOut {
		t.Helper()
		rec := f.do("GET", base+query, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET msg%s = %d %s", query, rec.Code, rec.Body)
		}
		var out svix.ListResponseMessageOut
		decodeStrict(t, rec.Body.Bytes(), &out)
		return out
	}
	idsOf := func(l svix.ListResponseMessageOut) []string {
		var out []string
		for _, m := range l.Data {
			out = append(out, m.Id)
		}
		return out
	}

	// Pages of 3, newest first, forward then back.
	p1 := list("?limit=3")
	p2 := list("?limit=3&iterator=" + *p1.Iterator)
	p3 := list("?limit=3&iterator=" + *p2.Iterator)
	back := list("?limit=3&iterator=" + url.QueryEscape(*p2.PrevIterator))
	pages := []struct {
		name string
		got  svix.ListResponseMessageOut
		want []string
		done bool
	}{
		{"page 1", p1, rev(6, 5, 4), false},
		{"page 2", p2, rev(3, 2, 1), false},
		{"page 3", p3, rev(0), true},
		{"back from page 2", back, rev(6, 5, 4), true},
	}
	for _, p := range pages {
		if got := idsOf(p.got); !slices.Equal(got, p.want) || p.got.Done != p.done {
			t.Errorf("%s: ids %v done %v, want %v done %v", p.name, got, p.got.Done, p.want, p.done)
		}
	}

	after := url.QueryEscape(times[2].Format(time.RFC3339Nano))
	before := url.QueryEscape(times[5].Format(time.RFC3339Nano))
	filters := []struct {
		query string
		want  []string
	}{
		{"?event_types=type.a", rev(6, 3, 0)},
		{"?event_types=type.a&event_types=type.b", rev(6, 4, 3, 1, 0)},
		{"?event_types=type.a,type.c", rev(6, 5, 3, 2, 0)},
		{"?event_types[]=type.b", rev(4, 1)},
		{"?channel=even", rev(6, 4, 2, 0)},
		{"?channel=even&event_types=type.a", rev(6, 0)},
		{"?before=" + before, rev(4, 3, 2, 1, 0)},
		{"?after=" + after, rev(6, 5, 4, 3, 2)},
		{"?after=" + after + "&before=" + before, rev(4, 3, 2)},
		// after alone lists the oldest after it, newest first, as Svix.
		{"?after=" + after + "&limit=2", rev(3, 2)},
		{"?before=" + before + "&limit=2", rev(4, 3)},
	}
	for _, tt := range filters {
		if got := idsOf(list(tt.query)); !slices.Equal(got, tt.want) {
			t.Errorf("GET msg%s = %v, want %v", tt.query, got, tt.want)
		}
	}

	l := list("?limit=1&with_content=false")
	if len(l.Data) != 1 || len(l.Data[0].Payload) != 0 {
		t.Errorf("GET msg?with_content=false = %+v, want an empty payload", l.Data)
	}
	l = list("?limit=1")
	if l.Data[0].Payload["i"] != 6.0 {
		t.Errorf("GET msg?limit=1 payload = %v, want {\"i\":6}", l.Data[0].Payload)
	}

	bad := []struct {
		query string
		loc   string
	}{
		{"?limit=-1", "limit"},
		{"?limit=251", "limit"},
		{"?channel=a%20b", "channel"},
		{"?event_types=a,,b", "event_types"},
		{"?before=yesterday", "before"},
		{"?with_content=perhaps", "with_content"},
	}
	for _, tt := range bad {
		rec := f.do("GET", base+tt.query, "")
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `["query","`+tt.loc+`"]`) {
			t.Errorf("GET msg%s = %d %s, want 422 at query.%s", tt.query, rec.Code, rec.Body, tt.loc)
		}
	}
}

func TestMessageAppScope(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	other := f.newApp("other")
	now := f.now()
	plain, hash, _ := webhook.NewTokenSecret()
	if err := f.store.TokenCreate(f.ctx, webhook.Token{ID: webhook.NewID(webhook.PrefixToken, now), Hash: hash, AppID: other.ID, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		app    string
		status int
	}{{other.ID, http.StatusAccepted}, {other.UID, http.StatusAccepted}, {f.app.ID, http.StatusNotFound}, {"app_missing", http.StatusNotFound}} {
		req := httptest.NewRequestWithContext(f.ctx, "POST", "/api/v1/app/"+tt.app+"/msg", strings.NewReader(`{"eventType":"a","payload":{}}`))
		req.Header.Set("Authorization", "Bearer "+plain)
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("POST /app/%s/msg with an app token of %s = %d %s, want %d", tt.app, other.ID, rec.Code, rec.Body, tt.status)
		}
	}
}

// TestOwnedRawAliasesTheBody pins what ownedRaw relies on: json.Unmarshal
// hands UnmarshalJSON a slice of its input, so the payload is the body's
// own bytes (not copied again), exactly as received, and capped.
func TestOwnedRawAliasesTheBody(t *testing.T) {
	t.Parallel()
	body := []byte(`{"eventType":"a.b","payload": {"k":"v\u00e9", "n":1.50} ,"data":null}`)
	var in messageIn
	if err := decodeBytes(body, &in); err != nil {
		t.Fatalf("decodeBytes: %v", err)
	}
	const want = `{"k":"v\u00e9", "n":1.50}`
	if string(in.Payload) != want {
		t.Fatalf("payload = %q, want %q", in.Payload, want)
	}
	start := strings.Index(string(body), want)
	if &in.Payload[0] != &body[start] {
		t.Errorf("payload does not alias the body: encoding/json copied the value it hands UnmarshalJSON")
	}
	if cap(in.Payload) != len(want) {
		t.Errorf("cap(payload) = %d, want %d: an append would write over the body", cap(in.Payload), len(want))
	}
	if string(in.Data) != "null" {
		t.Errorf("data = %q, want null", in.Data)
	}
}
