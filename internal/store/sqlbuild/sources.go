package sqlbuild

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The sources and inbound_requests tables, laid out alike on both
// schemas (migration 00011): the settings and the headers are JSON text,
// so one encoder and one scanner serve both backends.

// SourceColumns are the sources table's columns, in ScanSource's and
// SourceArgs' order.
const SourceColumns = `id, name, token_hash, verify, secret, response, methods, body_limit, rate_limit,
	forward, created_at, updated_at`

// sourceWhere binds a sealed source secret to its row, as where does an
// endpoint's.
func sourceWhere(id string) string { return "sources.secret/" + id }

// The verify column holds the source's verify.Config without its
// secrets; the secret column holds them, a JSON list (the current secret,
// then the previous ones), sealed with the store's key, or NULL for a
// scheme without one.

// SourceArgs returns src's values in SourceColumns' order, its secrets
// sealed with x's key.
func (x Secrets) SourceArgs(src inbound.Source) ([]any, error) {
	response, err := json.Marshal(src.Response)
	if err != nil {
		return nil, fmt.Errorf("source response: %w", err)
	}
	methods, err := json.Marshal(src.Methods)
	if err != nil {
		return nil, fmt.Errorf("source methods: %w", err)
	}
	forward, err := json.Marshal(src.Forward)
	if err != nil {
		return nil, fmt.Errorf("source forward: %w", err)
	}
	cfg := src.Verify
	var secrets sql.NullString
	if cfg.Secret != "" || len(cfg.PreviousSecrets) > 0 {
		list, err := json.Marshal(append([]string{cfg.Secret}, cfg.PreviousSecrets...))
		if err != nil {
			return nil, fmt.Errorf("source secrets: %w", err)
		}
		secrets = sql.NullString{String: string(list), Valid: true}
		if x.key != nil {
			secrets.String = x.key.Seal(secrets.String, sourceWhere(src.ID))
		}
	}
	cfg.Secret, cfg.PreviousSecrets = "", nil
	verify, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("source verify: %w", err)
	}
	return []any{src.ID, src.Name, src.TokenHash, string(verify), secrets, string(response), string(methods),
		src.BodyLimit, src.RateLimit, string(forward), Millis(src.CreatedAt), Millis(src.UpdatedAt)}, nil
}

// SourceInsert is the INSERT of a source, with SourceArgs' values.
func (d Dialect) SourceInsert() string {
	return `INSERT INTO sources (` + SourceColumns + `) VALUES (` + d.placeholders(12) + `)`
}

// SourceUpdate writes what store.Sources.SourceUpdate writes: every column
// but id, token_hash and created_at.
func (d Dialect) SourceUpdate(args []any) Query {
	b := New(d)
	cols := strings.Split(SourceColumns, ",")
	var sets []string
	for i, c := range cols {
		c = strings.TrimSpace(c)
		switch c {
		case "id", "token_hash", "created_at":
			continue
		}
		sets = append(sets, c+" = "+b.Arg(args[i]))
	}
	b.Where("id = ?", args[0])
	return Query{SQL: b.SQL(`UPDATE sources SET `+strings.Join(sets, ", "), ``), Args: b.args}
}

// placeholders returns n placeholders, comma-separated.
func (d Dialect) placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "?"
		if d.Numbered {
			ps[i] = "$" + strconv.Itoa(i+1)
		}
	}
	return strings.Join(ps, ", ")
}

