package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
)

// TestPayloadRetention: payloadRetentionHours and payloadRetentionPeriod
// (days) set when a message's payload goes, as in Svix; a message without
// either keeps it until the server's retention. The message itself stays,
// showing {"expired":true} as its payload, as in Svix.
func TestPayloadRetention(t *testing.T) {
	f := newMsgFixture(t)
	sent := f.clock
	hours := f.send(`{"eventType":"a.b","payload":{"k":"hours"},"payloadRetentionHours":1}`)
	days := f.send(`{"eventType":"a.b","payload":{"k":"days"},"payloadRetentionPeriod":5}`)
	kept := f.send(`{"eventType":"a.b","payload":{"k":"kept"}}`)

	payload := func(id string) string {
		t.Helper()
		rec := f.do("GET", "/api/v1/app/"+f.app.ID+"/msg/"+id, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET msg %s = %d %s", id, rec.Code, rec.Body)
		}
		var out struct{ Payload json.RawMessage }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return string(out.Payload)
	}
	expire := func(at time.Time) int {
		t.Helper()
		n, err := f.store.MessagePayloadExpire(f.ctx, store.MessagePayloadExpireParams{Now: at, Limit: 100})
		if err != nil {
			t.Fatalf("MessagePayloadExpire: %v", err)
		}
		return n
	}
	if n := expire(sent.Add(59 * time.Minute)); n != 0 {
		t.Errorf("before an hour, %d payloads expired, want 0", n)
	}
	if n := expire(sent.Add(61 * time.Minute)); n != 1 || payload(hours) != `{"expired":true}` || payload(days) != `{"k":"days"}` {
		t.Errorf("after an hour: %d expired, payloads %s and %s; want 1, {\"expired\":true} and the 5-day one kept", n, payload(hours), payload(days))
	}
	if n := expire(sent.Add(5*24*time.Hour + time.Minute)); n != 1 || payload(days) != `{"expired":true}` {
		t.Errorf("after 5 days: %d expired, payload %s; want 1, {\"expired\":true}", n, payload(days))
	}
	if got := payload(kept); got != `{"k":"kept"}` {
		t.Errorf("a message without a payload retention has payload %s after 5 days, want it kept", got)
	}
}
