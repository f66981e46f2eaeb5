package server_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/store/postgres/pgtest"
)

// These tests take PostgreSQL away from a server under load and check
// what docs/delivery.md promises: a message answered 202 was committed
// and arrives at least once; while the database is away the API answers
// 503 with Svix's JSON error, never 202; when it is back, the server
// takes and delivers messages again without being restarted.

// terminateSQL ends every connection of the server under test, and only
// those: other packages' tests share the PostgreSQL server meanwhile.
const terminateSQL = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`

// TestPostgresConnectionsKilled kills the server's PostgreSQL connections
// again and again for a few seconds while senders post messages.
func TestPostgresConnectionsKilled(t *testing.T) {
	base := pgtest.RequireURL(t)
	if testing.Short() {
		t.Skip("an outage of several seconds under load")
	}
	t.Parallel()
	appName := "hookline_outage_" + randomHex(6)
	u, err := pgtest.WithParam(pgtest.NewSchema(t, base), "application_name", appName)
	if err != nil {
		t.Fatal(err)
	}
	o := startOutage(t, u)

	var killed, rounds int64
	end := time.Now().Add(4 * time.Second)
	for i := 0; i < 200 && time.Now().Before(end); i++ {
		n, err := pgtest.Exec(base, terminateSQL, appName)
		if err != nil {
			t.Fatalf("pg_terminate_backend: %v", err)
		}
		killed += n
		rounds++
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("terminated %d server connections in %d rounds over 4 s", killed, rounds)
	if killed == 0 {
		t.Fatalf("no connection named %s was terminated: the outage did not happen", appName)
	}
	o.finish(t)
}

// TestPostgresRestart restarts the PostgreSQL cluster under load. It
// stops every session on the server, so it cannot run beside other
// packages' tests: .ci/run runs it alone, after `go test ./...`, with
// HOOKLINE_TEST_PG_RESTART=1. HOOKLINE_TEST_PG_CLUSTER names the cluster
// that serves HOOKLINE_TEST_DATABASE_URL as "version/name" (default: the
// newest version under /etc/postgresql, cluster main).
func TestPostgresRestart(t *testing.T) {
	base := pgtest.RequireURL(t)
	if os.Getenv("HOOKLINE_TEST_PG_RESTART") != "1" {
		t.Skip("restarts the shared PostgreSQL server; set HOOKLINE_TEST_PG_RESTART=1 to run it alone (.ci/run does)")
	}
	version, name, err := cluster()
	if err != nil {
		t.Fatal(err)
	}
	ctl := func(action string) error {
		out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, name, action).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctlcluster %s %s %s: %w\n%s", version, name, action, err, out)
		}
		return nil
	}
	// Whatever happens below, leave the server running for what follows.
	t.Cleanup(func() {
		if _, err := pgtest.Exec(base, `SELECT 1`); err != nil {
			if err := ctl("start"); err != nil {
				t.Error(err)
			}
		}
	})
	o := startOutage(t, pgtest.NewSchema(t, base))

	began := time.Now()
	if err := ctl("restart"); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	t.Logf("pg_ctlcluster %s %s restart took %v", version, name, restarted.Sub(began).Round(time.Millisecond))
	// Keep the load on a little while the server finds the database again.
	time.Sleep(2 * time.Second)
	o.mu.Lock()
	if last := o.lastRefused; last.After(restarted) {
		t.Logf("the last refusal came %v after the restart returned", last.Sub(restarted).Round(time.Millisecond))
	} else {
		t.Logf("no refusal after the restart returned")
	}
	o.mu.Unlock()
	o.finish(t)
}

// cluster is $HOOKLINE_TEST_PG_CLUSTER split, or the newest version under
// /etc/postgresql and "main".
func cluster() (version, name string, err error) {
	if c := os.Getenv("HOOKLINE_TEST_PG_CLUSTER"); c != "" {
		version, name, ok := strings.Cut(c, "/")
		if !ok || version == "" || name == "" {
			return "", "", fmt.Errorf("HOOKLINE_TEST_PG_CLUSTER=%q, want version/name, e.g. 15/main", c)
		}
		return version, name, nil
	}
	entries, err := os.ReadDir("/etc/postgresql")
	if err != nil {
		return "", "", fmt.Errorf("find the PostgreSQL cluster: %w", err)
	}
	best, bestN := "", -1.0
	for _, e := range entries {
		// Versions are numbers (9.6, 15, 16), compared as such.
		if n, err := strconv.ParseFloat(e.Name(), 64); err == nil && e.IsDir() && n > bestN {
			best, bestN = e.Name(), n
		}
	}
	if best == "" {
		return "", "", fmt.Errorf("find the PostgreSQL cluster: no version under /etc/postgresql")
	}
	return best, "main", nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// answer is one response the senders got.
type answer struct {
	status int
	body   []byte
	err    error
}

// outage is a server on PostgreSQL under a steady load of messages.
type outage struct {
	s           *testServer
	rcv         *receiver
	appID       string
	stop        atomic.Bool
	wg          sync.WaitGroup
	mu          sync.Mutex
	accepted    []string // IDs of messages answered 202
	refused     []answer // every other answer
	lastRefused time.Time
	client      *http.Client
}

// startOutage starts a server on databaseURL with an endpoint at a
// loopback receiver, and senders posting messages until finish.
func startOutage(t *testing.T, databaseURL string) *outage {
	t.Helper()
	s := startServer(t, withDatabaseURL(databaseURL), withRetrySchedule(100*time.Millisecond, 200*time.Millisecond, 500*time.Millisecond, time.Second, time.Second))
	o := &outage{s: s, rcv: newReceiver(t), client: &http.Client{Timeout: 15 * time.Second}}
	app, _ := setup(t, s, &svix.EndpointIn{Url: o.rcv.URL})
	o.appID = app.Id
	// Senders stop at finish, or after maxPerSender messages each.
	const senders, maxPerSender = 4, 1500
	var seq atomic.Int64
	for range senders {
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			for i := 0; i < maxPerSender && !o.stop.Load(); i++ {
				a := o.post(seq.Add(1))
				o.mu.Lock()
				if a.status == http.StatusAccepted {
					var m struct{ ID string }
					if err := json.Unmarshal(a.body, &m); err != nil || m.ID == "" {
						a.err = fmt.Errorf("202 body %s has no message id: %v", a.body, err)
						o.refused = append(o.refused, a)
					} else {
						o.accepted = append(o.accepted, m.ID)
					}
				} else {
					o.refused = append(o.refused, a)
					o.lastRefused = time.Now()
				}
				o.mu.Unlock()
				time.Sleep(10 * time.Millisecond) // a steady load, not a benchmark
			}
		}()
	}
	// The outage begins once messages are flowing.
	eventually(t, 20*time.Second, "first deliveries before the outage", func() bool { return o.rcv.count() >= 20 })
	return o
}

func (o *outage) post(n int64) answer {
	body := fmt.Sprintf(`{"eventType":"outage.test","payload":{"seq":%d}}`, n)
	req, err := http.NewRequest("POST", o.s.URL+"/api/v1/app/"+o.appID+"/msg", strings.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+o.s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := o.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: b, err: err}
}

// finish stops the senders and checks the promises: every refusal was a
// 5xx with Svix's JSON error; the server accepts and delivers new
// messages; every message answered 202 is stored and arrives.
func (o *outage) finish(t *testing.T) {
	t.Helper()
	recoveredFrom := time.Now()
	o.stop.Store(true)
	o.wg.Wait()

	o.mu.Lock()
	accepted := append([]string(nil), o.accepted...)
	refused := append([]answer(nil), o.refused...)
	o.mu.Unlock()
	byStatus := map[int]int{}
	for _, a := range refused {
		byStatus[a.status]++
		if err := checkUnavailable(a); err != nil {
			t.Errorf("answer during the outage: %v", err)
		}
	}
	t.Logf("during the load: %d messages answered 202, %d refused (by status: %v)", len(accepted), len(refused), byStatus)

	// After the outage, new messages are taken at once (after a
	// reconnect) and delivered.
	var after []string
	for i := 0; len(after) < 20; i++ {
		if i >= 200 {
			t.Fatalf("after the outage only %d of %d messages were accepted", len(after), i)
		}
		a := o.post(int64(1_000_000 + i))
		if a.status != http.StatusAccepted {
			if err := checkUnavailable(a); err != nil {
				t.Fatalf("after the outage: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var m struct{ ID string }
		if err := json.Unmarshal(a.body, &m); err != nil {
			t.Fatalf("202 body %s: %v", a.body, err)
		}
		after = append(after, m.ID)
	}
	accepted = append(accepted, after...)

	missing := func() []string {
		arrived := map[string]bool{}
		for _, r := range o.rcv.requests() {
			arrived[r.Header.Get("webhook-id")] = true
		}
		var m []string
		for _, id := range accepted {
			if !arrived[id] {
				m = append(m, id)
			}
		}
		return m
	}
	deadline := time.Now().Add(60 * time.Second)
	for m := missing(); len(m) > 0; m = missing() {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accepted messages never arrived within 60 s, e.g. %v", len(m), len(accepted), m[:min(len(m), 5)])
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("all %d accepted messages arrived, %v after the senders stopped; the receiver got %d requests",
		len(accepted), time.Since(recoveredFrom).Round(time.Millisecond), o.rcv.count())

	// No busy loop: the writer and the poller back off while the database
	// is away. A writer retry costs one log line, as does a poller claim.
	logs := o.s.Logs.String()
	writes := strings.Count(logs, `msg="write messages and outcomes; outcomes will be retried"`)
	claims := strings.Count(logs, `msg="claim due deliveries"`)
	t.Logf("failed writes %d, failed claims %d", writes, claims)
	if limit := len(refused) + 4*20; writes > limit {
		t.Errorf("%d failed writes for %d refused messages: the writer retries without backing off (want at most %d)", writes, len(refused), limit)
	}
	if claims > 20 {
		t.Errorf("%d failed claims: the poller retries without backing off (want at most 20)", claims)
	}

	// 202 means committed: each accepted message is in the database.
	for _, id := range accepted {
		status, body := o.s.do(t, "GET", "/api/v1/app/"+o.appID+"/msg/"+id, o.s.Token, nil)
		if status != http.StatusOK {
			t.Errorf("GET msg %s = %d %s, want 200: answered 202 but not stored", id, status, body)
		}
	}
}

// checkUnavailable reports whether a, a non-202 answer, is what the API
// promises while the database is away: a 5xx (503 for an unreachable
// database) whose body is {"code": ..., "detail": ...}.
func checkUnavailable(a answer) error {
	if a.err != nil {
		return fmt.Errorf("request failed: %w (status %d)", a.err, a.status)
	}
	if a.status < 500 {
		return fmt.Errorf("status %d %s, want 503", a.status, a.body)
	}
	var e struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Code == "" || e.Detail == "" {
		return fmt.Errorf("status %d body %s, want JSON with code and detail (%v)", a.status, a.body, err)
	}
	return nil
}
