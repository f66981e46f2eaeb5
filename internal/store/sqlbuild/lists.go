package sqlbuild

import (
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The list queries of store.Store, which both schemas answer with the same
// SQL but for the Dialect's parts.

// Query is a built statement with its arguments. Reverse says the caller
// must flip the rows it reads (see Builder.Page).
type Query struct {
	SQL     string
	Args    []any
	Reverse bool
}

func (b *Builder) query(head, pageCol string, p store.Page) Query {
	tail, rev := b.Page(pageCol, p)
	return Query{SQL: b.SQL(head, tail), Args: b.args, Reverse: rev}
}

// messageColumns reads the payload only when it is wanted: it can be
// large. The headers, a few short values, are read either way.
func (d Dialect) messageColumns(withContent bool) string {
	if withContent {
		return MessageColumns
	}
	return `id, app_id, event_type, event_id, channels, ` + d.NullBytes + `, created_at, tags, headers`
}

// AppList pages apps by ID; scan with ScanApp.
func (d Dialect) AppList(p store.AppListParams) Query {
	return New(d).query(`SELECT `+AppColumns+` FROM apps`, "id", p.Page)
}

// EventTypeList pages event types by name; scan with ScanEventType.
func (d Dialect) EventTypeList(p store.EventTypeListParams) Query {
	b := New(d)
	if !p.IncludeArchived {
		b.Where("NOT archived")
	}
	if p.FlagsSeen != nil {
		b.NullOrIn("feature_flag", *p.FlagsSeen)
	}
	return b.query(`SELECT `+EventTypeColumns+` FROM event_types`, "name", p.Page)
}

// EndpointList pages an app's endpoints by ID; scan with ScanEndpoint.
func (d Dialect) EndpointList(p store.EndpointListParams) Query {
	b := New(d)
	b.Where("app_id = ?", p.AppID)
	return b.query(`SELECT `+EndpointColumns+` FROM endpoints`, "id", p.Page)
}

// EndpointStats counts an endpoint's deliveries by status, created in
// [Since, Until); scan with ScanStatusCount and total with Stats.
func (d Dialect) EndpointStats(p store.EndpointStatsParams) Query {
	b := New(d)
	b.Where("endpoint_id = ?", p.EndpointID)
	b.TimeRange("created_at", p.Since, p.Until)
	return Query{SQL: b.SQL(`SELECT status, count(*) FROM deliveries`, ` GROUP BY status`), Args: b.args}
}

// StatusCount is a row of EndpointStats.
type StatusCount struct {
	Status webhook.MessageStatus
	N      int64
}

// ScanStatusCount scans a row of EndpointStats.
func ScanStatusCount(sc Scanner) (StatusCount, error) {
	var status int
	var n int64
	err := sc.Scan(&status, &n)
	return StatusCount{Status: webhook.MessageStatus(status), N: n}, err
}

// Stats totals the rows of EndpointStats.
func Stats(counts []StatusCount) webhook.EndpointStats {
	var st webhook.EndpointStats
	for _, c := range counts {
		switch c.Status {
		case webhook.StatusSuccess:
			st.Success = c.N
		case webhook.StatusPending:
			st.Pending = c.N
		case webhook.StatusSending:
			st.Sending = c.N
		case webhook.StatusFail:
			st.Fail = c.N
		}
	}
	return st
}

// MessageList pages an app's messages by ID; scan with ScanMessage.
func (d Dialect) MessageList(p store.MessageListParams) Query {
	b := New(d)
	b.Where("app_id = ?", p.AppID)
	b.TimeRange("created_at", p.Since, p.Until)
	b.In("event_type", p.EventTypes)
	if p.Channel != "" {
		b.Where(d.HasChannel("channels"), p.Channel)
	}
	if p.Tag != "" {
		b.Where(d.HasChannel("tags"), p.Tag)
	}
	b.In("id", p.IDs)
	cols := d.messageColumns(p.WithContent)
	if p.KeysOnly {
		// Literals for the columns the index lacks, typed as the scan
		// expects them, so the index covers the query.
		cols = `id, app_id, '', NULL, ` + d.NullList + `, ` + d.NullBytes + `, 0, ` + d.NullList + `, NULL`
	}
	return b.query(`SELECT `+cols+` FROM messages`, "id", p.Page)
}

// ReplayChunk is how many messages DeliveryReplay reads per transaction.
const ReplayChunk = 500

// ReplayCandidates lists, by ID after after (oldest first), a chunk of
// the messages of the endpoint's app created in [since, until) whose
// content is kept and that have no delivery to the endpoint: what
// DeliveryReplay may send (Endpoint.Receives decides); scan with
// ScanReplayCandidate.
func (d Dialect) ReplayCandidates(ep webhook.Endpoint, since, until time.Time, after string) Query {
	b := New(d)
	b.Where("m.app_id = ?", ep.AppID)
	b.TimeRange("m.created_at", since, until)
	b.Where("m.payload IS NOT NULL")
	b.Where("NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id AND d.endpoint_id = ?)", ep.ID)
	return b.query(`SELECT m.id, m.event_type, m.channels, m.created_at FROM messages m`, "m.id",
		store.Page{After: after, Order: store.Ascending, Limit: ReplayChunk})
}

// ReplayCandidate is a row of ReplayCandidates.
type ReplayCandidate struct {
	ID, EventType string
	Channels      []string
	CreatedAt     int64 // unix milliseconds, as stored
}

// ScanReplayCandidate scans a row of ReplayCandidates.
func (d Dialect) ScanReplayCandidate(sc Scanner) (ReplayCandidate, error) {
	var c ReplayCandidate
	err := sc.Scan(&c.ID, &c.EventType, d.ListDest(&c.Channels), &c.CreatedAt)
	return c, err
}

// AttemptList pages an app's attempts by ID, filtered by message,
// endpoint, status, time, and the message's event type and channel; scan
// with ScanAttempt.
func (d Dialect) AttemptList(p store.AttemptListParams) Query {
	b := New(d)
	b.Where("a.app_id = ?", p.AppID)
	if p.MsgID != "" {
		b.Where("a.msg_id = ?", p.MsgID)
	}
	if p.EndpointID != "" {
		b.Where("a.endpoint_id = ?", p.EndpointID)
	}
	if p.Status != nil {
		b.Where("a.status = ?", int(*p.Status))
	}
	if c := p.StatusCodeClass; c != nil {
		// Class 0 is "no response" (codes 0-99); class N00 is N00-N99.
		b.Where("a.response_status_code BETWEEN ? AND ?", *c, *c+99)
	}
	b.TimeRange("a.created_at", p.Since, p.Until)
	from := ` FROM attempts a`
	// The message is joined only when a filter needs it.
	if len(p.EventTypes) > 0 || p.Channel != "" || p.Tag != "" {
		from += ` JOIN messages m ON m.id = a.msg_id`
		b.In("m.event_type", p.EventTypes)
		if p.Channel != "" {
			b.Where(d.HasChannel("m.channels"), p.Channel)
		}
		if p.Tag != "" {
			b.Where(d.HasChannel("m.tags"), p.Tag)
		}
	}
	return b.query(`SELECT `+Qualified("a.", AttemptColumns)+from, "a.id", p.Page)
}

// DeliveryListByMessage pages a message's deliveries by endpoint ID, each
// with its endpoint; scan with ScanDeliveryWithEndpoint.
func (d Dialect) DeliveryListByMessage(p store.DeliveryListByMessageParams) Query {
	b := New(d)
	b.Where("d.app_id = ?", p.AppID)
	b.Where("d.msg_id = ?", p.MsgID)
	return b.query(`SELECT `+DeliveryColumns+`, `+Qualified("e.", EndpointColumns)+
		` FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id`, "d.endpoint_id", p.Page)
}

// ScanDeliveryWithEndpoint returns the scanner of a row of
// DeliveryListByMessage, which opens the endpoint's sealed columns with x.
func (d Dialect) ScanDeliveryWithEndpoint(x Secrets) func(Scanner) (store.DeliveryWithEndpoint, error) {
	scanEndpoint := d.ScanEndpoint(x)
	return func(sc Scanner) (store.DeliveryWithEndpoint, error) {
		var r DeliveryRow
		e, err := scanEndpoint(PrefixScanner{Scanner: sc, Prefix: r.Dest()})
		return store.DeliveryWithEndpoint{Delivery: r.Delivery(), Endpoint: e}, err
	}
}

// DeliveryListByEndpoint pages an endpoint's deliveries by message ID,
// each with its message; scan with ScanDeliveryWithMessage.
func (d Dialect) DeliveryListByEndpoint(p store.DeliveryListByEndpointParams) Query {
	b := New(d)
	b.Where("d.app_id = ?", p.AppID)
	b.Where("d.endpoint_id = ?", p.EndpointID)
	if p.Status != nil {
		b.Where("d.status = ?", int(*p.Status))
	}
	b.In("m.event_type", p.EventTypes)
	if p.Channel != "" {
		b.Where(d.HasChannel("m.channels"), p.Channel)
	}
	if p.Tag != "" {
		b.Where(d.HasChannel("m.tags"), p.Tag)
	}
	b.TimeRange("m.created_at", p.Since, p.Until)
	return b.query(`SELECT `+DeliveryColumns+`, `+Qualified("m.", d.messageColumns(p.WithContent))+
		` FROM deliveries d JOIN messages m ON m.id = d.msg_id`, "d.msg_id", p.Page)
}

// ScanDeliveryWithMessage scans a row of DeliveryListByEndpoint.
func (d Dialect) ScanDeliveryWithMessage(sc Scanner) (store.DeliveryWithMessage, error) {
	var r DeliveryRow
	m, err := d.ScanMessage(PrefixScanner{Scanner: sc, Prefix: r.Dest()})
	return store.DeliveryWithMessage{Delivery: r.Delivery(), Message: m}, err
}
