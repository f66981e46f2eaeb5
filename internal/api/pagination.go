package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Svix's pagination limits: 50 by default, more than 250 is refused.
const (
	defaultLimit = 50
	maxLimit     = 250
)

// ListResponse is Svix's page of a list. Iterator continues after the last
// item; PrevIterator ("-" + the first item's key) walks back.
type ListResponse[T any] struct {
	Data         []T     `json:"data"`
	Iterator     *string `json:"iterator"`
	PrevIterator *string `json:"prevIterator,omitempty"`
	Done         bool    `json:"done"`
}

// pageQuery is what a list request asked for.
type pageQuery struct {
	page store.Page
	prev bool // walking back with a "-" iterator
	// oldestFirst: a time-ordered list's `after` came alone, without
	// before or an iterator. Svix then lists the oldest items after it
	// (read ascending, shown newest first, as a walk back from `after`
	// would), not the newest. Set by parseTimeList.
	oldestFirst bool
}

// iteratorKind is what a list's iterators name: the ID of one kind of
// object, or an event type's name.
type iteratorKind struct {
	valid func(key string) bool
	what  string
}

// idIterator is the kind of a list paged by IDs with prefix p.
func idIterator(p webhook.Prefix) iteratorKind {
	return iteratorKind{valid: func(s string) bool { return webhook.ValidID(p, s) }, what: "an ID starting with " + string(p)}
}

// nameIterator is the kind of the event type list, paged by name.
var nameIterator = iteratorKind{valid: webhook.ValidUID, what: "an event type name"}

// parsePage reads limit, iterator and order. defaultOrder is the resource's
// natural direction (descending for messages and attempts); kind is what
// its iterators name. Problems are added to probs: an iterator that is not
// one of kind (with or without the leading "-" of a prevIterator) is one,
// as in Svix, rather than an empty or a full page.
func parsePage(r *http.Request, defaultOrder store.Order, kind iteratorKind, probs *problems) pageQuery {
	q := r.URL.Query()
	pq := pageQuery{page: store.Page{Limit: defaultLimit, Order: defaultOrder}}
	if s := q.Get("limit"); s != "" {
		// 0 is allowed, as Svix's spec has it (minimum 0): an empty page
		// whose done says whether there is anything.
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 0:
			probs.addQuery("limit", "limit must be an integer from 0 to 250")
		case n > maxLimit:
			probs.addQuery("limit", "Given limit must not exceed 250")
		default:
			pq.page.Limit = n
		}
	}
	switch q.Get("order") {
	case "":
	case "ascending":
		pq.page.Order = store.Ascending
	case "descending":
		pq.page.Order = store.Descending
	default:
		probs.addQuery("order", "order must be ascending or descending")
	}
	if it := q.Get("iterator"); it != "" {
		key, prev := strings.CutPrefix(it, "-")
		switch {
		case !kind.valid(key):
			probs.addQuery("iterator", "iterator must be a value this list returned as iterator or prevIterator: "+kind.what+", after a '-' for a prevIterator")
		case prev:
			pq.page.Before = key
			pq.prev = true
		default:
			pq.page.After = key
		}
	}
	return pq
}

// fetchPage asks the store for one more row than the limit, to know
// whether the list is done; ascending when oldestFirst.
func (pq pageQuery) fetchPage() store.Page {
	p := pq.page
	p.Limit++
	if pq.oldestFirst {
		p.Order = store.Ascending
	}
	return p
}

// writeList answers a list route once its handler has read the query:
// every problem in it at once (422), before anything is looked up; else
// the page that fetch reads (with pq.fetchPage()), each row named by key
// in the iterators and shown as render makes it.
func writeList[In, Out any](w http.ResponseWriter, r *http.Request, probs problems, pq pageQuery,
	fetch func(ctx context.Context) ([]In, error), key func(In) string, render func(In) Out) error {
	return writeListFilled(w, r, probs, pq, fetch, nil, key, render)
}

// fillFunc completes a page's rows after they are read (their message
// payloads, see contentFiller): it may keep fewer, those nearest the
// iterator (the first, or the last when back), and done is then false.
// release is called once the response is written; on an error, fill has
// released what it held.
type fillFunc[In any] func(ctx context.Context, rows []In, back bool) (kept []In, release func(), err error)

