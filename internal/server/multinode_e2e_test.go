package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/store/postgres/pgtest"
)

// These tests run two real `hookline serve` processes on one PostgreSQL
// schema of their own, as several nodes of one deployment would.

// Every node of these tests uses a short request timeout and lease, so
// that a takeover happens within the test: a lease must exceed the
// request timeout + 5s (config.Validate).
const (
	rateLimit          = 50 // per second, for TestNodeKilledSurvivorDelivers
	nodeRequestTimeout = time.Second
	nodeLease          = 10 * time.Second
)

// node is one `hookline serve` process of a multi-node test.
type node struct {
	*process
	addr   string
	client *svix.Svix
}

// startNode starts a node on databaseURL and waits until it answers.
// Nodes of one test must be started one after the other: each stores the
// admin token if it is new.
func startNode(t *testing.T, databaseURL string, extra ...string) *node {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{process: &process{logs: &lockedBuffer{}}, addr: freePort(t)}
	args := append([]string{"serve", "--addr", n.addr, "--database-url", databaseURL,
		"--admin-token", testAdminToken, "--allow-private-targets",
		"--retry-schedule", "100ms,200ms,400ms,800ms,1s,1s,1s,1s",
		"--request-timeout", nodeRequestTimeout.String(), "--lease-duration", nodeLease.String()}, extra...)
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n.cmd.ProcessState == nil {
			_ = n.cmd.Process.Signal(syscall.SIGCONT) // a stopped process cannot die
			_ = n.cmd.Process.Kill()
			_ = n.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("node %s output:\n%s", n.addr, n.logs.String())
		}
	})
	eventually(t, 30*time.Second, "node "+n.addr+" healthy", func() bool {
		resp, err := httpClient.Get("http://" + n.addr + "/api/v1/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode/100 == 2
	})
	u, _ := url.Parse("http://" + n.addr)
	n.client = newClient(t, testAdminToken, u, httpClient)
	return n
}

