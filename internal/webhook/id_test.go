package webhook

import (
	"crypto/rand"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

var allPrefixes = []Prefix{PrefixApp, PrefixEndpoint, PrefixMessage, PrefixAttempt, PrefixToken, PrefixDelivery}

func TestNewIDShape(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 123_456_789, time.UTC)
	for _, p := range allPrefixes {
		id := NewID(p, now)
		if len(id) != len(p)+IDDigits {
			t.Errorf("NewID(%q, now) = %q, length %d, want %d", p, id, len(id), len(p)+IDDigits)
		}
		if !strings.HasPrefix(id, string(p)) {
			t.Errorf("NewID(%q, now) = %q, want the prefix", p, id)
		}
		if !ValidID(p, id) {
			t.Errorf("ValidID(%q, NewID(%q, now) = %q) = false", p, p, id)
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	now := time.Now()
	seen := map[string]bool{}
	for range 10_000 {
		id := NewID(PrefixMessage, now)
		if seen[id] {
			t.Fatalf("NewID(PrefixMessage, now) repeated %q", id)
		}
		seen[id] = true
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	// Many IDs per millisecond over a span that crosses byte and digit
	// carries, shuffled by creation order within each millisecond.
	start := time.UnixMilli(1_700_000_000_000 - 300)
	var ids []string
	var times []time.Time
	for ms := range 600 {
		at := start.Add(time.Duration(ms) * time.Millisecond)
		for range 5 {
			ids = append(ids, NewID(PrefixMessage, at))
			times = append(times, at)
		}
	}
	for i := 1; i < len(ids); i++ {
		if times[i].After(times[i-1]) && ids[i] <= ids[i-1] {
			t.Fatalf("NewID(msg_, %v) = %q sorts at or before NewID(msg_, %v) = %q",
				times[i].UnixMilli(), ids[i], times[i-1].UnixMilli(), ids[i-1])
		}
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	for i := range sorted {
		got, _ := IDTime(sorted[i])
		want, _ := IDTime(ids[i])
		if !got.Equal(want) {
			t.Fatalf("sorted IDs: position %d has time %v, want %v", i, got, want)
		}
	}
}

func TestNewIDKeepsOrderOfAFrozenMillisecond(t *testing.T) {
	// A caller with a frozen clock makes IDs between others that use
	// hundreds of other milliseconds (parallel tests, live traffic): its
	// IDs must still sort in the order they were made.
	frozen := time.UnixMilli(1_600_000_000_123)
	other := time.UnixMilli(1_650_000_000_000)
	var made []string
	for i := range 300 {
		made = append(made, NewID(PrefixMessage, frozen))
		for j := range 8 {
			NewID(PrefixMessage, other.Add(time.Duration(i*8+j)*time.Millisecond))
		}
	}
	if !slices.IsSorted(made) {
		t.Fatalf("IDs made in order within one frozen millisecond do not sort in that order")
	}
}

func TestIDTimeRoundTrip(t *testing.T) {
	tests := []struct {
		in   time.Time
		want time.Time
	}{
		{time.Unix(0, 0), time.Unix(0, 0)},
		{time.UnixMilli(1), time.UnixMilli(1)},
		{time.Date(2026, 3, 1, 12, 0, 0, 123_456_789, time.UTC), time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)},
		{time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("X", 3600)), time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)},
		{time.UnixMilli(maxIDMillis), time.UnixMilli(maxIDMillis)},
		// Out of range: clamped.
		{time.Unix(-1, 0), time.Unix(0, 0)},
		{time.UnixMilli(maxIDMillis + 1), time.UnixMilli(maxIDMillis)},
	}
	for _, tt := range tests {
		for _, id := range []string{NewID(PrefixApp, tt.in), BoundaryID(PrefixApp, tt.in)} {
			got, ok := IDTime(id)
			if !ok || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("IDTime(%q) (made at %v) = %v, %v, want %v UTC, true", id, tt.in, got, ok, tt.want)
			}
		}
	}
}

