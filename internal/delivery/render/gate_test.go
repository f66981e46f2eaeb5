package render

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/hookline/hookline/internal/webhook"
)

// decodeShapes are payloads of about 1 MiB shaped for the largest
// decoded size per byte, and ordinary ones.
func decodeShapes() map[string]string {
	list := func(item string, n int) string {
		return `{"l":[` + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + `]}`
	}
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	return map[string]string{
		"empty objects":      list(`{}`, 349_000),
		"empty lists":        list(`[]`, 349_000),
		"small numbers":      list(`1`, 520_000),
		"one-key objects":    list(`{"a":1}`, 130_000),
		"null and booleans":  list(`null,true`, 100_000),
		"records":            list(`{"id":"abc123","name":"Ann Lee","email":"ann@example.com","n":42}`, 16_000),
		"escaped strings":    list(`"\u00e9\n\"\\\t\u2028"`, 40_000),
		"one long string":    `{"s":"` + strings.Repeat("x", 1<<20) + `"}`,
		"100,000 keys":       `{` + strings.Join(keys, ",") + `}`,
		"nested 10,000 deep": `{"d":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}`,
		"sample":             samplePayload,
	}
}

// TestDecodeCostBoundsDecoding checks that the estimate is never below
// what decoding allocates, nor so far above that ordinary payloads are
// refused.
func TestDecodeCostBoundsDecoding(t *testing.T) {
	for name, p := range decodeShapes() {
		var err error
		before := heapAllocated()
		_, err = Data("msg_1", "t", 1, []byte(p))
		allocated := int64(heapAllocated() - before)
		if err != nil {
			t.Fatalf("%s: Data = %v", name, err)
		}
		est := decodeCost([]byte(p))
		if est < allocated {
			t.Errorf("%s: decodeCost = %d, but decoding allocated %d", name, est, allocated)
		}
		if len(p) > 1<<16 && est > 8*allocated {
			t.Errorf("%s: decodeCost = %d, more than 8 times the %d decoding allocated", name, est, allocated)
		}
		t.Logf("%-20s %8d bytes: decoding allocated %6.1f MiB, estimated %6.1f MiB", name, len(p), float64(allocated)/(1<<20), float64(est)/(1<<20))
	}
}

// FuzzDecodeCost checks the estimate against decoding on any object.
func FuzzDecodeCost(f *testing.F) {
	for _, p := range []string{`{}`, `{"a":[1,{"b":"\"}"}],"c":null}`, `{"x":"\\\\\"","y":[[],[{}]]}`} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if !json.Valid(p) {
			return
		}
		// The least of three: the counter is the process's, and the
		// fuzzing engine allocates beside the function under test.
		allocated, err := int64(math.MaxInt64), error(nil)
		for range 3 {
			before := heapAllocated()
			_, err = Data("msg_1", "t", 1, p)
			allocated = min(allocated, int64(heapAllocated()-before))
		}
		// runtime/metrics counts small objects a span (up to 32 KiB) at a time.
		if est := decodeCost(p); err == nil && est+64<<10 < allocated {
			t.Fatalf("decodeCost(%q) = %d, but decoding allocated %d", p, est, allocated)
		}
	})
}

// TestGateHoldsRenderingsTogether checks that a gate lets in no more
// renderings than it holds, and the next one once one leaves.
func TestGateHoldsRenderingsTogether(t *testing.T) {
	big := []byte(decodeShapes()["records"]) // about 30 MiB estimated: two do not fit
	synctest.Test(t, func(t *testing.T) {
		g, err := NewGate(MinGate)
		if err != nil {
			t.Fatal(err)
		}
		leave, err := g.enterTemplate(t.Context(), big)
		if err != nil {
			t.Fatalf("first enter = %v", err)
		}
		entered := make(chan func(), 1)
		go func() {
			next, err := g.enterTemplate(t.Context(), big)
			if err != nil {
				t.Errorf("second enter = %v", err)
				next = func() {}
			}
			entered <- next
		}()
		synctest.Wait()
		select {
		case <-entered:
			t.Fatal("a second rendering entered while the first held the gate")
		default:
		}
		leave()
		(<-entered)()
	})
	if _, err := NewGate(MinGate - 1); err == nil {
		t.Error("NewGate below MinGate = nil error")
	}
}

// TestBodyRefusesPayloadsTooLargeToDecode checks that a payload whose
// decoded form would pass MaxDecodedPayload fails before it is decoded.
func TestBodyRefusesPayloadsTooLargeToDecode(t *testing.T) {
	bomb := []byte(decodeShapes()["one-key objects"])
	r, err := New(webhook.DeliveryOptions{Format: webhook.FormatTemplate, ContentType: "text/plain", Template: `{{len .payload.l}}`})
	if err != nil {
		t.Fatal(err)
	}
	before := heapAllocated()
	_, err = r.Body(t.Context(), nil, "msg_1", "t", 1, bomb)
	if err == nil || !strings.Contains(err.Error(), "MiB decoded, more than the 48 MiB a template may use") {
		t.Errorf("Body of a payload of 130,000 objects = %v, want refused", err)
	}
	if allocated := heapAllocated() - before; allocated > 1<<20 {
		t.Errorf("refusing it allocated %d KiB, want nothing decoded", allocated>>10)
	}
	form, err := New(webhook.DeliveryOptions{Format: webhook.FormatForm})
	if err != nil {
		t.Fatal(err)
	}
	huge := []byte(`{"s":"` + strings.Repeat("x", 16<<20) + `"}`)
	if _, err := form.Body(t.Context(), nil, "msg_1", "t", 1, huge); err == nil || !strings.Contains(err.Error(), "form: the payload is larger than the 13 MiB") {
		t.Errorf("Body of a 16 MiB form = %v, want refused", err)
	}
	if out, err := r.Body(t.Context(), nil, "msg_1", "t", 1, []byte(decodeShapes()["records"])); err != nil || string(out) != "16000" {
		t.Errorf("Body of 1 MiB of records = %q, %v; want 16000", out, err)
	}
}
