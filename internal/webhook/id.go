package webhook

import (
	"crypto/rand"
	"slices"
	"strings"
	"sync"
	"time"
)

// Prefix names the kind of object an ID belongs to, as Svix IDs do
// ("msg_2Lz..."), so an ID pasted into the wrong place is refused.
type Prefix string

// The ID prefixes. All but PrefixDelivery are Svix's own.
const (
	PrefixApp      Prefix = "app_"
	PrefixEndpoint Prefix = "ep_"
	PrefixMessage  Prefix = "msg_"
	PrefixAttempt  Prefix = "atmpt_"
	PrefixToken    Prefix = "tok_"
	PrefixDelivery Prefix = "dlv_"
	// Hookline's own too: the request inspector's bins and captured
	// requests (internal/inspector).
	PrefixBin     Prefix = "bin_"
	PrefixCapture Prefix = "cap_"
	// Inbound sources and the requests they received (internal/inbound).
	PrefixSource         Prefix = "src_"
	PrefixInboundRequest Prefix = "inreq_"
)

// An ID after its prefix is 27 base62 digits holding 20 bytes, big-endian:
// 6 bytes of milliseconds since the Unix epoch, then 14 random bytes. This
// is KSUID's shape (what Svix IDs are) with a millisecond clock, so IDs
// created in different milliseconds sort by time as plain strings, which is
// what lets the store page by ID and turn a time filter into an ID range.
const (
	idTimeBytes   = 6
	idRandomBytes = 14
	idBytes       = idTimeBytes + idRandomBytes
	// IDDigits is the length of an ID after its prefix: the fewest base62
	// digits that hold 160 bits (62^27 > 2^160 > 62^26).
	IDDigits = 27
	// maxIDMillis is the last millisecond 6 bytes hold, in the year 10889.
	maxIDMillis = 1<<(8*idTimeBytes) - 1
)

// base62 lists the digits in ASCII order, so that comparing two IDs'
// fixed-width encodings as strings compares the numbers they encode.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewID returns a new ID of kind p created at t. Times before 1970 or
// after the year 10889 are clamped to those ends.
//
// The first ID of a millisecond has a random part from crypto/rand; each
// later one made by this process in the same millisecond adds a random
// step of 1 to 2^32 to the one before, so IDs of one millisecond sort in
// the order they were made (a list that is newest first stays so for rows
// created together) and are still unique and hard to guess. Across
// processes, IDs of one millisecond are in no particular order.
func NewID(p Prefix, t time.Time) string {
	var raw [idBytes]byte
	putMillis(&raw, t)
	ids.next(millisOf(&raw), (*[idRandomBytes]byte)(raw[idTimeBytes:]))
	return encodeID(p, &raw)
}

// idClock is the state that orders the IDs of one millisecond: the last
// random part given out for each millisecond used lately. It keeps many
// milliseconds, not just the newest: goroutines that read the clock in one
// millisecond may make their IDs after another made one in the next, and a
// caller with its own clock (a test's frozen one, an import's original
// times) must keep its order while the rest of the process moves on.
type idClock struct {
	mu     sync.Mutex
	uses   uint64
	recent map[int64]*idMillisecond
}

type idMillisecond struct {
	used uint64 // idClock.uses when last used: the least recent go first
	last [idRandomBytes]byte
}

// The clock forgets milliseconds in batches: past idClockMax it keeps the
// idClockKeep most recently used, so a millisecond is forgotten only after
// hundreds of others were used since, and pruning costs little per ID.
const (
	idClockMax  = 1024
	idClockKeep = 512
)

var ids = idClock{recent: make(map[int64]*idMillisecond)}