// twoNodes starts nodes a and b on a schema of the test's own (a with
// aArgs), and creates through a an app with the endpoint ep.
func twoNodes(t *testing.T, ep *svix.EndpointIn, aArgs ...string) (a, b *node, appID, epID string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real processes on PostgreSQL")
	}
	dbURL := pgtest.NewSchema(t, pgtest.RequireURL(t))
	a = startNode(t, dbURL, aArgs...)
	b = startNode(t, dbURL)
	ctx := context.Background()
	app, err := a.client.Application.Create(ctx, svix.ApplicationIn{Name: t.Name()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.client.Endpoint.Create(ctx, app.Id, *ep, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, b, app.Id, out.Id
}

// arrivalsByID groups a receiver's requests by webhook-id.
func arrivalsByID(rcv *receiver) map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, r := range rcv.requests() {
		id := r.Header.Get("webhook-id")
		out[id] = append(out[id], r.At)
	}
	return out
}

// TestNodeKilledSurvivorDelivers sends messages to two nodes and kills one
// with SIGKILL mid-run: every message either node accepted arrives at
// least once, the survivor finishes the dead node's deliveries once their
// leases lapse, and a message arrives twice only if the dead node's
// attempt reached the receiver before the survivor could have taken it
// over.
func TestNodeKilledSurvivorDelivers(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	// A rate limit below the senders' pace keeps a backlog on both nodes,
	// so the killed one leaves deliveries queued and in flight.
	a, b, appID, _ := twoNodes(t, &svix.EndpointIn{Url: rcv.URL, RateLimit: ptr(uint16(rateLimit))})
	ctx := context.Background()

	var (
		mu       sync.Mutex
		accepted = map[string]string{} // message ID -> node that accepted it
		stop     atomic.Bool
		aDead    atomic.Bool
		wg       sync.WaitGroup
	)
	const senders, maxPerSender = 6, 50
	for i := range senders {
		to := []*node{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < maxPerSender && !stop.Load(); j++ {
				msg, err := to.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "nodes.test", Payload: map[string]any{"n": j}}, nil)
				if err == nil {
					mu.Lock()
					accepted[msg.Id] = to.addr
					mu.Unlock()
				} else if to == a && aDead.Load() {
					return // a is dead; b's senders go on
				} else {
					t.Logf("send to %s: %v", to.addr, err)
				}
			}
		}()
	}
	eventually(t, 30*time.Second, "deliveries flowing", func() bool { return rcv.count() >= 2*rateLimit })
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	aDead.Store(true)
	_ = a.cmd.Wait()
	// Let b take messages for a while after the kill, then stop.
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	want := len(accepted)
	fromA := 0
	for _, addr := range accepted {
		if addr == a.addr {
			fromA++
		}
	}
	mu.Unlock()
	t.Logf("accepted %d messages (%d by the killed node); receiver had %d requests at the kill", want, fromA, rcv.count())

	// The survivor claims a dead node's delivery only once its lease
	// lapsed, and polls at least every second; it sends at half the rate
	// until the dead node leaves the live window (15s), then at the rate.
	var arrivals map[string][]time.Time
	eventually(t, nodeLease+15*time.Second+time.Duration(want/rateLimit+10)*time.Second, "every accepted message delivered", func() bool {
		arrivals = arrivalsByID(rcv)
		for id := range accepted {
			if len(arrivals[id]) == 0 {
				return false
			}
		}
		return true
	})
	var last, firstTakeover time.Time
	takenOver := 0 // accepted by the dead node, first delivered after it could have sent them
	for id, addr := range accepted {
		first := arrivals[id][0]
		last = maxTime(last, first)
		if addr == a.addr && first.After(killedAt.Add(time.Second)) {
			takenOver++
			if firstTakeover.IsZero() || first.Before(firstTakeover) {
				firstTakeover = first
			}
		}
	}
	t.Logf("the survivor delivered %d of the dead node's messages, the first %v after the kill (lease %v); the last message first arrived %v after the kill",
		takenOver, firstTakeover.Sub(killedAt).Round(time.Millisecond), nodeLease, last.Sub(killedAt).Round(time.Millisecond))
	if takenOver == 0 {
		t.Fatalf("the dead node left nothing for the survivor to take over: the test did not exercise a takeover")
	}
	// The dead node's leases lapse at most nodeLease after the kill; the
	// survivor's poller claims within a second of that. The slack is for
	// a loaded machine, not a speed target.
	if late := firstTakeover.Sub(killedAt); late > nodeLease+10*time.Second {
		t.Errorf("the survivor took over %v after the kill, want within the lease %v (+10s slack)", late, nodeLease)
	}

	// An attempt the dead node started had at least the request timeout
	// + 5s of lease left (delivery.leaseMargin), so the survivor could not
	// take it over before killedAt + 5s; a request the dead node wrote
	// just before the kill reaches the receiver's handler within well
	// under that.
	takeoverFloor := killedAt.Add(5 * time.Second)
	dups := 0
	for id, at := range arrivals {
		if len(at) < 2 {
			continue
		}
		dups++
		if !at[0].Before(takeoverFloor) {
			t.Errorf("message %s (accepted by %s) arrived %d times, first %v after the kill: a duplicate not caused by the kill",
				id, accepted[id], len(at), at[0].Sub(killedAt))
		}
	}
	t.Logf("all %d accepted messages arrived; %d arrived twice (attempts in flight at the kill)", want, dups)
	if strings.Contains(b.logs.String(), "panic") {
		t.Errorf("the survivor panicked:\n%s", b.logs.String())
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// TestStalledNodeIsFenced pauses a node with SIGSTOP while its attempt is
// in flight to a slow receiver, until its lease lapses and the other node
// has delivered and recorded the message; then resumes it. The paused
// node's late outcome (a failure) must be refused by the lease token, not
// written over the other node's success: the delivery stays a success and
// is not retried; the late attempt itself stays in the attempt log, as
// the receiver did get it.
func TestStalledNodeIsFenced(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, http.StatusInternalServerError) // the first request fails, slowly
	rcv.setDelay(3 * time.Second)
	// a logs the fenced outcome at debug level.
	a, b, appID, _ := twoNodes(t, &svix.EndpointIn{Url: rcv.URL}, "--log-level", "debug")
	ctx := context.Background()
	msg, err := a.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "fence.test", Payload: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rcv.waitFor(t, 1, 10*time.Second) // a's attempt is in flight, held 3s
	rcv.setDelay(0)
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()

	attempts := func() []svix.MessageAttemptOut {
		t.Helper()
		out, err := b.client.MessageAttempt.ListByMsg(ctx, appID, msg.Id, nil)
		if err != nil {
			t.Fatalf("list attempts: %v", err)
		}
		return out.Data
	}
	eventually(t, nodeLease+20*time.Second, "the other node to deliver and record", func() bool {
		return len(attempts()) > 0
	})
	tookOver := time.Since(stoppedAt)
	if got := attempts(); len(got) != 1 || got[0].Status != statusSuccess {
		t.Fatalf("after the takeover, attempts = %+v; want one success", got)
	}
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the resumed node to report its outcome fenced", func() bool {
		return strings.Contains(a.logs.String(), "outcome fenced by a newer lease")
	})
	t.Logf("the other node took over %v after the pause (lease %v); the paused node's outcome was fenced", tookOver.Round(time.Millisecond), nodeLease)

	// The late attempt did reach the receiver, so the attempt log keeps
	// it; what fencing refuses is its effect on the delivery.
	var ok, late int
	for _, at := range attempts() {
		switch {
		case at.Status == statusSuccess:
			ok++
		default: // the 500, or a timeout when the paused node's clock ran out first
			late++
		}
	}
	if ok != 1 || late != 1 {
		t.Errorf("attempts: %d successes and %d late failures, want 1 and 1", ok, late)
	}
	dests, err := b.client.MessageAttempt.ListAttemptedDestinations(ctx, appID, msg.Id, nil)
	if err != nil || len(dests.Data) != 1 || dests.Data[0].Status != statusSuccess {
		t.Errorf("delivery = %+v, %v; want success: the late failure must not reopen it", dests, err)
	}
	// Had the failure been applied, a retry would follow within 100ms.
	time.Sleep(time.Second)
	if n := rcv.count(); n != 2 {
		t.Errorf("receiver got %d requests, want 2 (the stalled attempt and the takeover)", n)
	}
}