// writeListFilled is writeList with the page's rows completed by fill
// (none when nil) before they are rendered.
func writeListFilled[In, Out any](w http.ResponseWriter, r *http.Request, probs problems, pq pageQuery,
	fetch func(ctx context.Context) ([]In, error), fill fillFunc[In], key func(In) string, render func(In) Out) error {
	if err := probs.err(); err != nil {
		return err
	}
	rows, err := fetch(r.Context())
	if err != nil {
		return err
	}
	rows, done, back := pageRows(pq, rows)
	if fill != nil {
		kept, release, err := fill(r.Context(), rows, back)
		if err != nil {
			return err
		}
		defer release()
		done = done && len(kept) == len(rows)
		rows = kept
	}
	writeJSON(w, http.StatusOK, renderPage(rows, done, key, render))
	return nil
}

// listResponse builds the page from rows fetched with fetchPage, using key
// to name each row in iterators.
func listResponse[In, Out any](pq pageQuery, rows []In, key func(In) string, render func(In) Out) ListResponse[Out] {
	rows, done, _ := pageRows(pq, rows)
	return renderPage(rows, done, key, render)
}

// pageRows trims rows fetched with fetchPage to the page's limit, in the
// order shown; done says nothing was left out, back that the rows
// nearest the iterator are the last (a walk back, or oldestFirst), so
// that a page cut short keeps those.
func pageRows[In any](pq pageQuery, rows []In) (page []In, done, back bool) {
	if pq.oldestFirst {
		// Newest first, the surplus row (the farthest from `after`) in
		// front, as a walk back returns them.
		slices.Reverse(rows)
		pq.prev = true
	}
	done = len(rows) <= pq.page.Limit
	if !done {
		if pq.prev {
			// Walking back, the store returns the rows nearest the
			// iterator last; the surplus one is the farthest, first.
			rows = rows[1:]
		} else {
			rows = rows[:pq.page.Limit]
		}
	}
	return rows, done, pq.prev
}

// renderPage shows rows, the iterator naming the last and prevIterator
// the first.
func renderPage[In, Out any](rows []In, done bool, key func(In) string, render func(In) Out) ListResponse[Out] {
	out := ListResponse[Out]{Data: make([]Out, 0, len(rows)), Done: done}
	for _, row := range rows {
		out.Data = append(out.Data, render(row))
	}
	if len(rows) > 0 {
		last := key(rows[len(rows)-1])
		first := "-" + key(rows[0])
		out.Iterator, out.PrevIterator = &last, &first
	}
	return out
}

// parseTimeQuery reads an RFC 3339 query parameter; zero when absent.
func parseTimeQuery(r *http.Request, name string, probs *problems) time.Time {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil {
		probs.addQuery(name, "must be an RFC 3339 date-time")
		return time.Time{}
	}
	return t
}

// parseTime reads a date-time as Svix's server does (chrono's DateTime
// FromStr, a relaxed RFC 3339): a 'T', 't' or space between date and
// time, spaces before the zone, and the zone as Z, z, UTC, +hh:mm or
// +hhmm. So the form chrono prints, "2026-03-01 12:00:00.123 UTC", which
// Svix's own tests send, is read too. The result is in UTC.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	b := []byte(s)
	if len(b) > 10 && (b[10] == ' ' || b[10] == 't') {
		b[10] = 'T'
	}
	rest := strings.TrimRight(string(b), " ")
	// The zone: the last "Z"/"UTC" or sign, with the spaces before it.
	zone := ""
	switch {
	case strings.HasSuffix(rest, "UTC"), strings.HasSuffix(rest, "utc"):
		rest, zone = rest[:len(rest)-3], "Z"
	case strings.HasSuffix(rest, "z"), strings.HasSuffix(rest, "Z"):
		rest, zone = rest[:len(rest)-1], "Z"
	default:
		if i := strings.LastIndexAny(rest, "+-"); i > 10 {
			rest, zone = rest[:i], rest[i:]
			if len(zone) == 5 { // +hhmm
				zone = zone[:3] + ":" + zone[3:]
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimRight(rest, " ")+zone)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
