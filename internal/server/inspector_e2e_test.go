package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// binOut and captureOut are the inspector API's answers, as a client
// reads them.
type binOut struct {
	ID       string `json:"id"`
	CatchURL string `json:"catchUrl"`
	Keep     int    `json:"keep"`
}

type captureOut struct {
	ID       string              `json:"id"`
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	Query    string              `json:"query"`
	Headers  map[string][]string `json:"headers"`
	Body     *string             `json:"body"`
	BodySize int                 `json:"bodySize"`
}

func (c captureOut) body(t *testing.T) []byte {
	t.Helper()
	if c.Body == nil {
		t.Fatalf("capture %s has no body", c.ID)
	}
	b, err := base64.StdEncoding.DecodeString(*c.Body)
	if err != nil {
		t.Fatalf("capture %s body: %v", c.ID, err)
	}
	return b
}

// newBin makes a bin through the API with the given JSON body.
func (s *testServer) newBin(t *testing.T, body string) binOut {
	t.Helper()
	status, resp := s.do(t, "POST", "/api/v1/inspector/bin", s.Token, []byte(body))
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v1/inspector/bin %s = %d %s", body, status, resp)
	}
	var b binOut
	if err := json.Unmarshal(resp, &b); err != nil || b.CatchURL == "" {
		t.Fatalf("bin %s: %v, no catch URL", resp, err)
	}
	return b
}

// captures lists a bin's captures with the query q.
func (s *testServer) captures(t *testing.T, binID, q string) []captureOut {
	t.Helper()
	status, resp := s.do(t, "GET", "/api/v1/inspector/bin/"+binID+"/request?"+q, s.Token, nil)
	if status != http.StatusOK {
		t.Fatalf("list captures ?%s = %d %s", q, status, resp)
	}
	var page struct{ Data []captureOut }
	if err := json.Unmarshal(resp, &page); err != nil {
		t.Fatal(err)
	}
	return page.Data
}

func send(t *testing.T, method, u string, body []byte, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// binary is a body no text decoder survives: NUL bytes, invalid UTF-8, a
// lone continuation byte, CR LF.
var binary = []byte("\x00\xff\xfe{\"a\":1}\x00\xc3\x28\r\n\x80end")

func TestInspectorCatchesRawAndServesExactBytes(t *testing.T) {
	eachBackend(t, func(t *testing.T, db serverOption) {
		ts := startServer(t, db)
		bin := ts.newBin(t, `{"name":"raw","response":{"status":201,"headers":{"X-Bin":"caught","Content-Type":"text/plain"},"body":"thanks"}}`)
		if !strings.HasPrefix(bin.CatchURL, ts.URL+"/in/bin/bin") {
			t.Fatalf("catchUrl = %q, want %s/in/bin/bin...", bin.CatchURL, ts.URL)
		}

		// Any method, any path below the token, kept as sent (// and %2F
		// too: no redirect to a cleaned path).
		resp, body := send(t, "PUT", bin.CatchURL+"/hooks//a%2Fb?x=1&y=%20", binary,
			"Content-Type", "application/octet-stream", "X-Multi", "one", "X-Multi", "two",
			"Authorization", "Bearer s3cret", "Cookie", "session=abc")
		if resp.StatusCode != 201 || string(body) != "thanks" || resp.Header.Get("X-Bin") != "caught" {
			t.Fatalf("PUT catch URL = %d %q (X-Bin %q), want the bin's 201 thanks", resp.StatusCode, body, resp.Header.Get("X-Bin"))
		}
		list := ts.captures(t, bin.ID, "")
		if len(list) != 1 {
			t.Fatalf("captures = %d, want 1", len(list))
		}
		c := list[0]
		if c.Method != "PUT" || c.Path != "/hooks//a%2Fb" || c.Query != "x=1&y=%20" || c.BodySize != len(binary) || c.Body != nil {
			t.Errorf("listed capture = %s %q ?%q size %d (body in list: %v), want PUT /hooks//a%%2Fb ?x=1&y=%%20 size %d without body",
				c.Method, c.Path, c.Query, c.BodySize, c.Body != nil, len(binary))
		}
		if got := c.Headers["X-Multi"]; len(got) != 2 || got[0] != "one" || got[1] != "two" {
			t.Errorf("X-Multi = %q, want [one two] in order", got)
		}
		if got := c.Headers["Authorization"]; len(got) != 1 || got[0] != "Bearer ****" || c.Headers["Cookie"][0] != "****" {
			t.Errorf("Authorization, Cookie = %q, %q; want masked", got, c.Headers["Cookie"])
		}

		status, one := ts.do(t, "GET", "/api/v1/inspector/bin/"+bin.ID+"/request/"+c.ID, ts.Token, nil)
		var got captureOut
		if status != 200 || json.Unmarshal(one, &got) != nil {
			t.Fatalf("get capture = %d %s", status, one)
		}
		if !bytes.Equal(got.body(t), binary) {
			t.Errorf("capture body = %q, want %q byte for byte", got.body(t), binary)
		}
		if got.Headers["Host"] == nil {
			t.Error("capture has no Host header")
		}
		_, one = ts.do(t, "GET", "/api/v1/inspector/bin/"+bin.ID+"/request/"+c.ID+"?reveal=true", ts.Token, nil)
		_ = json.Unmarshal(one, &got)
		if got.Headers["Authorization"][0] != "Bearer s3cret" || got.Headers["Cookie"][0] != "session=abc" {
			t.Errorf("?reveal=true: Authorization, Cookie = %q, %q; want as sent", got.Headers["Authorization"], got.Headers["Cookie"])
		}
		status, raw := ts.do(t, "GET", "/api/v1/inspector/bin/"+bin.ID+"/request/"+c.ID+"/raw", ts.Token, nil)
		if status != 200 || !bytes.Equal(raw, binary) {
			t.Errorf("raw = %d %q, want 200 and %q byte for byte", status, raw, binary)
		}

		// Past the limit (1 MiB): 413 and nothing stored, with or
		// without a Content-Length to refuse it early.
		big := bytes.Repeat([]byte("x"), 1<<20+1)
		if resp, _ := send(t, "POST", bin.CatchURL, big); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST 1 MiB + 1 = %d, want 413", resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", bin.CatchURL, io.MultiReader(bytes.NewReader(big)))
		req.ContentLength = -1 // chunked: the limit is found while reading
		if resp, err := httpClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST 1 MiB + 1 chunked = %v %v, want 413", resp.StatusCode, err)
		}
		if n := len(ts.captures(t, bin.ID, "")); n != 1 {
			t.Errorf("after two bodies over the limit, captures = %d, want still 1", n)
		}

		// An unknown or malformed token is a 404, as is a deleted bin's.
		for _, u := range []string{ts.URL + "/in/bin/binnope", ts.URL + "/in/bin/", ts.URL + "/in/bin/x/y"} {
			if resp, _ := send(t, "POST", u, nil); resp.StatusCode != 404 {
				t.Errorf("POST %s = %d, want 404", u, resp.StatusCode)
			}
		}
		if status, _ := ts.do(t, "DELETE", "/api/v1/inspector/bin/"+bin.ID, ts.Token, nil); status != 204 {
			t.Fatalf("DELETE bin = %d", status)
		}
		if resp, _ := send(t, "POST", bin.CatchURL, nil); resp.StatusCode != 404 {
			t.Errorf("POST to a deleted bin = %d, want 404", resp.StatusCode)
		}
	})
}

