package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// TestCustomHeadersAreSentOrRefused saves custom headers on a real
// server: what is accepted reaches the receiver byte for byte, and what
// the sender could not send (control characters, headers the sender or
// the transport owns, too many or too large) is refused with a 422 when
// saved, leaving the headers as they were.
func TestCustomHeadersAreSentOrRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rcv := newReceiver(t)
	app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"})
	headersPath := "/api/v1/app/" + app.Id + "/endpoint/" + eps[0].Id + "/headers"

	var printable strings.Builder
	for c := 0x21; c < 0x7f; c++ {
		printable.WriteByte(byte(c))
		printable.WriteByte(' ')
	}
	printable.WriteByte('x')
	want := map[string]string{
		"X-Printable": printable.String(),
		"X-Tab":       "a\tb",
		"X-Utf8":      "Grüße, 東京",
		"X-Long":      strings.Repeat("v", 4096),
	}
	body, _ := json.Marshal(map[string]any{"headers": want})
	if code, b := s.do(t, "PUT", headersPath, s.Token, body); code != http.StatusNoContent {
		t.Fatalf("PUT headers = %d %s, want 204", code, b)
	}

	many := map[string]string{}
	for i := range 2000 {
		many[fmt.Sprintf("X-H%04d", i)] = strings.Repeat("v", 94)
	}
	manyBody, _ := json.Marshal(map[string]any{"headers": many})
	if len(manyBody) < 200_000 {
		t.Fatalf("the 2,000-header body is %d bytes, want 200 kB", len(manyBody))
	}
	refused := []struct{ name, method, body string }{
		{"0x01 in a value", "PUT", `{"headers":{"X-A":"a\u0001b"}}`},
		{"0x7f in a value", "PATCH", `{"headers":{"X-A":"a\u007fb"}}`},
		{"0x1f in a value", "PATCH", `{"headers":{"X-A":"a\u001fb"}}`},
		{"a trailing space", "PATCH", `{"headers":{"X-A":"a "}}`},
		{"Content-Type", "PATCH", `{"headers":{"Content-Type":"text/plain"}}`},
		{"User-Agent", "PUT", `{"headers":{"User-Agent":"mine"}}`},
		{"Trailer", "PATCH", `{"headers":{"Trailer":"X-A"}}`},
		{"x-amz- prefix", "PATCH", `{"headers":{"X-Amz-Date":"1"}}`},
		{"svix- prefix", "PATCH", `{"headers":{"svix-id":"1"}}`},
		{"2,000 headers, 200 kB", "PUT", string(manyBody)},
		{"a PATCH past the total", "PATCH", `{"headers":{"X-More":"` + strings.Repeat("v", 4000) + `"}}`},
	}
	for _, tc := range refused {
		code, b := s.do(t, tc.method, headersPath, s.Token, []byte(tc.body))
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"headers"`) {
			t.Errorf("%s: %s headers = %d %s, want 422 at body.headers", tc.name, tc.method, code, b)
		}
	}

	if code, b := s.do(t, "POST", "/api/v1/app/"+app.Id+"/msg", s.Token, []byte(`{"eventType":"a.b","payload":{}}`)); code != http.StatusAccepted {
		t.Fatalf("POST msg = %d %s", code, b)
	}
	got := rcv.waitFor(t, 1, 10*time.Second)[0]
	for k, v := range want {
		if got.Header.Get(k) != v {
			t.Errorf("delivered %s = %q, want %q", k, got.Header.Get(k), v)
		}
	}
	for _, k := range []string{"X-A", "X-More", "Trailer", "X-Amz-Date"} {
		if v, ok := got.Header[k]; ok {
			t.Errorf("delivered a refused header %s = %q", k, v)
		}
	}
	if ua := got.Header.Get("User-Agent"); ua == "mine" || ua == "" {
		t.Errorf("delivered User-Agent = %q, want the sender's own", ua)
	}
}

// TestInvalidUTF8IsRefused sends bodies with raw bytes that are not UTF-8
// (which JSON, RFC 8259 section 8.1, does not allow) to a real server:
// each is a 422, and nothing is stored, so no message can later be read
// back as invalid JSON.
func TestInvalidUTF8IsRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	app, _ := setup(t, s)
	for _, tc := range []struct{ path, body string }{
		{"/api/v1/app/" + app.Id + "/msg", "{\"eventType\":\"a.b\",\"payload\":{\"s\":\"\xff\xfe\"}}"},
		{"/api/v1/app/" + app.Id + "/msg", "{\"eventType\":\"a.b\",\"payload\":{\"\xc3\":1}}"},
		{"/api/v1/app/" + app.Id + "/msg", "{\"eventType\":\"a.b\",\"payload\":{\"s\":\"\xed\xa0\x80\"}}"},
		{"/api/v1/app", "{\"name\":\"caf\xe9\"}"},
	} {
		code, b := s.do(t, "POST", tc.path, s.Token, []byte(tc.body))
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "UTF-8") {
			t.Errorf("POST %s %q = %d %s, want 422 naming UTF-8", tc.path, tc.body, code, b)
		}
	}
	code, b := s.do(t, "GET", "/api/v1/app/"+app.Id+"/msg", s.Token, nil)
	if code != http.StatusOK || !strings.Contains(string(b), `"data":[]`) {
		t.Errorf("messages after refusals = %d %s, want none", code, b)
	}
	code, b = s.do(t, "GET", "/api/v1/app", s.Token, nil)
	if code != http.StatusOK || strings.Count(string(b), `"id"`) != 1 {
		t.Errorf("apps after refusals = %d %s, want the one app", code, b)
	}
}