// ScanSource scans SourceColumns, opening the secrets with x's key.
func (x Secrets) ScanSource(sc Scanner) (inbound.Source, error) {
	var (
		src                                inbound.Source
		verify, response, methods, forward string
		secrets                            sql.NullString
		created, updated                   int64
	)
	if err := sc.Scan(&src.ID, &src.Name, &src.TokenHash, &verify, &secrets, &response, &methods,
		&src.BodyLimit, &src.RateLimit, &forward, &created, &updated); err != nil {
		return src, err
	}
	src.CreatedAt, src.UpdatedAt = FromMillis(created), FromMillis(updated)
	for _, c := range []struct {
		name, text string
		dst        any
	}{{"verify", verify, &src.Verify}, {"response", response, &src.Response}, {"methods", methods, &src.Methods}, {"forward", forward, &src.Forward}} {
		if err := json.Unmarshal([]byte(c.text), c.dst); err != nil {
			return src, fmt.Errorf("source %s %s: %w", src.ID, c.name, err)
		}
	}
	if !secrets.Valid {
		return src, nil
	}
	text := secrets.String
	if seal.IsSealed(text) {
		plain, err := x.openAt(text, "sources.secret", sourceWhere(src.ID))
		if err != nil {
			return src, fmt.Errorf("source %s: %w", src.ID, err)
		}
		text = plain
	}
	var list []string
	if err := json.Unmarshal([]byte(text), &list); err != nil || len(list) == 0 {
		return src, fmt.Errorf("source %s secrets: not a list of secrets (%v)", src.ID, err)
	}
	src.Verify.Secret, src.Verify.PreviousSecrets = list[0], list[1:]
	if len(src.Verify.PreviousSecrets) == 0 {
		src.Verify.PreviousSecrets = nil
	}
	return src, nil
}

// SourceList pages sources by ID; scan with Secrets.ScanSource.
func (d Dialect) SourceList(p store.SourceListParams) Query {
	return New(d).query(`SELECT `+SourceColumns+` FROM sources`, "id", p.Page)
}

// InboundRequestColumns are the inbound_requests table's columns, in
// ScanInboundRequest's and InboundRequestArgs' order.
const InboundRequestColumns = `id, source_id, method, path, query, headers, body, remote_addr, verified, reason,
	delivery_id, received_at, message_ids, duplicate_of`

// InboundRequestArgs returns req's values in InboundRequestColumns' order.
// It cannot fail: headers and message IDs are maps and lists of strings,
// which JSON always encodes.
func InboundRequestArgs(req *inbound.Request) []any {
	h := req.Header
	if h == nil {
		h = http.Header{}
	}
	headers, _ := json.Marshal(h)
	msgs, _ := ListJSON(req.MessageIDs)
	return []any{req.ID, req.SourceID, req.Method, req.Path, req.Query, string(headers), req.Body, req.RemoteAddr,
		req.Verified, req.Reason, NullString(req.DeliveryID), Millis(req.ReceivedAt), msgs, NullString(req.DuplicateOf)}
}

// InboundRequestInsert is the INSERT of an inbound request, with
// InboundRequestArgs' values.
func (d Dialect) InboundRequestInsert() string {
	return `INSERT INTO inbound_requests (` + InboundRequestColumns + `) VALUES (` + d.placeholders(14) + `)`
}

// ScanInboundRequest scans InboundRequestColumns.
func ScanInboundRequest(sc Scanner) (inbound.Request, error) {
	var (
		req      inbound.Request
		headers  string
		delivery sql.NullString
		received int64
		msgs     sql.NullString
		dupOf    sql.NullString
	)
	if err := sc.Scan(&req.ID, &req.SourceID, &req.Method, &req.Path, &req.Query, &headers, &req.Body, &req.RemoteAddr,
		&req.Verified, &req.Reason, &delivery, &received, &msgs, &dupOf); err != nil {
		return req, err
	}
	if err := json.Unmarshal([]byte(headers), &req.Header); err != nil {
		return req, fmt.Errorf("inbound request %s headers: %w", req.ID, err)
	}
	if err := FromJSON(msgs, &req.MessageIDs); err != nil {
		return req, fmt.Errorf("inbound request %s message IDs: %w", req.ID, err)
	}
	req.DeliveryID, req.DuplicateOf = delivery.String, dupOf.String
	req.ReceivedAt = FromMillis(received)
	return req, nil
}

// InboundRequestList pages a source's requests by ID; scan with
// ScanInboundRequest.
func (d Dialect) InboundRequestList(p store.InboundRequestListParams) Query {
	b := New(d)
	b.Where("source_id = ?", p.SourceID)
	if p.DeliveryID != "" {
		b.Where("delivery_id = ?", p.DeliveryID)
	}
	if p.VerifiedOnly {
		b.Where("verified")
	}
	cols := InboundRequestColumns
	if !p.WithBody {
		cols = strings.Replace(cols, "body", d.NullBytes, 1)
	}
	return b.query(`SELECT `+cols+` FROM inbound_requests`, "id", p.Page)
}