func TestInspectorSearchAndReplay(t *testing.T) {
	eachBackend(t, func(t *testing.T, db serverOption) {
		ts := startServer(t, db)
		bin := ts.newBin(t, `{}`)
		send(t, "POST", bin.CatchURL+"/github", []byte(`{"action":"opened"}`), "X-GitHub-Event", "pull_request", "Content-Type", "application/json")
		send(t, "POST", bin.CatchURL+"/stripe", []byte(`{"type":"invoice.paid"}`), "Stripe-Signature", "t=1,v1=ab")
		send(t, "GET", bin.CatchURL+"/health?probe=1", nil)

		cases := []struct{ q, want string }{
			{"q=x-github-event", "/github"},
			{"q=PULL_REQUEST", "/github"},
			{"q=invoice.paid", "/stripe"},
			{"method=get", "/health"},
			{"path=str", "/stripe"},
		}
		for _, tc := range cases {
			got := ts.captures(t, bin.ID, tc.q)
			if len(got) != 1 || got[0].Path != tc.want {
				t.Errorf("search ?%s = %d captures %v, want one of %s", tc.q, len(got), got, tc.want)
			}
		}
		if got := ts.captures(t, bin.ID, "q=absent-everywhere"); len(got) != 0 {
			t.Errorf("search for absent text = %d captures, want 0", len(got))
		}
		if got := ts.captures(t, bin.ID, "after="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))); len(got) != 0 {
			t.Errorf("search after an hour from now = %d captures, want 0", len(got))
		}

		// Replay the binary one to a loopback receiver (private targets
		// are allowed in tests): it arrives as it was caught.
		send(t, "PATCH", bin.CatchURL+"/bin", binary, "Content-Type", "application/octet-stream", "X-Trace", "t-1", "Authorization", "Basic dTpw")
		c := ts.captures(t, bin.ID, "method=PATCH")[0]
		rcv := newReceiver(t, 202)
		status, resp := ts.do(t, "POST", "/api/v1/inspector/bin/"+bin.ID+"/request/"+c.ID+"/replay", ts.Token,
			[]byte(`{"url":"`+rcv.URL+`/replayed"}`))
		var out struct {
			StatusCode int    `json:"statusCode"`
			Error      string `json:"error"`
		}
		if status != 200 || json.Unmarshal(resp, &out) != nil || out.StatusCode != 202 {
			t.Fatalf("replay = %d %s, want 200 with the receiver's 202", status, resp)
		}
		got := rcv.waitFor(t, 1, 5*time.Second)[0]
		if got.Method != "PATCH" || !bytes.Equal(got.Body, binary) || got.Header.Get("X-Trace") != "t-1" ||
			got.Header.Get("Authorization") != "Basic dTpw" || got.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("replayed = %s %q %v, want PATCH, the exact body and the captured headers", got.Method, got.Body, got.Header)
		}
		if got.Header.Get("Webhook-Signature") != "" {
			t.Errorf("replayed request carries Webhook-Signature %q: a replay is the captured request, not a delivery", got.Header.Get("Webhook-Signature"))
		}
	})
}

