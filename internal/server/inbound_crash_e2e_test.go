package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestInboundCrashLosesNothing kills the real binary with SIGKILL while
// inbound requests are being sent to a source that forwards to an app,
// restarts it on the same data, and checks that every request answered
// 2xx was stored and forwarded: each arrives at the app's endpoint.
func TestInboundCrashLosesNothing(t *testing.T) {
	c := startCrashTarget(t)
	bin, addr, dataDir, rcv, p, app := c.bin, c.addr, c.dataDir, c.rcv, c.p, c.app
	settings, _ := json.Marshal(map[string]any{
		"name": "provider", "verify": map[string]any{"scheme": "none"},
		"forward": map[string]any{"app": map[string]any{"appId": app.Id, "eventType": "provider.event"}},
	})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/source", bytes.NewReader(settings))
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var src inboundSource
	err = json.NewDecoder(resp.Body).Decode(&src)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create source: %d %v", resp.StatusCode, err)
	}

	var (
		mu       sync.Mutex
		accepted = map[string]bool{} // seq of each request answered 2xx
		seq      atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	const senders, maxPerSender = 8, 2000
	for range senders {
		wg.Go(func() {
			for i := 0; i < maxPerSender && !stop.Load(); i++ {
				n := strconv.FormatInt(seq.Add(1), 10)
				req, _ := http.NewRequest(http.MethodPost, src.IngestURL, bytes.NewReader([]byte(`{"seq":"`+n+`"}`)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("webhook-id", "delivery-"+n)
				resp, err := httpClient.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					accepted[n] = true
					mu.Unlock()
				}
			}
		})
	}
	eventually(t, 20*time.Second, "some forwarded deliveries", func() bool { return len(rcv.requests()) >= 300 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	want := len(accepted)
	mu.Unlock()
	t.Logf("%d inbound requests answered 2xx before the kill; the receiver had %d deliveries", want, len(rcv.requests()))

	startProcess(t, bin, addr, dataDir)
	var missing int
	eventually(t, 60*time.Second, "every accepted inbound request forwarded", func() bool {
		arrived := map[string]bool{}
		for _, r := range rcv.requests() {
			var body struct{ Seq string }
			if json.Unmarshal(r.Body, &body) == nil {
				arrived[body.Seq] = true
			}
		}
		missing = 0
		for n := range accepted {
			if !arrived[n] {
				missing++
			}
		}
		return missing == 0
	})

	// And every one is stored as the source's request, once.
	stored := map[string]int{}
	iterator := ""
	for range 200 {
		path := fmt.Sprintf("http://%s/api/v1/source/%s/request?limit=250&iterator=%s", addr, src.ID, iterator)
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data     []storedRequest `json:"data"`
			Iterator *string         `json:"iterator"`
			Done     bool            `json:"done"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Data {
			if r.DeliveryID != nil {
				stored[*r.DeliveryID]++
			}
		}
		if page.Done || page.Iterator == nil {
			break
		}
		iterator = *page.Iterator
	}
	for n := range accepted {
		if stored["delivery-"+n] == 0 {
			t.Errorf("request %s was answered 2xx but is not stored", n)
		}
	}
	t.Logf("all %d accepted inbound requests stored and forwarded", want)
}