// next fills out with the random part of the next ID of millisecond ms.
func (c *idClock) next(ms int64, out *[idRandomBytes]byte) {
	var step [4]byte
	// crypto/rand.Read never returns an error (Go 1.24+): it crashes the
	// program if the OS cannot supply randomness rather than let anyone
	// run on predictable IDs and tokens.
	_, _ = rand.Read(step[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	c.uses++
	if e := c.recent[ms]; e != nil {
		e.used = c.uses
		if addStep(&e.last, step) {
			*out = e.last
			return
		}
		// The random part overflowed (odds below 2^-80): start afresh,
		// unordered within this millisecond.
	}
	if len(c.recent) >= idClockMax {
		c.forget()
	}
	e := &idMillisecond{used: c.uses}
	_, _ = rand.Read(e.last[:])
	// The top bit starts clear, so 2^111 steps fit before an overflow.
	e.last[0] &= 0x7f
	c.recent[ms] = e
	*out = e.last
}

// forget drops all but the idClockKeep most recently used milliseconds.
func (c *idClock) forget() {
	used := make([]uint64, 0, len(c.recent))
	for _, e := range c.recent {
		used = append(used, e.used)
	}
	slices.Sort(used)
	cutoff := used[len(used)-idClockKeep]
	for ms, e := range c.recent {
		if e.used < cutoff {
			delete(c.recent, ms)
		}
	}
}

// addStep adds 1 + the big-endian step to the big-endian number b,
// reporting false if it overflowed.
func addStep(b *[idRandomBytes]byte, step [4]byte) bool {
	carry := uint64(step[0])<<24 | uint64(step[1])<<16 | uint64(step[2])<<8 | uint64(step[3]) + 1
	for i := len(b) - 1; i >= 0 && carry > 0; i-- {
		sum := uint64(b[i]) + carry
		b[i] = byte(sum)
		carry = sum >> 8
	}
	return carry == 0
}

func millisOf(raw *[idBytes]byte) int64 {
	var ms int64
	for _, b := range raw[:idTimeBytes] {
		ms = ms<<8 | int64(b)
	}
	return ms
}

// BoundaryID returns the smallest ID of kind p for time t: the one whose
// random part is all zeros. Every ID NewID makes at t or later sorts at or
// after it, and every ID made before t sorts before it, so a filter
// "created before t" is "id < BoundaryID(p, t)" and "created at or after t"
// is "id >= BoundaryID(p, t)", at millisecond precision.
func BoundaryID(p Prefix, t time.Time) string {
	var raw [idBytes]byte
	putMillis(&raw, t)
	return encodeID(p, &raw)
}

// IDTime returns the time, to the millisecond and in UTC, at which the ID
// id was created, whatever its prefix. It reports false if id is not a
// well-formed ID.
func IDTime(id string) (time.Time, bool) {
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return time.Time{}, false
	}
	raw, ok := decodeID(id[i+1:])
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(millisOf(&raw)).UTC(), true
}

// ValidID reports whether s is an ID of kind p: the prefix followed by 27
// base62 digits encoding a number below 2^160.
func ValidID(p Prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, string(p))
	if !ok {
		return false
	}
	_, ok = decodeID(rest)
	return ok
}

func putMillis(raw *[idBytes]byte, t time.Time) {
	ms := min(max(t.UnixMilli(), 0), maxIDMillis)
	for i := idTimeBytes - 1; i >= 0; i-- {
		raw[i] = byte(ms)
		ms >>= 8
	}
}

// encodeID returns p followed by raw in base62, zero-padded to IDDigits.
func encodeID(p Prefix, raw *[idBytes]byte) string {
	// The 160-bit number as five big-endian 32-bit words, divided by 62^5
	// per pass, least significant digits first: each pass yields five digits
	// from one remainder, a fifth of the long divisions one digit per pass
	// would cost. 62^5 < 2^32, so remainder<<32 | word fits in 64 bits.
	var words [idBytes / 4]uint32
	for i := range words {
		words[i] = uint32(raw[4*i])<<24 | uint32(raw[4*i+1])<<16 | uint32(raw[4*i+2])<<8 | uint32(raw[4*i+3])
	}
	const pow5 = 62 * 62 * 62 * 62 * 62
	// Six passes give 30 digits; the first three are zero because the
	// number is below 2^160 < 62^27.
	var digits [30]byte
	for d := len(digits); d > 0; d -= 5 {
		var rem uint64
		for i := range words {
			cur := rem<<32 | uint64(words[i])
			words[i] = uint32(cur / pow5)
			rem = cur % pow5
		}
		r := uint32(rem)
		for k := 1; k <= 5; k++ {
			digits[d-k] = base62[r%62]
			r /= 62
		}
	}

	var b strings.Builder
	b.Grow(len(p) + IDDigits)
	b.WriteString(string(p))
	b.Write(digits[len(digits)-IDDigits:])
	return b.String()
}

// decodeID parses IDDigits base62 digits, refusing any other length, any
// other character and numbers of 2^160 or more (27 digits reach past it).
func decodeID(s string) ([idBytes]byte, bool) {
	var raw [idBytes]byte
	if len(s) != IDDigits {
		return raw, false
	}
	var words [idBytes / 4]uint32
	for j := 0; j < len(s); j++ {
		v, ok := digitValue(s[j])
		if !ok {
			return raw, false
		}
		// words = words*62 + v, least significant word last.
		carry := uint64(v)
		for i := len(words) - 1; i >= 0; i-- {
			cur := uint64(words[i])*62 + carry
			words[i] = uint32(cur)
			carry = cur >> 32
		}
		if carry != 0 {
			return raw, false
		}
	}
	for i, w := range words {
		raw[4*i], raw[4*i+1], raw[4*i+2], raw[4*i+3] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	}
	return raw, true
}

func digitValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'Z':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'z':
		return c - 'a' + 36, true
	}
	return 0, false
}
