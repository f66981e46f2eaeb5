package catch_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/inspector/catch"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// clock is a test's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// setup opens a real SQLite store with one bin keeping keep captures for
// retention, and a catcher over it that trims at every capture.
func setup(t *testing.T, keep int, retention time.Duration) (*catch.Catcher, store.Store, inspector.Bin, string, *clock) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	b := inspector.NewBin(webhook.NewID(webhook.PrefixBin, clk.now()), clk.now())
	token, hash := inspector.NewToken()
	b.TokenHash, b.Keep, b.Retention = hash, keep, retention
	if err := st.BinCreate(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	c, err := catch.New(catch.Config{Store: st, Hub: inspector.NewHub(), TrimEvery: 1, BodyLimit: 16, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, st, b, token, clk
}

func post(c *catch.Catcher, token, body string) int {
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("POST", "/in/bin/"+token+"/x", strings.NewReader(body)))
	return rec.Code
}

func count(t *testing.T, st store.Store, binID string) int {
	t.Helper()
	list, err := st.CaptureList(t.Context(), store.CaptureListParams{BinID: binID, Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestCatchTrimsToKeep(t *testing.T) {
	c, st, b, token, clk := setup(t, 3, time.Hour)
	for range 5 {
		clk.add(time.Millisecond)
		if code := post(c, token, "hi"); code != http.StatusOK {
			t.Fatalf("POST = %d, want 200", code)
		}
	}
	if n := count(t, st, b.ID); n != 3 {
		t.Errorf("captures after 5 requests with keep 3 (trimming at each) = %d, want 3", n)
	}
}

func TestCatchRefusesBeforeStoring(t *testing.T) {
	c, st, b, token, _ := setup(t, 10, time.Hour)
	if code := post(c, token, strings.Repeat("x", 17)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST 17 bytes over a 16-byte limit = %d, want 413", code)
	}
	other, _ := inspector.NewToken() // well formed, but no bin's
	for _, tok := range []string{other, "nope", strings.Repeat("b", 200)} {
		if code := post(c, tok, "x"); code != http.StatusNotFound {
			t.Errorf("POST to token %.20q = %d, want 404", tok, code)
		}
	}
	if n := count(t, st, b.ID); n != 0 {
		t.Errorf("captures after refused requests = %d, want 0", n)
	}
}

func TestPurgeDropsWhatIsPastRetention(t *testing.T) {
	c, st, b, token, clk := setup(t, 10, time.Hour)
	post(c, token, "old")
	clk.add(30 * time.Minute)
	post(c, token, "new")
	clk.add(31 * time.Minute) // the first is 61 minutes old, the second 31
	if n := c.Purge(t.Context()); n != 1 {
		t.Errorf("Purge() = %d, want 1", n)
	}
	if n := count(t, st, b.ID); n != 1 {
		t.Errorf("captures after the purge = %d, want 1", n)
	}
	if n := c.Purge(t.Context()); n != 0 {
		t.Errorf("Purge() again = %d, want 0", n)
	}
}