// TestEndpointChangeReachesOtherNode enables an endpoint through node A
// and checks that node B routes to it within a second, well before its
// routing index would expire (a minute): A's change reached B as a
// notification.
func TestEndpointChangeReachesOtherNode(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	a, b, appID, epID := twoNodes(t, &svix.EndpointIn{Url: rcv.URL, Disabled: ptr(true)})
	ctx := context.Background()
	// B loads the app into its index: the endpoint is disabled, so this
	// message goes nowhere.
	if _, err := b.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "route.test", Payload: map[string]any{"before": true}}, nil); err != nil {
		t.Fatal(err)
	}

	if _, err := a.client.Endpoint.Patch(ctx, appID, epID, svix.EndpointPatch{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	changedAt := time.Now()
	sentAt := map[string]time.Time{}
	for i := 0; i < 100 && rcv.count() == 0; i++ {
		m, err := b.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "route.test", Payload: map[string]any{"after": i}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sentAt[m.Id] = time.Now()
		time.Sleep(50 * time.Millisecond)
	}
	got := rcv.waitFor(t, 1, 10*time.Second)
	first, ok := sentAt[got[0].Header.Get("webhook-id")]
	if !ok {
		t.Fatalf("receiver got %s, which was sent before the endpoint was enabled", got[0].Header.Get("webhook-id"))
	}
	// The first message B routed was accepted this long after the change.
	seen := first.Sub(changedAt)
	t.Logf("node B routed to the enabled endpoint %v after node A's change", seen.Round(time.Millisecond))
	if seen > time.Second {
		t.Errorf("node B saw node A's change after %v, want within 1s (its index TTL is a minute: the notification did not arrive)", seen)
	}
}

// TestRateLimitSplitAmongNodes sends to an endpoint limited to 10 a second
// through two nodes at once: together they must keep to about the limit,
// each sending at half of it, where two unaware nodes would send 20.
func TestRateLimitSplitAmongNodes(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	const limit, perNode = 10, 15 // 15 at 5/s: queued at most 3s, well within the lease margin
	a, b, appID, _ := twoNodes(t, &svix.EndpointIn{Url: rcv.URL, RateLimit: ptr(uint16(limit))})
	// Each node logs the count of live nodes when it changes; a learns of
	// b at its next heartbeat (every 5s).
	eventually(t, 20*time.Second, "both nodes counting two live nodes", func() bool {
		return strings.Contains(a.logs.String(), "nodes=2") && strings.Contains(b.logs.String(), "nodes=2")
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, n := range []*node{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perNode {
				if _, err := n.client.Message.Create(ctx, appID, svix.MessageIn{EventType: "rate.test", Payload: map[string]any{"i": i}}, nil); err != nil {
					t.Errorf("send to %s: %v", n.addr, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got := rcv.waitFor(t, 2*perNode, 30*time.Second)

	// The most arrivals in any one-second window. Each node's bucket
	// (5/s, burst 1) allows 6 in a second; arrival jitter on a loaded
	// machine may bunch one more per node: 14 at most. Nodes unaware of
	// each other would reach about 2*limit+2.
	most := 0
	for i := range got {
		n := 0
		for j := i; j < len(got) && got[j].At.Sub(got[i].At) < time.Second; j++ {
			n++
		}
		most = max(most, n)
	}
	span := got[len(got)-1].At.Sub(got[0].At)
	t.Logf("%d deliveries over %v (%.1f/s); at most %d in one second; limit %d/s over 2 nodes",
		len(got), span.Round(time.Millisecond), float64(len(got)-1)/span.Seconds(), most, limit)
	if most > limit+4 {
		t.Errorf("%d deliveries arrived within one second, want at most %d (limit %d/s split between 2 nodes)", most, limit+4, limit)
	}
}