func TestInspectorReplayGuarded(t *testing.T) {
	ts := startServer(t, withPrivateTargets(false))
	bin := ts.newBin(t, `{}`)
	send(t, "POST", bin.CatchURL, []byte("x"))
	c := ts.captures(t, bin.ID, "")[0]
	rcv := newReceiver(t)
	status, resp := ts.do(t, "POST", "/api/v1/inspector/bin/"+bin.ID+"/request/"+c.ID+"/replay", ts.Token, []byte(`{"url":"`+rcv.URL+`"}`))
	if status != 200 || !strings.Contains(string(resp), `"statusCode":0`) || !strings.Contains(string(resp), "error") {
		t.Errorf("replay to loopback without --allow-private-targets = %d %s, want no answer and the guard's error", status, resp)
	}
	if rcv.count() != 0 {
		t.Error("the guarded replay reached the loopback receiver")
	}
	status, resp = ts.do(t, "POST", "/api/v1/inspector/bin/"+bin.ID+"/request/"+c.ID+"/replay", ts.Token, []byte(`{"url":"ftp://x"}`))
	if status != 422 || !strings.Contains(string(resp), "validation_failed") {
		t.Errorf("replay to ftp:// = %d %s, want 422 validation_failed", status, resp)
	}
}

// sseEvent is one event of a stream.
type sseEvent struct{ id, event, data string }

// readEvents sends the events of the stream at r to the returned channel
// until it ends.
func readEvents(r io.Reader) <-chan sseEvent {
	ch := make(chan sseEvent, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return ch
}

func TestInspectorStreamFollowsAndResumes(t *testing.T) {
	eachBackend(t, func(t *testing.T, db serverOption) {
		ts := startServer(t, db)
		bin := ts.newBin(t, `{}`)
		// Before the stream: not sent (unless it was caught in the
		// millisecond the stream started, which counts as its start).
		send(t, "POST", bin.CatchURL+"/before", []byte("old"))

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		open := func(lastID string) (*http.Response, <-chan sseEvent) {
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/inspector/bin/"+bin.ID+"/request/stream?reveal=true", nil)
			req.Header.Set("Authorization", "Bearer "+ts.Token)
			if lastID != "" {
				req.Header.Set("Last-Event-ID", lastID)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("stream = %v %v", resp, err)
			}
			return resp, readEvents(resp.Body)
		}
		next := func(events <-chan sseEvent) captureOut {
			t.Helper()
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatal("stream ended")
				}
				var c captureOut
				if ev.event != "request" || json.Unmarshal([]byte(ev.data), &c) != nil || c.ID != ev.id {
					t.Fatalf("event = %+v, want a request event naming its capture", ev)
				}
				return c
			case <-ctx.Done():
				t.Fatal("no event within the test's deadline")
			}
			return captureOut{}
		}
		resp, events := open("")
		send(t, "POST", bin.CatchURL+"/live", binary, "Authorization", "Bearer tok")
		c := next(events)
		if c.Path == "/before" {
			c = next(events)
		}
		if c.Path != "/live" || !bytes.Equal(c.body(t), binary) || c.Headers["Authorization"][0] != "Bearer tok" {
			t.Errorf("streamed = %s %q %v, want /live with the exact body, revealed", c.Path, c.body(t), c.Headers["Authorization"])
		}
		resp.Body.Close()

		// Two captures while no one follows: a client resuming with
		// Last-Event-ID gets both, in order.
		send(t, "POST", bin.CatchURL+"/missed-1", nil)
		send(t, "POST", bin.CatchURL+"/missed-2", nil)
		resp, events = open(c.ID)
		defer resp.Body.Close()
		if a, b := next(events), next(events); a.Path != "/missed-1" || b.Path != "/missed-2" {
			t.Errorf("resumed stream = %s, %s; want /missed-1, /missed-2", a.Path, b.Path)
		}

		// The stream ends when the server stops.
		ts.stop()
		select {
		case _, ok := <-events:
			for ok {
				_, ok = <-events
			}
		case <-ctx.Done():
			t.Fatal("the stream did not end when the server stopped")
		}
	})
}

