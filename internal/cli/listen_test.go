package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestListenUsage(t *testing.T) {
	noEnv := deps{getenv: func(string) string { return "" }}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"listen", "http://localhost:3000"}, "an admin token is needed"},
		{[]string{"listen", "localhost:3000", "--token", "t"}, "is not an http:// or https:// URL"},
		{[]string{"listen", "http://localhost:3000", "--token", "t", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"listen"}, "accepts 1 arg"},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		code := run(t.Context(), tc.args, &out, &errOut, noEnv)
		if code != ExitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("run(%q) = %d %q, want %d naming %q", tc.args, code, errOut.String(), ExitUsage, tc.want)
		}
	}
}

func TestLocalTarget(t *testing.T) {
	cases := []struct{ local, path, query, want string }{
		{"http://localhost:3000/webhooks", "", "", "http://localhost:3000/webhooks"},
		{"http://localhost:3000/webhooks", "/stripe", "a=1", "http://localhost:3000/webhooks/stripe?a=1"},
		{"http://localhost:3000/webhooks/", "/a%2Fb", "", "http://localhost:3000/webhooks/a%2Fb"},
		{"http://localhost:3000", "/x", "", "http://localhost:3000/x"},
		{"http://localhost:3000/?k=v", "/x", "a=1", "http://localhost:3000/x?k=v&a=1"},
	}
	for _, tc := range cases {
		u, _ := url.Parse(tc.local)
		if got := localTarget(u, tc.path, tc.query); got != tc.want {
			t.Errorf("localTarget(%q, %q, %q) = %q, want %q", tc.local, tc.path, tc.query, got, tc.want)
		}
	}
}

// TestListenResumesAfterTheStreamDrops serves the inspector API from a
// stand-in whose stream sends one capture and then drops: listen comes
// back with Last-Event-ID, gets the next one, and forwards both once.
func TestListenResumesAfterTheStreamDrops(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	event := func(id, path string) string {
		return fmt.Sprintf("id: %s\nevent: request\ndata: {\"id\":%q,\"method\":\"POST\",\"path\":%q,\"headers\":{\"X-N\":[%q]},\"body\":%q}\n\n",
			id, id, path, id, base64.StdEncoding.EncodeToString([]byte("body of "+id)))
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v1/inspector/bin":
			w.WriteHeader(201)
			io.WriteString(w, `{"id":"bin_1","catchUrl":"http://example.test/in/bin/bintok"}`)
		case r.URL.Path == "/api/v1/inspector/bin/bin_1/request/stream":
			mu.Lock()
			lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
			n := len(lastIDs)
			mu.Unlock()
			w.Header().Set("Content-Type", "text/event-stream")
			switch n {
			case 1:
				io.WriteString(w, event("cap_1", "/one")) // then the stream drops
			case 2:
				io.WriteString(w, event("cap_2", "/two"))
				w.(http.Flusher).Flush()
				<-r.Context().Done() // stays open until listen stops
			}
		default:
			w.WriteHeader(404)
		}
	}))
	defer api.Close()
	got := make(chan string, 4)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + r.Header.Get("X-N") + " " + string(body)
	}))
	defer local.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"listen", local.URL + "/hooks", "--url", api.URL, "--token", "tok"}, &out, &errOut,
			deps{getenv: func(string) string { return "" }})
	}()
	for _, want := range []string{"/hooks/one cap_1 body of cap_1", "/hooks/two cap_2 body of cap_2"} {
		select {
		case g := <-got:
			if g != want {
				t.Errorf("forwarded %q, want %q", g, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("nothing more forwarded within 10 s; want %q\nstdout:\n%s\nstderr:\n%s", want, out.String(), errOut.String())
		}
	}
	cancel()
	select {
	case code := <-exit:
		if code != ExitOK {
			t.Errorf("exit code = %d, want 0; stderr: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listen did not stop within 10 s of its context's end")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lastIDs) != 2 || lastIDs[0] != "" || lastIDs[1] != "cap_1" {
		t.Errorf("stream opened with Last-Event-ID %q, want [\"\" cap_1]", lastIDs)
	}
	if !strings.Contains(errOut.String(), "reconnecting in") {
		t.Errorf("stderr = %q, want the reconnection said", errOut.String())
	}
	if !strings.Contains(out.String(), "Catch URL: http://example.test/in/bin/bintok") {
		t.Errorf("stdout = %q, want the catch URL", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe to read while listen writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