func TestBoundaryID(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	boundary := BoundaryID(PrefixMessage, at)
	if want := "msg_"; !strings.HasPrefix(boundary, want) || !ValidID(PrefixMessage, boundary) {
		t.Fatalf("BoundaryID(msg_, %v) = %q, want a valid msg_ ID", at.UnixMilli(), boundary)
	}
	if got := BoundaryID(PrefixMessage, at.Add(999*time.Microsecond)); got != boundary {
		t.Errorf("BoundaryID(msg_, t+999µs) = %q, want BoundaryID(msg_, t) = %q", got, boundary)
	}
	if got := BoundaryID(PrefixMessage, time.UnixMilli(0)); got != "msg_"+strings.Repeat("0", IDDigits) {
		t.Errorf("BoundaryID(msg_, epoch) = %q, want all zeros", got)
	}
	for range 1000 {
		before := NewID(PrefixMessage, at.Add(-time.Millisecond))
		same := NewID(PrefixMessage, at)
		after := NewID(PrefixMessage, at.Add(time.Millisecond))
		if !(before < boundary) {
			t.Fatalf("NewID(msg_, t-1ms) = %q, want < BoundaryID(msg_, t) = %q", before, boundary)
		}
		if !(boundary <= same) {
			t.Fatalf("NewID(msg_, t) = %q, want >= BoundaryID(msg_, t) = %q", same, boundary)
		}
		if next := BoundaryID(PrefixMessage, at.Add(time.Millisecond)); !(same < next && next <= after) {
			t.Fatalf("NewID(msg_, t) = %q, BoundaryID(msg_, t+1ms) = %q, NewID(msg_, t+1ms) = %q: want increasing", same, next, after)
		}
	}
}

func TestValidID(t *testing.T) {
	good := BoundaryID(PrefixEndpoint, time.UnixMilli(1_700_000_000_000))
	digits := strings.TrimPrefix(good, string(PrefixEndpoint))
	// The largest 160-bit number in base62; one more is out of range.
	const maxDigits = "aWgEPTl1tmebfsQzFP4bxwgy80V"
	tests := []struct {
		p    Prefix
		in   string
		want bool
	}{
		{PrefixEndpoint, good, true},
		{PrefixEndpoint, "ep_" + maxDigits, true},
		{PrefixEndpoint, "ep_" + strings.Repeat("0", IDDigits), true},
		{PrefixEndpoint, "ep_aWgEPTl1tmebfsQzFP4bxwgy80W", false}, // 2^160
		{PrefixEndpoint, "ep_" + strings.Repeat("z", IDDigits), false},
		{PrefixApp, good, false},
		{PrefixEndpoint, digits, false},
		{PrefixEndpoint, "ep_" + digits[1:], false},
		{PrefixEndpoint, good + "0", false},
		{PrefixEndpoint, "ep_" + digits[:26] + "_", false},
		{PrefixEndpoint, "ep_" + digits[:26] + "-", false},
		{PrefixEndpoint, "EP_" + digits, false},
		{PrefixEndpoint, "", false},
		{PrefixEndpoint, "ep_", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.p, tt.in); got != tt.want {
			t.Errorf("ValidID(%q, %q) = %v, want %v", tt.p, tt.in, got, tt.want)
		}
	}
}

func TestIDTimeInvalid(t *testing.T) {
	digits := strings.TrimPrefix(NewID(PrefixApp, time.Now()), string(PrefixApp))
	for _, in := range []string{
		"",
		digits, // no prefix
		"app_" + digits[1:],
		"app_" + digits + "0",
		"app_aWgEPTl1tmebfsQzFP4bxwgy80W", // 2^160
		"app_" + digits[:26] + "+",
	} {
		if got, ok := IDTime(in); ok {
			t.Errorf("IDTime(%q) = %v, true, want false", in, got)
		}
	}
}

func TestEncodeDecodeID(t *testing.T) {
	var raw [idBytes]byte
	for i := range raw {
		raw[i] = 0xff
	}
	tests := [][idBytes]byte{{}, {19: 1}, {0: 1}, raw}
	for _, in := range tests {
		id := encodeID("x_", &in)
		got, ok := decodeID(strings.TrimPrefix(id, "x_"))
		if !ok || got != in {
			t.Errorf("decodeID(encodeID(%x) = %q) = %x, %v, want %x, true", in, id, got, ok, in)
		}
	}
	if id := encodeID("x_", &raw); id != "x_aWgEPTl1tmebfsQzFP4bxwgy80V" {
		t.Errorf("encodeID(2^160-1) = %q, want %q", id, "x_aWgEPTl1tmebfsQzFP4bxwgy80V")
	}
}

