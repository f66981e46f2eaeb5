package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
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
}

// parsePage reads limit, iterator and order. defaultOrder is the resource's
// natural direction (descending for messages and attempts). Problems are
// added to probs.
func parsePage(r *http.Request, defaultOrder store.Order, probs *problems) pageQuery {
	q := r.URL.Query()
	pq := pageQuery{page: store.Page{Limit: defaultLimit, Order: defaultOrder}}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			probs.addQuery("limit", "limit must be a positive integer")
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
		if before, ok := strings.CutPrefix(it, "-"); ok {
			pq.page.Before = before
			pq.prev = true
		} else {
			pq.page.After = it
		}
	}
	return pq
}

// fetchPage asks the store for one more row than the limit, to know
// whether the list is done.
func (pq pageQuery) fetchPage() store.Page {
	p := pq.page
	p.Limit++
	return p
}

// listResponse builds the page from rows fetched with fetchPage, using key
// to name each row in iterators.
func listResponse[In, Out any](pq pageQuery, rows []In, key func(In) string, render func(In) Out) ListResponse[Out] {
	done := len(rows) <= pq.page.Limit
	if !done {
		if pq.prev {
			// Walking back, the store returns the rows nearest the
			// iterator last; the surplus one is the farthest, first.
			rows = rows[1:]
		} else {
			rows = rows[:pq.page.Limit]
		}
	}
	out := ListResponse[Out]{Data: make([]Out, 0, len(rows)), Done: done}
	for _, row := range rows {
		out.Data = append(out.Data, render(row))
	}
	if len(rows) > 0 {
		last := key(rows[len(rows)-1])
		first := "-" + key(rows[0])
		out.Iterator = &last
		out.PrevIterator = &first
	}
	return out
}

// parseTimeQuery reads an RFC 3339 query parameter; zero when absent.
func parseTimeQuery(r *http.Request, name string, probs *problems) time.Time {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		probs.addQuery(name, "must be an RFC 3339 date-time")
		return time.Time{}
	}
	return t.UTC()
}
