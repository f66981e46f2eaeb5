package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// buildBinary compiles cmd/hookline once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hookline-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hookline")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/hookline")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a real `hookline serve` child process.
type process struct {
	cmd  *exec.Cmd
	logs *lockedBuffer
}

func startProcess(t *testing.T, bin, addr, dataDir string) *process {
	t.Helper()
	p := &process{logs: &lockedBuffer{}}
	p.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir,
		"--admin-token", testAdminToken, "--allow-private-targets",
		"--retry-schedule", "100ms,200ms,400ms,800ms,1s,1s,1s,1s", "--request-timeout", "2s")
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	u := "http://" + addr + "/api/v1/health"
	eventually(t, 20*time.Second, "server health", func() bool {
		resp, err := httpClient.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode/100 == 2
	})
	return p
}

// crashTarget is the real binary serving on addr from dataDir, with an
// app whose one endpoint is rcv: what the kill -9 tests send to.
type crashTarget struct {
	bin, addr, dataDir string
	rcv                *receiver
	p                  *process
	client             *svix.Svix
	app                *svix.ApplicationOut
}

func startCrashTarget(t *testing.T) crashTarget {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := crashTarget{bin: bin, addr: freePort(t), dataDir: t.TempDir(), rcv: newReceiver(t)}
	c.p = startProcess(t, bin, c.addr, c.dataDir)
	u, _ := url.Parse("http://" + c.addr)
	c.client = newClient(t, testAdminToken, u, httpClient)
	ctx := context.Background()
	if c.app, err = c.client.Application.Create(ctx, svix.ApplicationIn{Name: "crash"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.client.Endpoint.Create(ctx, c.app.Id, svix.EndpointIn{Url: c.rcv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCrashLosesNothing kills the real binary with SIGKILL while messages
// are being sent and delivered, restarts it on the same data, and checks
// that every message answered 202 arrives at least once, and that only
// messages that had arrived before the kill arrive twice.
func TestCrashLosesNothing(t *testing.T) {
	c := startCrashTarget(t)
	bin, addr, dataDir, rcv, p, client, app := c.bin, c.addr, c.dataDir, c.rcv, c.p, c.client, c.app
	ctx := context.Background()

	var (
		mu       sync.Mutex
		accepted = map[string]bool{}
		seq      atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	const senders, maxPerSender = 8, 2000
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxPerSender && !stop.Load(); i++ {
				n := seq.Add(1)
				msg, err := client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "crash.test", Payload: map[string]any{"seq": n}}, nil)
				if err == nil {
					mu.Lock()
					accepted[msg.Id] = true
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once deliveries are flowing.
	eventually(t, 20*time.Second, "some deliveries", func() bool { return len(rcv.requests()) >= 300 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	want := len(accepted)
	mu.Unlock()
	t.Logf("accepted %d messages before the kill; receiver had %d requests", want, len(rcv.requests()))

	// Everything that arrives before the restart was sent by the killed
	// process: requests it wrote just before the kill can still reach the
	// receiver's handler after it.
	restartedAt := time.Now()
	startProcess(t, bin, addr, dataDir)
	var arrivals map[string][]time.Time
	eventually(t, 60*time.Second, "every accepted message delivered", func() bool {
		arrivals = map[string][]time.Time{}
		for _, r := range rcv.requests() {
			id := r.Header.Get("webhook-id")
			arrivals[id] = append(arrivals[id], r.At)
		}
		for id := range accepted {
			if len(arrivals[id]) == 0 {
				return false
			}
		}
		return true
	})
	dups := 0
	for id, at := range arrivals {
		if len(at) > 1 {
			dups++
			if at[0].After(restartedAt) {
				t.Errorf("message %s arrived %d times, first after the kill: a duplicate not caused by the crash", id, len(at))
			}
		}
	}
	t.Logf("all %d accepted messages arrived; %d duplicated (attempts in flight at the kill)", want, dups)

	// The payloads arrive intact.
	for _, r := range rcv.requests()[:10] {
		var v map[string]any
		if err := json.Unmarshal(r.Body, &v); err != nil || v["seq"] == nil {
			t.Errorf("delivered body %s: %v", r.Body, err)
		}
	}
}

// TestSIGTERMDrainsInFlightSends sends SIGTERM while a slow receiver holds
// an attempt: the server must wait for it, record the success, and exit
// 0; after a restart the message is not delivered again.
func TestSIGTERMDrainsInFlightSends(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the real binary")
	}
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	dataDir := t.TempDir()
	rcv := newReceiver(t)
	rcv.setDelay(time.Second)
	p := startProcess(t, bin, addr, dataDir)
	u, _ := url.Parse("http://" + addr)
	client := newClient(t, testAdminToken, u, httpClient)
	ctx := context.Background()
	app, err := client.Application.Create(ctx, svix.ApplicationIn{Name: "drain"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: rcv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := client.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "drain.test", Payload: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv.waitFor(t, 1, 10*time.Second) // the attempt is now in flight, held for 1s
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("hookline exited with %v after SIGTERM, want 0; output:\n%s", err, p.logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("hookline did not exit within 15s of SIGTERM")
	}

	rcv.setDelay(0)
	startProcess(t, bin, addr, dataDir)
	atts, err := client.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
	if err != nil || len(atts.Data) != 1 || atts.Data[0].Status != statusSuccess {
		t.Fatalf("after a drained shutdown, attempts = %+v, %v; want one success", atts, err)
	}
	time.Sleep(500 * time.Millisecond) // a wrongly resumed delivery would arrive now
	if n := len(rcv.requests()); n != 1 {
		t.Errorf("receiver got %d requests, want 1: the drained attempt was redelivered", n)
	}
}
