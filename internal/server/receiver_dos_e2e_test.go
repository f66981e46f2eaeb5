package server_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/delivery/send/sendtest"
)

// procStatus reads a "Name: N kB" line of a process's /proc status.
func procStatus(t *testing.T, pid int, name string) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	n, ok := statusKiB(string(status), name)
	if !ok {
		t.Skipf("no %s in /proc/%d/status", name, pid)
	}
	return n
}

// TestHostileReceiversKeepMemoryFlat is issue 12's item 0b against the
// real binary: 32 messages to 8 endpoints whose receivers answer with a
// 9.5 MB header block, beside receivers that answer a thousand 103
// responses, a body or a chunk without end, a 9 MB trailer or a trickle.
// The server's peak RSS stays within 100 MB of where it started (these
// receivers took it from 24 MB to 1.38 GB), and each attempt tells why
// it failed.
func TestHostileReceiversKeepMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary")
	}
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	p := startProcess(t, bin, addr, t.TempDir())
	u, _ := url.Parse("http://" + addr)
	client := newClient(t, testAdminToken, u, httpClient)
	ctx := context.Background()
	app, err := client.Application.Create(ctx, svix.ApplicationIn{Name: "hostile receivers"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	endpoint := func(b sendtest.Behaviour, channel string) string {
		ep, err := client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: sendtest.Listen(t, b), Channels: []string{channel}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ep.Id
	}
	var huge []string
	for range 8 {
		huge = append(huge, endpoint(sendtest.HugeHeaders(9_500_000), "huge"))
	}
	others := []struct {
		name, id, response string
		success            bool
	}{
		{"1,000 informational responses", endpoint(sendtest.EarlyHints(1000, 10_000), "others"), "response headers exceed 32768 bytes", false},
		{"a body without end", endpoint(sendtest.EndlessBody(), "others"), "0123456789abcdef", true},
		{"a chunk of 2^63-1 bytes", endpoint(sendtest.HugeChunk(), "others"), "0123456789abcdef", true},
		{"9 MB of trailer", endpoint(sendtest.HugeTrailer(9_000_000), "others"), "ok", true},
		{"headers one byte every 50ms", endpoint(sendtest.Trickle(50*time.Millisecond), "others"), "timeout after 2s", false},
	}
	base := procStatus(t, p.cmd.Process.Pid, "VmRSS:")

	for i := range 32 {
		if _, err := client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "dos.test", Channels: []string{"huge"}, Payload: map[string]any{"i": i}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		if _, err := client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "dos.test", Channels: []string{"others"}, Payload: map[string]any{"i": i}}, nil); err != nil {
			t.Fatal(err)
		}
	}

	// Every attempt to the huge-header receivers fails, until their
	// circuits open after 10 failures in a row.
	for _, id := range huge {
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 60*time.Second, "10 attempts to each huge-header receiver", func() bool {
			atts, err = client.MessageAttempt.ListByEndpoint(ctx, app.Id, id, nil)
			return err == nil && len(atts.Data) >= 10
		})
		for _, a := range atts.Data {
			if a.ResponseStatusCode != 0 || a.Response != "response headers exceed 32768 bytes" {
				t.Errorf("attempt to %s = %d %.100q, want 0 and the header limit", id, a.ResponseStatusCode, a.Response)
				break
			}
		}
		if st, err := client.Endpoint.GetStats(ctx, app.Id, id, nil); err != nil || st.Success != 0 {
			t.Errorf("stats of %s = %+v, %v; want no success", id, st, err)
		}
	}
	for _, o := range others {
		eventually(t, 30*time.Second, o.name+": a first attempt", func() bool {
			atts, err := client.MessageAttempt.ListByEndpoint(ctx, app.Id, o.id, nil)
			return err == nil && len(atts.Data) > 0
		})
		atts, _ := client.MessageAttempt.ListByEndpoint(ctx, app.Id, o.id, nil)
		a := atts.Data[0]
		if succeeded := a.ResponseStatusCode == 200; succeeded != o.success || !strings.HasPrefix(a.Response, o.response) || len(a.Response) > 20000 {
			t.Errorf("%s: attempt = %d, %d bytes %.60q; want success %v, starting %q, at most 20000 bytes", o.name, a.ResponseStatusCode, len(a.Response), a.Response, o.success, o.response)
		}
	}

	peak := procStatus(t, p.cmd.Process.Pid, "VmHWM:")
	t.Logf("server RSS %d MiB at start, peak %d MiB", base>>20, peak>>20)
	if growth := peak - base; growth > 100<<20 {
		t.Errorf("the server's peak RSS grew by %d MiB, want under 100 MiB", growth>>20)
	}
}
