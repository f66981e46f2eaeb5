package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// The tenant-DoS tests of issue 12: what an app-portal token holder
// sends must not crash, stall or starve the server. They measure the
// process's peak memory, so they do not run in parallel with other
// tests (Go runs a test without t.Parallel alone).

// tenant makes an app with one endpoint at url, and the app-portal token
// a tenant of that app holds.
func tenant(t *testing.T, s *testServer, url string) (appID, epID, token string) {
	t.Helper()
	app, eps := setup(t, s, &svix.EndpointIn{Url: url})
	portal, err := s.Client.Authentication.AppPortalAccess(context.Background(), app.Id, svix.AppPortalAccessIn{}, nil)
	if err != nil {
		t.Fatalf("AppPortalAccess: %v", err)
	}
	return app.Id, eps[0].Id, portal.Token
}

// peakRSS is the process's peak resident memory (VmHWM) in bytes, after
// resetting it to the current one when reset is set; ok is false where
// /proc does not tell.
func peakRSS(reset bool) (n int64, ok bool) {
	if reset && os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		return 0, false
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return statusKiB(string(status), "VmHWM:")
}

// statusKiB reads a "Name:   123 kB" line of /proc/<pid>/status, in bytes.
func statusKiB(status, name string) (int64, bool) {
	for line := range strings.Lines(status) {
		if rest, found := strings.CutPrefix(line, name); found {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// blowupPayload is as large as the default body limit allows: a 900 KiB
// string and a list of 2,000 items.
func blowupPayload() string {
	items := make([]string, 2000)
	for i := range items {
		items[i] = fmt.Sprintf(`"item-%d"`, i)
	}
	return `{"s":"` + strings.Repeat("x", 900<<10) + `","list":[` + strings.Join(items, ",") + `]}`
}

// issueTemplate is the template of issue 12: 2,000 references to one
// 900 KiB operand, about 1.8 GB for fmt to build.
var issueTemplate = `{{printf "` + strings.Repeat("%[1]s", 2000) + `" .payload.s}}`

func templateOptions(tmpl string) string {
	src, _ := json.Marshal(tmpl)
	return `{"format":"template","contentType":"text/plain","template":` + string(src) + `}`
}

// TestTemplateBlowupsAnswer422 sends the preview request of issue 12 and
// its variations, each with a tenant's token, to a real server: each
// answers 422 with the reason, the server goes on serving the tenant's
// next request, and the process's peak memory stays within a few
// hundred megabytes, where the first request alone took it to gigabytes
// and "fatal error: out of memory".
func TestTemplateBlowupsAnswer422(t *testing.T) {
	s := startServer(t)
	rcv := newReceiver(t)
	appID, epID, token := tenant(t, s, rcv.URL+"/hook")
	payload := blowupPayload()
	half := `(slice .payload.s 0 204800)`
	rep := strings.Repeat
	tests := []struct{ name, template, reason string }{
		{"printf of one operand 2,000 times (issue 12)", issueTemplate, "would make a value larger than 262144 bytes"},
		{"print", `{{print` + rep(" .payload.s", 2000) + `}}`, "would make a value larger than"},
		{"println", `{{println` + rep(" .payload.s", 2000) + `}}`, "would make a value larger than"},
		{"json of the payload", `{{json .payload}}`, "would make a value larger than"},
		{"output of the payload", `{{.payload}}`, "would make a value larger than"},
		{"nested printf", `{{printf "%[1]s%[1]s" (printf "%[1]s%[1]s" (printf "%[1]s%[1]s" ` + half + `))}}`, "would make a value larger than"},
		{"printf padding every item", `{{printf "%999999v" .payload.list}}`, "would make more than 4194304 bytes"},
		{"range keeping a large value each time", `{{range 100000}}{{$x := printf "%s." ` + strings.ReplaceAll(half, ".payload", "$.payload") + `}}{{end}}`, "would make more than 4194304 bytes"},
		{"range printing the operand twice", `{{range .payload.list}}{{printf "%[1]s%[1]s" $.payload.s}}{{end}}`, "would make a value larger than"},
		{"join with the payload as separator", `{{join .payload.s .payload.list}}`, "would make a value larger than"},
		{"urlquery of many", `{{urlquery` + rep(" .payload.s", 2000) + `}}`, "would make a value larger than"},
		{"ranges without end", `{{range 1000000000}}{{range 1000000000}}{{end}}{{end}}`, "range iterations"},
		{"range over the payload's string", `{{range .payload.s}}{{end}}`, "range can't iterate over a string"},
	}
	base, haveRSS := peakRSS(true)
	preview := "/api/v1/app/" + appID + "/endpoint/" + epID + "/delivery-options/preview"
	for _, tt := range tests {
		body := `{"payload":` + payload + `,"options":` + templateOptions(tt.template) + `}`
		status, out := s.do(t, "POST", preview, token, []byte(body))
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(out), tt.reason) {
			t.Errorf("%s: preview = %d %.300s; want 422 with %q", tt.name, status, out, tt.reason)
		}
		if len(out) > 2000 {
			t.Errorf("%s: the 422 is %d bytes, want a short reason", tt.name, len(out))
		}
		if status, out := s.do(t, "GET", "/api/v1/app/"+appID+"/endpoint/"+epID, token, nil); status != http.StatusOK {
			t.Fatalf("after %s: GET endpoint = %d %s, want 200: the server stopped serving", tt.name, status, out)
		}
	}
	// A template that fits still renders, with the same payload.
	body := `{"payload":` + payload + `,"options":` + templateOptions(`{{len .payload.s}} {{index .payload.list 1999}}`) + `}`
	if status, out := s.do(t, "POST", preview, token, []byte(body)); status != http.StatusOK || !strings.Contains(string(out), `"body":"921600 item-1999"`) {
		t.Errorf("preview of a template that fits = %d %.300s, want 200", status, out)
	}
	if peak, ok := peakRSS(false); haveRSS && ok {
		t.Logf("peak RSS %d MiB before, %d MiB after %d previews", base>>20, peak>>20, len(tests))
		if growth := peak - base; growth > 256<<20 {
			t.Errorf("peak RSS grew by %d MiB, want under 256 MiB", growth>>20)
		}
	}
}

// TestTemplateBlowupFailsAttemptsAcrossRestart saves the template of
// issue 12 as a tenant's options, publishes a message it blows up on,
// and restarts the server on the same data while the message is still
// pending: the attempts before and after the restart fail with the
// reason, retried on the schedule, and the server stays up throughout.
// Before the budget the first attempt killed the server, and every
// restart killed it again.
func TestTemplateBlowupFailsAttemptsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	rcv := newReceiver(t)
	// The first server retries after 5s: long enough to stop it with the
	// message pending.
	s1 := startServer(t, withDataDir(dir), withRetrySchedule(5*time.Second, 50*time.Millisecond))
	appID, epID, token := tenant(t, s1, rcv.URL+"/hook")
	if status, out := s1.do(t, "PUT", "/api/v1/app/"+appID+"/endpoint/"+epID+"/delivery-options", token, []byte(templateOptions(issueTemplate))); status != http.StatusOK {
		t.Fatalf("PUT delivery-options = %d %s, want 200 (the template compiles)", status, out)
	}
	msgID := publish(t, s1, appID, "user.created", blowupPayload())
	const reason = "template would make a value larger than 262144 bytes"
	attempts := func(s *testServer) []svix.MessageAttemptOut {
		list, err := s.Client.MessageAttempt.ListByMsg(context.Background(), appID, msgID, nil)
		if err != nil {
			t.Fatalf("ListByMsg: %v", err)
		}
		return list.Data
	}
	eventually(t, 10*time.Second, "the first attempt", func() bool { return len(attempts(s1)) >= 1 })
	s1.stop()

	s2 := startServer(t, withDataDir(dir), withRetrySchedule(50*time.Millisecond, 50*time.Millisecond))
	eventually(t, 20*time.Second, "the retries after the restart", func() bool { return len(attempts(s2)) >= 3 })
	for _, a := range attempts(s2) {
		if a.Status != statusFail || a.ResponseStatusCode != 0 || !strings.Contains(a.Response, reason) {
			t.Errorf("attempt %s = status %d, code %d, response %.300q; want failed, 0, with %q", a.Id, a.Status, a.ResponseStatusCode, a.Response, reason)
		}
	}
	if n := rcv.count(); n != 0 {
		t.Errorf("the receiver got %d requests, want none: no body could be built", n)
	}
	if status, _ := s2.do(t, "GET", "/api/v1/app/"+appID, token, nil); status != http.StatusOK {
		t.Errorf("GET app after the restart = %d, want 200", status)
	}
}

// TestSchemaBlowupsAnswer422 sends JSON Schemas that the compiler took
// minutes and gigabytes over to generate-example, which any token may
// call, and to event-type create: each answers 422 naming the limit
// within the same second, and the server goes on serving.
func TestSchemaBlowupsAnswer422(t *testing.T) {
	s := startServer(t)
	rcv := newReceiver(t)
	appID, _, token := tenant(t, s, rcv.URL+"/hook")
	props := func(n int, sub func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"p%d":%s`, i, sub(i))
		}
		return `{"properties":{` + strings.Join(parts, ",") + `}}`
	}
	tests := []struct{ name, schema, reason string }{
		{"300 patterns of 400,000 instructions (82 s, 6.7 GB)", props(300, func(i int) string {
			return fmt.Sprintf(`{"pattern":"%s%d"}`, strings.Repeat("a{1000}", 400), i)
		}), "too large: a pattern may compile to at most 5000 instructions"},
		{"5,000 nested items (105 s, 250 GB allocated)", strings.Repeat(`{"items":`, 5000) + `{}` + strings.Repeat(`}`, 5000), "nest at most 32 levels"},
		{"60,000 boolean subschemas", props(60_000, func(int) string { return "true" }), "at most 4000 objects, arrays and booleans"},
		{"1,600 chains of anyOf 8 deep", props(1600, func(int) string { return strings.Repeat(`{"anyOf":[`, 8) + `{}` + strings.Repeat(`]}`, 8) }), "at most 4000 objects"},
	}
	base, haveRSS := peakRSS(true)
	for _, tt := range tests {
		start := time.Now()
		status, out := s.do(t, "POST", "/api/v1/event-type/schema/generate-example", token, []byte(`{"schema":`+tt.schema+`}`))
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(out), tt.reason) || len(out) > 4000 {
			t.Errorf("%s: generate-example = %d %.300s (%d bytes); want a short 422 with %q", tt.name, status, out, len(out), tt.reason)
		}
		status, out = s.do(t, "POST", "/api/v1/event-type", s.Token, []byte(`{"name":"big.schema","description":"x","schemas":{"1":`+tt.schema+`}}`))
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(out), tt.reason) {
			t.Errorf("%s: event-type create = %d %.300s; want 422 with %q", tt.name, status, out, tt.reason)
		}
		t.Logf("%s: %d KiB of schema refused twice in %v", tt.name, len(tt.schema)>>10, time.Since(start).Round(time.Millisecond))
		if status, _ := s.do(t, "GET", "/api/v1/app/"+appID, token, nil); status != http.StatusOK {
			t.Fatalf("after %s: GET app = %d, want 200", tt.name, status)
		}
	}
	if peak, ok := peakRSS(false); haveRSS && ok {
		t.Logf("peak RSS %d MiB before, %d MiB after", base>>20, peak>>20)
		if growth := peak - base; growth > 256<<20 {
			t.Errorf("peak RSS grew by %d MiB, want under 256 MiB", growth>>20)
		}
	}
}

// TestTemplateRenderingsShareOneBound makes four template endpoints of
// one tenant render 32 messages of 1 MiB each at once: 128 renderings of
// payloads that take about 13 MiB each decoded, as many at once as the
// endpoints' concurrency allows. Every one arrives, and the process's
// peak memory stays near the renderings' shared bound
// (delivery.Config.RenderMemory, 128 MiB), where 128 renderings at once
// would hold up to 1.6 GB.
func TestTemplateRenderingsShareOneBound(t *testing.T) {
	s := startServer(t)
	rcv := newReceiver(t)
	// One delivery a second while the messages are published, so that
	// they wait in the endpoints' queues, to go all at once.
	slow := func(path string) *svix.EndpointIn {
		return &svix.EndpointIn{Url: rcv.URL + path, RateLimit: ptr(uint16(1))}
	}
	app, eps := setup(t, s, slow("/a"), slow("/b"), slow("/c"), slow("/d"))
	for _, ep := range eps {
		setOptions(t, s, app.Id, ep.Id, templateOptions(`{{len .payload.l}} {{(index .payload.l 0).email}}`), http.StatusOK)
	}
	payload := `{"l":[` + strings.TrimSuffix(strings.Repeat(`{"id":"abc123","name":"Ann Lee","email":"ann@example.com","n":42},`, 15_500), ",") + `]}`
	for range 32 {
		publish(t, s, app.Id, "big.records", payload)
	}
	base, haveRSS := peakRSS(true)
	for _, ep := range eps {
		if status, out := s.do(t, "PATCH", "/api/v1/app/"+app.Id+"/endpoint/"+ep.Id, s.Token, []byte(`{"rateLimit":null}`)); status != http.StatusOK {
			t.Fatalf("PATCH rateLimit = %d %s", status, out)
		}
	}
	got := rcv.waitFor(t, 128, 60*time.Second)
	for _, r := range got {
		if string(r.Body) != "15500 ann@example.com" {
			t.Fatalf("a receiver got %.100q, want the rendered template", r.Body)
		}
	}
	if peak, ok := peakRSS(false); haveRSS && ok {
		t.Logf("peak RSS %d MiB before, %d MiB after the renderings", base>>20, peak>>20)
		// Measured: 21 to 44 MiB; 446 to 847 MiB without the bound.
		if growth := peak - base; growth > 200<<20 {
			t.Errorf("peak RSS grew by %d MiB, want under 200 MiB", growth>>20)
		}
	}
}
