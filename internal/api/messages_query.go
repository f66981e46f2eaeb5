package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Query parameters shared by the message and attempt lists, read as
// Svix's server reads them (v1/utils EventTypesQueryParams and the
// List*QueryParams structs of message.rs and attempt.rs).

// timeList is a page of a time-ordered list (messages, attempts,
// deliveries) with its before/after window.
type timeList struct {
	pq    pageQuery
	since time.Time // after: created at or after; zero: open
	until time.Time // before: created before; zero: open
}

func parseTimeList(r *http.Request, kind iteratorKind, probs *problems) timeList {
	tl := timeList{
		pq:    parsePage(r, store.Descending, kind, probs),
		since: parseTimeQuery(r, "after", probs),
		until: parseTimeQuery(r, "before", probs),
	}
	tl.pq.oldestFirst = !tl.since.IsZero() && tl.until.IsZero() &&
		tl.pq.page.After == "" && tl.pq.page.Before == "" && tl.pq.page.Order == store.Descending
	return tl
}

// queryEventTypes reads event_types as Svix does: the parameter may repeat,
// be written event_types[] or event_types[N], and each value may hold a
// comma-separated list. Duplicates are dropped; every name must be valid.
func queryEventTypes(q url.Values, probs *problems) []string {
	var out []string
	bad := false
	for key, values := range q {
		if key != "event_types" && !(strings.HasPrefix(key, "event_types[") && strings.HasSuffix(key, "]")) {
			continue
		}
		for _, v := range values {
			for name := range strings.SplitSeq(v, ",") {
				if !webhook.ValidUID(name) {
					bad = true
					continue
				}
				if !slices.Contains(out, name) {
					out = append(out, name)
				}
			}
		}
	}
	if bad {
		probs.addQuery("event_types", "each event type must be 1-256 characters of a-z, A-Z, 0-9, '-', '_' and '.'")
		return nil
	}
	slices.Sort(out)
	return out
}

// queryChannel reads the channel filter; empty when absent.
func queryChannel(q url.Values, probs *problems) string {
	c := q.Get("channel")
	if c != "" && !webhook.ValidChannel(c) {
		probs.addQuery("channel", "channel must be 1-128 characters of a-z, A-Z, 0-9, '-', '_' and '.'")
		return ""
	}
	return c
}

// queryBool reads a boolean parameter, def when absent.
func queryBool(q url.Values, name string, def bool, probs *problems) bool {
	s := q.Get(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		probs.addQuery(name, name+" must be true or false")
		return def
	}
	return v
}

// withContent reads with_content (default true) without parsing the query
// when there is none, as on most POST /msg requests.
func withContent(r *http.Request, probs *problems) bool {
	if r.URL.RawQuery == "" {
		return true
	}
	return queryBool(r.URL.Query(), "with_content", true, probs)
}

// queryStatus reads a MessageStatus filter; nil when absent.
func queryStatus(q url.Values, probs *problems) *webhook.MessageStatus {
	s := q.Get("status")
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	st := webhook.MessageStatus(n)
	if err != nil || !st.Valid() {
		probs.addQuery("status", "status must be 0 (success), 1 (pending), 2 (fail) or 3 (sending)")
		return nil
	}
	return &st
}

// queryStatusCodeClass reads a StatusCodeClass filter; nil when absent.
func queryStatusCodeClass(q url.Values, probs *problems) *int {
	s := q.Get("status_code_class")
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 500 || n%100 != 0 {
		probs.addQuery("status_code_class", "status_code_class must be 0, 100, 200, 300, 400 or 500")
		return nil
	}
	return &n
}