func TestInspectorDelayCutShortByStop(t *testing.T) {
	ts := startServer(t)
	bin := ts.newBin(t, `{"response":{"status":504,"delay":"30s"}}`)
	status, resp := ts.do(t, "PATCH", "/api/v1/inspector/bin/"+bin.ID, ts.Token, []byte(`{"response":{"delay":"31s"}}`))
	if status != 422 || !strings.Contains(string(resp), "delay") {
		t.Errorf("PATCH delay 31s = %d %s, want 422 naming delay", status, resp)
	}
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post(bin.CatchURL, "text/plain", strings.NewReader("slow"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// The capture is stored before the delay.
	eventually(t, 10*time.Second, "the delayed request's capture", func() bool {
		_, b := ts.do(t, "GET", "/api/v1/inspector/bin/"+bin.ID+"/request", ts.Token, nil)
		return strings.Contains(string(b), `"bodySize":4`)
	})
	start := time.Now()
	ts.stop()
	select {
	case code := <-done:
		if code != 504 {
			t.Errorf("delayed answer at stop = %d, want the bin's 504", code)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("stop took %v with a 30 s delay pending", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the delayed answer did not come when the server stopped")
	}
}

// TestInspectorVerifiesACapturedSignature checks captured requests signed
// by the Standard Webhooks library against settings: the right secret
// verifies, a wrong one and a stale timestamp say why, and settings the
// verify package refuses are a 422.
func TestInspectorVerifiesACapturedSignature(t *testing.T) {
	ts := startServer(t)
	bin := ts.newBin(t, `{}`)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, at time.Time) string {
		t.Helper()
		payload := []byte(`{"type":"invoice.paid"}`)
		sig, err := wh.Sign("msg_1", at, payload)
		if err != nil {
			t.Fatal(err)
		}
		send(t, "POST", bin.CatchURL+path, payload, "Webhook-Id", "msg_1",
			"Webhook-Timestamp", strconv.FormatInt(at.Unix(), 10), "Webhook-Signature", sig)
		return ts.captures(t, bin.ID, "path="+path)[0].ID
	}
	fresh, stale := post("/fresh", time.Now()), post("/stale", time.Now().Add(-10*time.Minute))
	check := func(capID, cfg string) (int, map[string]any) {
		t.Helper()
		status, resp := ts.do(t, "POST", "/api/v1/inspector/bin/"+bin.ID+"/request/"+capID+"/verify", ts.Token, []byte(cfg))
		var out map[string]any
		_ = json.Unmarshal(resp, &out)
		return status, out
	}
	if status, out := check(fresh, `{"scheme":"standard-webhooks","secret":"`+secret+`"}`); status != 200 || out["ok"] != true {
		t.Errorf("verify with the signing secret = %d %v, want ok", status, out)
	}
	status, out := check(fresh, `{"scheme":"standard-webhooks","secret":"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","previousSecrets":["`+secret+`"]}`)
	if status != 200 || out["ok"] != true || !strings.Contains(fmt.Sprint(out["reason"]), "previousSecrets[0]") {
		t.Errorf("verify with the signing secret as previous = %d %v, want ok naming previousSecrets[0]", status, out)
	}
	status, out = check(fresh, `{"scheme":"standard-webhooks","secret":"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)
	if status != 200 || out["ok"] != false || out["reason"] == "" || out["secrets"] == nil {
		t.Errorf("verify with another secret = %d %v, want not ok, a reason and the secrets tried", status, out)
	}
	status, out = check(stale, `{"scheme":"standard-webhooks","secret":"`+secret+`"}`)
	if status != 200 || out["ok"] != false || !strings.Contains(fmt.Sprint(out["reason"]), "old") || out["timestamp"] == nil {
		t.Errorf("verify a request signed 10 min before it arrived = %d %v, want not ok, saying how old", status, out)
	}
	if status, out := check(fresh, `{"scheme":"md5-please","secret":"x"}`); status != 422 || out["code"] != "validation_failed" {
		t.Errorf("verify with an unknown scheme = %d %v, want 422 validation_failed", status, out)
	}
	if strings.Contains(fmt.Sprint(out), secret) {
		t.Errorf("a verify answer echoes the secret: %v", out)
	}
}
