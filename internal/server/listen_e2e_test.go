package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/cli"
)

// localReceived is what the developer's local server got.
type localReceived struct {
	method, path, query string
	header              http.Header
	body                []byte
	verifyErr           error
}

// TestListenForwardsSignedRequestsToALocalServer runs `hookline listen`
// in this process against a real server: a request signed by the Standard
// Webhooks library and posted to the catch URL reaches a local receiver
// with its method, path, query, headers and body bytes, and the receiver
// verifies the original signature over what it got. Ctrl-C (the context)
// stops it cleanly.
func TestListenForwardsSignedRequestsToALocalServer(t *testing.T) {
	ts := startServer(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan localReceived, 4)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- localReceived{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery,
			header: r.Header.Clone(), body: body, verifyErr: wh.Verify(body, r.Header)}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer local.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- cli.Run(ctx, []string{"listen", local.URL + "/webhooks?src=hookline", "--url", ts.URL, "--token", ts.Token}, &out, &errOut)
	}()
	catchURL := regexp.MustCompile(`Catch URL: (\S+)`)
	eventually(t, 10*time.Second, "listen to print its catch URL", func() bool {
		return catchURL.MatchString(out.String()) && strings.Contains(out.String(), "Forwarding requests to")
	})
	catch := catchURL.FindStringSubmatch(out.String())[1]

	// The stream is open once listen says it forwards; a request posted
	// before that still arrives (the stream starts from the store).
	payload := []byte("{\"type\":\"invoice.paid\",\"note\":\"caf\xc3\xa9 \\u0000\"}")
	msgID, now := "msg_2yZwUhtgs5Ai8T9yRQJXA4bLbVx", time.Now()
	sig, err := wh.Sign(msgID, now, payload)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := send(t, "POST", catch+"/stripe/events?attempt=1", payload,
		"Content-Type", "application/json", "Webhook-Id", msgID,
		"Webhook-Timestamp", strconv.FormatInt(now.Unix(), 10), "Webhook-Signature", sig, "X-Custom", "kept")
	if resp.StatusCode != 200 {
		t.Fatalf("POST catch URL = %d", resp.StatusCode)
	}
	select {
	case r := <-got:
		if r.verifyErr != nil {
			t.Errorf("the local receiver could not verify the forwarded request: %v", r.verifyErr)
		}
		if r.method != "POST" || r.path != "/webhooks/stripe/events" || r.query != "src=hookline&attempt=1" ||
			!bytes.Equal(r.body, payload) || r.header.Get("X-Custom") != "kept" {
			t.Errorf("forwarded = %s %s?%s %q (X-Custom %q), want POST /webhooks/stripe/events?src=hookline&attempt=1 with the exact body",
				r.method, r.path, r.query, r.body, r.header.Get("X-Custom"))
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("nothing forwarded within 15 s\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	eventually(t, 5*time.Second, "listen's line for the request", func() bool {
		return strings.Contains(out.String(), "POST   /stripe/events?attempt=1  -> 202")
	})

	cancel() // Ctrl-C
	select {
	case code := <-exit:
		if code != cli.ExitOK {
			t.Errorf("listen exit code after Ctrl-C = %d, want 0; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listen did not stop within 10 s of Ctrl-C")
	}
}
