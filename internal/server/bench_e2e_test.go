package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// BenchmarkSendToArrival measures the whole path on one machine: 32
// concurrent senders POST messages to a real server (SQLite,
// synchronous=FULL) and a loopback receiver counts arrivals. It reports
// accepted msg/s and delivered/s; b.N is the message count.
//
//	go test -run '^$' -bench SendToArrival -benchtime 20000x ./internal/server/
func BenchmarkSendToArrival(b *testing.B) {
	s := startServer(b)
	rcv := newReceiver(b)
	ctx := context.Background()
	app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "bench"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: rcv.URL}, nil); err != nil {
		b.Fatal(err)
	}
	filler := string(bytes.Repeat([]byte("x"), 180))
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	const senders = 32
	jobs := make(chan int, b.N)
	for i := range b.N {
		jobs <- i
	}
	close(jobs)

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed sync.Map
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				// The payload carries its send time, for send-to-arrival latency.
				payload := fmt.Sprintf(`{"eventType":"bench.event","payload":{"sentAt":%d,"data":"%s"}}`, time.Now().UnixNano(), filler)
				req, _ := http.NewRequest("POST", s.URL+"/api/v1/app/"+app.Id+"/msg", strings.NewReader(payload))
				req.Header.Set("Authorization", "Bearer "+s.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					failed.Store(fmt.Sprint(err, resp), true)
				}
				if resp != nil {
					var buf [512]byte
					for {
						if _, err := resp.Body.Read(buf[:]); err != nil {
							break
						}
					}
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	accepted := time.Since(start)
	deadline := time.Now().Add(2 * time.Minute)
	for rcv.count() < b.N && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	delivered := time.Since(start)
	b.StopTimer()
	failed.Range(func(k, _ any) bool { b.Errorf("send failed: %v", k); return false })
	if got := rcv.count(); got < b.N {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(b.N)/delivered.Seconds(), "delivered/s")
	lat := make([]time.Duration, 0, b.N)
	for _, r := range rcv.requests() {
		var p struct{ SentAt int64 }
		if err := json.Unmarshal(r.Body, &p); err == nil {
			lat = append(lat, r.At.Sub(time.Unix(0, p.SentAt)))
		}
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