// InboundRequestGet reads one request of a source; scan with
// ScanInboundRequest.
func (d Dialect) InboundRequestGet(sourceID, id string) Query {
	b := New(d)
	b.Where("source_id = ?", sourceID)
	b.Where("id = ?", id)
	return Query{SQL: b.SQL(`SELECT `+InboundRequestColumns+` FROM inbound_requests`, ``), Args: b.args}
}

// InboundRequestConflict is the error of an inbound request whose insert
// broke a unique constraint: a verified request with a delivery ID, not
// marked a duplicate, broke the (source, delivery ID) index, a provider's
// retry (store.ErrDuplicate, with store.ErrConflict); otherwise its ID was
// taken (store.ErrConflict).
func InboundRequestConflict(req *inbound.Request) error {
	if req.Verified && req.DeliveryID != "" && req.DuplicateOf == "" {
		return fmt.Errorf("insert inbound request %s: source %s already has delivery %q: %w: %w",
			req.ID, req.SourceID, req.DeliveryID, store.ErrDuplicate, store.ErrConflict)
	}
	return fmt.Errorf("insert inbound request %s: %w", req.ID, store.ErrConflict)
}

// InboundRequestSourceGone is the error of an inbound request whose source
// was deleted before it was stored.
func InboundRequestSourceGone(req *inbound.Request) error {
	return fmt.Errorf("insert inbound request %s: source %q: %w", req.ID, req.SourceID, store.ErrNotFound)
}

// SourceSecret is one source's secret column as stored.
type SourceSecret struct {
	ID     string
	Secret string
}

// ScanSourceSecret scans id, secret.
func ScanSourceSecret(sc Scanner) (SourceSecret, error) {
	var c SourceSecret
	err := sc.Scan(&c.ID, &c.Secret)
	return c, err
}

// The queries of the sealing pass over sources (store.Sources'
// SourceSecretsCheck and SourceSecretsSeal): sources are few, so one
// statement reads them all. NULL (no secret) is neither plain nor sealed.
const (
	SourceSecretsPlainSQL  = `SELECT id, secret FROM sources WHERE secret NOT LIKE '` + seal.Prefix + `%' ORDER BY id`
	SourceSecretsSampleSQL = `SELECT id, secret FROM sources WHERE secret LIKE '` + seal.Prefix + `%' LIMIT 1`
)

// SourceSecretUpdate writes c's sealed secret over the plain one read, only
// if the row still holds it, so that a change made meanwhile is kept.
func (d Dialect) SourceSecretUpdate(plain, sealed SourceSecret) Query {
	b := New(d)
	set := b.Arg(sealed.Secret)
	b.Where("id = ?", plain.ID)
	b.Where("secret = ?", plain.Secret)
	return Query{SQL: b.SQL(`UPDATE sources SET secret = `+set, ``), Args: b.args}
}

// SealSourceSecret seals c's secret with x's key; without a key it
// returns c as it is.
func (x Secrets) SealSourceSecret(c SourceSecret) SourceSecret {
	if x.key != nil && !seal.IsSealed(c.Secret) {
		c.Secret = x.key.Seal(c.Secret, sourceWhere(c.ID))
	}
	return c
}

// CheckSourceSecret opens c's sealed secret, as ScanSource would, and
// returns its error: store.ErrEncryptionKey without the key or with
// another.
func (x Secrets) CheckSourceSecret(c SourceSecret) error {
	if _, err := x.openAt(c.Secret, "sources.secret", sourceWhere(c.ID)); err != nil {
		return fmt.Errorf("source %s: %w", c.ID, err)
	}
	return nil
}

// InboundRequestPurge deletes the oldest p.Limit requests received before
// p.Before. Request IDs carry their time (webhook.BoundaryID), so the
// primary key finds them in order, without a time index.
func (d Dialect) InboundRequestPurge(p store.InboundRequestPurgeParams) Query {
	b := New(d)
	b.Where("id < ?", webhook.BoundaryID(webhook.PrefixInboundRequest, p.Before))
	inner := b.SQL(`SELECT id FROM inbound_requests`, ` ORDER BY id LIMIT `+strconv.Itoa(max(p.Limit, 1)))
	return Query{SQL: `DELETE FROM inbound_requests WHERE id IN (` + inner + `)`, Args: b.args}
}