// TestEncodeIDMatchesBig checks the hand-rolled base62 against math/big on
// random numbers.
func TestEncodeIDMatchesBig(t *testing.T) {
	for range 1000 {
		var raw [idBytes]byte
		_, _ = rand.Read(raw[:])
		want := new(big.Int).SetBytes(raw[:]).Text(62)
		want = strings.Repeat("0", IDDigits-len(want)) + want
		// big.Int.Text uses 0-9a-zA-Z; ours puts upper case first so that
		// digit order is ASCII order. Swap the cases to compare.
		want = strings.Map(func(r rune) rune {
			switch {
			case 'a' <= r && r <= 'z':
				return r - 'a' + 'A'
			case 'A' <= r && r <= 'Z':
				return r - 'A' + 'a'
			}
			return r
		}, want)
		if got := encodeID("", &raw); got != want {
			t.Fatalf("encodeID(%x) = %q, want %q", raw, got, want)
		}
	}
}

func BenchmarkNewID(b *testing.B) {
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		_ = NewID(PrefixMessage, now)
	}
}

func BenchmarkIDTime(b *testing.B) {
	id := NewID(PrefixMessage, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := IDTime(id); !ok {
			b.Fatal("IDTime failed")
		}
	}
}

// TestNewIDOrderedWithinAMillisecond: IDs made by one process in one
// millisecond sort in the order they were made, also when the
// milliseconds of concurrent callers interleave, and stay unique.
func TestNewIDOrderedWithinAMillisecond(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 500_000, time.UTC)
	prev := ""
	for i := range 100_000 {
		id := NewID(PrefixMessage, at)
		if id <= prev {
			t.Fatalf("NewID #%d in one millisecond = %q, not after the one before, %q", i, id, prev)
		}
		if got, _ := IDTime(id); !got.Equal(at.Truncate(time.Millisecond)) {
			t.Fatalf("IDTime(%q) = %v, want %v", id, got, at.Truncate(time.Millisecond))
		}
		prev = id
	}

	// Three milliseconds whose IDs are made interleaved.
	last := map[int]string{}
	for i := range 3000 {
		ms := i % 3
		id := NewID(PrefixAttempt, at.Add(time.Duration(ms)*time.Millisecond))
		if id <= last[ms] {
			t.Fatalf("interleaved: NewID #%d for millisecond +%d = %q, not after %q", i, ms, id, last[ms])
		}
		last[ms] = id
	}
	if !(last[0] < last[1] && last[1] < last[2]) {
		t.Errorf("interleaved: the last IDs %q, %q, %q do not sort by millisecond", last[0], last[1], last[2])
	}
}

func TestNewIDConcurrentUnique(t *testing.T) {
	at := time.Now()
	const workers, each = 8, 2000
	out := make(chan []string, workers)
	for range workers {
		go func() {
			var got []string
			for range each {
				got = append(got, NewID(PrefixEndpoint, at))
			}
			out <- got
		}()
	}
	seen := map[string]bool{}
	for range workers {
		got := <-out
		if !slices.IsSorted(got) {
			t.Errorf("one goroutine's IDs of one millisecond are not in the order it made them")
		}
		for _, id := range got {
			if seen[id] {
				t.Fatalf("NewID repeated %q across goroutines", id)
			}
			seen[id] = true
		}
	}
}

func TestAddStepCarries(t *testing.T) {
	var b [idRandomBytes]byte
	for i := range b {
		b[i] = 0xff
	}
	b[0] = 0x00
	if !addStep(&b, [4]byte{}) || b[0] != 0x01 || b[len(b)-1] != 0x00 {
		t.Errorf("addStep(0x00ff..ff, 0) = %x, want 0x0100..00", b)
	}
	for i := range b {
		b[i] = 0xff
	}
	if addStep(&b, [4]byte{}) {
		t.Errorf("addStep(ff..ff, 0) reported no overflow")
	}
}
