package sqlbuild

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// EndpointHealthColumns are endpoint_health's columns, in the order
// ScanEndpointHealth reads them and EndpointHealthUpsert binds them.
const EndpointHealthColumns = `app_id, endpoint_id, last_attempt_at, last_success_at, last_failure_at,
	last_status_code, last_error, consecutive_failures`

// EndpointHealthUpsert returns the statement that merges one
// webhook.EndpointHealth into endpoint_health by the rules of
// webhook.EndpointHealth.Merge, bound with EndpointHealthArgs. Both
// dialects take ON CONFLICT ... DO UPDATE with excluded; a NULL time
// counts as "never" (0). The row is taken from endpoints, so a record of
// an endpoint deleted since is dropped instead of failing the flush on
// the foreign key; CASTs type the bound values, which PostgreSQL cannot
// infer in a SELECT list.
func (d Dialect) EndpointHealthUpsert() string {
	p := func(n int) string {
		if d.Numbered {
			return fmt.Sprintf("$%d", n)
		}
		return fmt.Sprintf("?%d", n)
	}
	const (
		old = "endpoint_health."
		neu = "excluded."
	)
	never := func(col string) string { return "COALESCE(" + col + ", 0)" }
	later := func(col string) string {
		return col + " = CASE WHEN " + never(neu+col) + " > " + never(old+col) + " THEN " + neu + col + " ELSE " + old + col + " END"
	}
	fromNewer := func(col string) string {
		return col + " = CASE WHEN " + neu + "last_attempt_at IS NOT NULL AND " + never(neu+"last_attempt_at") + " >= " + never(old+"last_attempt_at") +
			" THEN " + neu + col + " ELSE " + old + col + " END"
	}
	return `INSERT INTO endpoint_health (` + EndpointHealthColumns + `)
		SELECT app_id, id, CAST(` + p(2) + ` AS bigint), CAST(` + p(3) + ` AS bigint), CAST(` + p(4) + ` AS bigint),
			CAST(` + p(5) + ` AS integer), CAST(` + p(6) + ` AS text), CAST(` + p(7) + ` AS integer)
		FROM endpoints WHERE id = ` + p(1) + `
		ON CONFLICT (endpoint_id) DO UPDATE SET
		consecutive_failures = CASE
			WHEN ` + never(neu+"last_success_at") + ` > ` + never(old+"last_success_at") + `
				AND ` + never(neu+"last_success_at") + ` > ` + never(old+"last_failure_at") + ` THEN ` + neu + `consecutive_failures
			WHEN ` + never(neu+"last_failure_at") + ` > ` + never(old+"last_success_at") + ` THEN ` + old + `consecutive_failures + ` + neu + `consecutive_failures
			ELSE ` + old + `consecutive_failures END,
		` + fromNewer("last_status_code") + `,
		` + fromNewer("last_error") + `,
		` + later("last_attempt_at") + `,
		` + later("last_success_at") + `,
		` + later("last_failure_at")
}

// EndpointHealthArgs binds h to EndpointHealthUpsert.
func EndpointHealthArgs(h webhook.EndpointHealth) []any {
	return []any{h.EndpointID, nullTime(h.LastAttemptAt), nullTime(h.LastSuccessAt), nullTime(h.LastFailureAt),
		h.LastStatusCode, h.LastError, h.ConsecutiveFailures}
}

// EndpointHealthList reads the health rows of an app's endpoints among
// p.EndpointIDs; scan with ScanEndpointHealth.
func (d Dialect) EndpointHealthList(p store.EndpointHealthListParams) Query {
	b := New(d)
	b.Where("app_id = ?", p.AppID)
	b.In("endpoint_id", p.EndpointIDs)
	return Query{SQL: b.SQL(`SELECT `+EndpointHealthColumns+` FROM endpoint_health`, ` ORDER BY endpoint_id`), Args: b.args}
}

// EndpointHealthFailing lists the failing endpoints' health rows
// (store.Store.EndpointHealthFailing); scan with ScanEndpointHealth. The
// condition is webhook.EndpointHealth.Status's "failing", a NULL time
// being "never"; NOT works on SQLite's 0/1 and PostgreSQL's boolean alike.
func (d Dialect) EndpointHealthFailing(p store.EndpointHealthFailingParams) Query {
	b := New(d)
	b.Where("h.last_attempt_at IS NOT NULL")
	b.Where("(h.last_success_at IS NULL OR h.last_success_at < h.last_attempt_at)")
	b.Where("NOT e.disabled")
	cols := strings.Split(EndpointHealthColumns, ",")
	for i, c := range cols {
		cols[i] = "h." + strings.TrimSpace(c)
	}
	return Query{
		SQL: b.SQL(`SELECT `+strings.Join(cols, ", ")+` FROM endpoint_health h JOIN endpoints e ON e.id = h.endpoint_id`,
			` ORDER BY h.consecutive_failures DESC, h.endpoint_id LIMIT `+b.Arg(p.Limit)),
		Args: b.args,
	}
}

// ScanEndpointHealth scans EndpointHealthColumns.
func ScanEndpointHealth(sc Scanner) (webhook.EndpointHealth, error) {
	var h webhook.EndpointHealth
	var attempt, success, failure sql.NullInt64
	err := sc.Scan(&h.AppID, &h.EndpointID, &attempt, &success, &failure, &h.LastStatusCode, &h.LastError, &h.ConsecutiveFailures)
	h.LastAttemptAt, h.LastSuccessAt, h.LastFailureAt = fromNullTime(attempt), fromNullTime(success), fromNullTime(failure)
	return h, err
}

// nullTime stores a time whose zero means "never" as NULL.
func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: Millis(t), Valid: true}
}

func fromNullTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return FromMillis(v.Int64)
}
