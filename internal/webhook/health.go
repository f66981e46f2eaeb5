package webhook

import (
	"time"
	"unicode/utf8"
)

// HealthStatus is what a dashboard shows for an endpoint: ActionKit's
// Connected / Not Connected, with the two cases where there is nothing to
// judge by.
type HealthStatus string

// The health statuses.
const (
	HealthConnected HealthStatus = "connected" // the last attempt or ping got a 2xx
	HealthFailing   HealthStatus = "failing"   // the last attempt or ping did not
	HealthDisabled  HealthStatus = "disabled"  // the endpoint is disabled, whatever its record
	HealthUnknown   HealthStatus = "unknown"   // nothing was sent to it yet
)

// MaxHealthError bounds the error text kept with an endpoint's health: it
// names a cause, it is not a log.
const MaxHealthError = 512

// EndpointHealth is the record of how an endpoint answered lately. The
// engine aggregates it in memory per endpoint and flushes it to the store
// about once a second; the store merges each flush into what it has, so
// several nodes can report the same endpoint (Merge). Zero times mean
// "never".
type EndpointHealth struct {
	AppID               string
	EndpointID          string
	LastAttemptAt       time.Time
	LastSuccessAt       time.Time
	LastFailureAt       time.Time
	LastStatusCode      int    // of the last attempt; 0 when it got no response
	LastError           string // of the last attempt when it failed; "" after a success
	ConsecutiveFailures int    // failed attempts since the last success
}

// Status is the endpoint's health status; disabled is the endpoint's own
// flag, which wins over any record.
func (h EndpointHealth) Status(disabled bool) HealthStatus {
	switch {
	case disabled:
		return HealthDisabled
	case h.LastAttemptAt.IsZero():
		return HealthUnknown
	case !h.LastSuccessAt.IsZero() && !h.LastSuccessAt.Before(h.LastAttemptAt):
		return HealthConnected
	}
	return HealthFailing
}

// Observe folds one attempt's result into h: it is Merge of a record of
// that attempt alone, written out so the delivery path allocates nothing.
// errText is kept only for a failure, cut to MaxHealthError bytes.
func (h *EndpointHealth) Observe(at time.Time, ok bool, statusCode int, errText string) {
	if ok {
		h.Merge(EndpointHealth{LastAttemptAt: at, LastSuccessAt: at, LastStatusCode: statusCode})
		return
	}
	h.Merge(EndpointHealth{
		LastAttemptAt: at, LastFailureAt: at, LastStatusCode: statusCode,
		LastError: TruncateText(errText, MaxHealthError), ConsecutiveFailures: 1,
	})
}

// Merge folds o, a record made later or on another node, into h. The
// stores apply the same rules in SQL (EndpointHealthRecord):
//   - every time is the later of the two;
//   - the status code and error come from whichever last attempt is newer
//     (o's on a tie);
//   - consecutive failures restart from o's count when o holds a success
//     newer than everything h knows, add up when o's failures come after
//     h's last success, and stay h's otherwise: failures that another node
//     saw before a success already recorded are not counted again, and a
//     late success does not hide failures recorded after it.
func (h *EndpointHealth) Merge(o EndpointHealth) {
	switch {
	case o.LastSuccessAt.After(h.LastSuccessAt) && o.LastSuccessAt.After(h.LastFailureAt):
		h.ConsecutiveFailures = o.ConsecutiveFailures
	case o.LastFailureAt.After(h.LastSuccessAt):
		h.ConsecutiveFailures += o.ConsecutiveFailures
	}
	if !o.LastAttemptAt.IsZero() && !o.LastAttemptAt.Before(h.LastAttemptAt) {
		h.LastStatusCode, h.LastError = o.LastStatusCode, o.LastError
	}
	h.LastAttemptAt = laterOf(h.LastAttemptAt, o.LastAttemptAt)
	h.LastSuccessAt = laterOf(h.LastSuccessAt, o.LastSuccessAt)
	h.LastFailureAt = laterOf(h.LastFailureAt, o.LastFailureAt)
	if h.AppID == "" {
		h.AppID, h.EndpointID = o.AppID, o.EndpointID
	}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// TruncateText cuts s to at most n bytes without splitting a UTF-8
// sequence. It slices, so it does not copy.
func TruncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
