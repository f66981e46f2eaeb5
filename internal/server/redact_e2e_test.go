package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"
)

// deadPort returns a loopback port nothing listens on: it was bound, then
// closed, so a connection to it is refused.
func deadPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	return port
}

// TestURLCredentialsAreRedacted runs a real server at debug level with an
// endpoint whose URL carries a password, a token and an API key, lets its
// attempts fail (connection refused), triggers a 422 with such a URL, and
// checks that none of the secrets reaches the log, the attempts' response
// texts or the error body, while the owner still reads the URL verbatim.
func TestURLCredentialsAreRedacted(t *testing.T) {
	t.Parallel()
	secrets := []string{"s3cretPass", "t0kenValue", "k3yValue"}
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rawURL := "http://user:s3cretPass@127.0.0.1:" + strconv.Itoa(deadPort(t)) + "/hook?token=t0kenValue&api_key=k3yValue"
		app, eps := setup(t, s, &svix.EndpointIn{Url: rawURL})
		ep := eps[0]

		var msgIDs []string
		for i := range 2 {
			m, err := s.Client.Message.Create(ctx, app.Id, svix.MessageIn{
				EventType: "user.signup", Payload: map[string]any{"n": i},
			}, nil)
			if err != nil {
				t.Fatalf("Message.Create: %v", err)
			}
			msgIDs = append(msgIDs, m.Id)
		}
		// Three attempts each (the harness retries after 50 ms and 100 ms),
		// all refused.
		for _, id := range msgIDs {
			waitDestination(t, s, app.Id, id, statusFail, "every attempt refused and the schedule exhausted")
		}

		// A 422 for an invalid scheme, with the same credentials in the URL.
		badURL := strings.Replace(rawURL, "http://", "ftp://", 1)
		body, _ := json.Marshal(map[string]string{"url": badURL})
		code, errBody := s.do(t, "POST", "/api/v1/app/"+app.Id+"/endpoint", s.Token, body)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("POST endpoint %q = %d %s, want 422", badURL, code, errBody)
		}

		code, attemptsBody := s.do(t, "GET", "/api/v1/app/"+app.Id+"/attempt/endpoint/"+ep.Id, s.Token, nil)
		if code != http.StatusOK {
			t.Fatalf("list attempts = %d %s", code, attemptsBody)
		}
		var attempts struct {
			Data []struct {
				Response string `json:"response"`
				Status   int    `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal(attemptsBody, &attempts); err != nil {
			t.Fatalf("decode attempts %s: %v", attemptsBody, err)
		}
		if len(attempts.Data) != 6 {
			t.Fatalf("attempts = %d, want 6 (two messages, three attempts each): %s", len(attempts.Data), attemptsBody)
		}

		got, err := s.Client.Endpoint.Get(ctx, app.Id, ep.Id)
		if err != nil {
			t.Fatalf("Endpoint.Get: %v", err)
		}
		if got.Url != rawURL {
			t.Errorf("GET endpoint url = %q, want it verbatim %q", got.Url, rawURL)
		}

		s.stop() // every log line is written
		logs := s.Logs.String()
		// The log must say where the attempts went, or the check below
		// would pass on a log that never mentions the endpoint.
		if !strings.Contains(logs, "attempt got no response") || !strings.Contains(logs, "url=\"http://REDACTED@127.0.0.1:") {
			t.Errorf("the log has no failed attempt with its redacted URL:\n%s", logs)
		}
		for _, secret := range secrets {
			if strings.Contains(logs, secret) {
				t.Errorf("the server log contains %q:\n%s", secret, logs)
			}
			if strings.Contains(string(errBody), secret) {
				t.Errorf("the 422 body contains %q: %s", secret, errBody)
			}
			for _, a := range attempts.Data {
				if a.Response == "" {
					t.Errorf("an attempt has no response text: %s", attemptsBody)
				}
				if strings.Contains(a.Response, secret) {
					t.Errorf("attempt response %q contains %q", a.Response, secret)
				}
			}
		}
	})
}
