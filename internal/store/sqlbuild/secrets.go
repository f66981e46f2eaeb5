package sqlbuild

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
)

// Secrets seals the endpoint columns that hold customers' credentials
// before they are written, and opens them when they are read: secret (the
// signing secret), old_secrets (a rotation's previous secrets, one JSON
// text) and headers (the custom headers, one JSON text: names and values,
// since a name can say as much as a value). The zero Secrets has no key:
// it writes them as given and refuses to read a sealed one.
//
// A sealed column is told from a plain one by its text alone: a plain
// secret is "whsec_" and base64, a plain headers or old_secrets column a
// JSON object or array, and none of them starts with seal.Prefix. So a
// database can hold both while it is being sealed, and NULL stays NULL.
type Secrets struct {
	key *seal.Key
}

// NewSecrets returns the Secrets of key; nil means none.
func NewSecrets(key *seal.Key) Secrets { return Secrets{key: key} }

// HasKey reports whether x seals what it writes.
func (x Secrets) HasKey() bool { return x.key != nil }

// EndpointSecrets is one endpoint's secret columns as stored (or as they
// would be in plain text).
type EndpointSecrets struct {
	ID         string
	Secret     string
	Headers    sql.NullString
	OldSecrets sql.NullString
}

// where binds a sealed column to its row: a value copied into another
// endpoint or column does not open there.
func where(col, id string) string { return "endpoints." + col + "/" + id }

// Seal seals every plain column of c with x's key and reports whether it
// changed any; without a key it returns c as it is.
func (x Secrets) Seal(c EndpointSecrets) (EndpointSecrets, bool) {
	if x.key == nil {
		return c, false
	}
	changed := false
	sealText := func(v *string, col string) {
		if !seal.IsSealed(*v) {
			*v, changed = x.key.Seal(*v, where(col, c.ID)), true
		}
	}
	sealText(&c.Secret, "secret")
	for _, col := range []struct {
		v    *sql.NullString
		name string
	}{{&c.Headers, "headers"}, {&c.OldSecrets, "old_secrets"}} {
		if col.v.Valid {
			sealText(&col.v.String, col.name)
		}
	}
	return c, changed
}

// Open returns c with its sealed columns opened. A sealed column without
// a key, or sealed with another key, is store.ErrEncryptionKey; one that
// does not open is corrupt or was moved (seal.ErrMalformed).
func (x Secrets) Open(c EndpointSecrets) (EndpointSecrets, error) {
	var err error
	open := func(v *string, col string) {
		if err != nil || !seal.IsSealed(*v) {
			return
		}
		var plain string
		plain, err = x.open(*v, col, c.ID)
		*v = plain
	}
	open(&c.Secret, "secret")
	if c.Headers.Valid {
		open(&c.Headers.String, "headers")
	}
	if c.OldSecrets.Valid {
		open(&c.OldSecrets.String, "old_secrets")
	}
	return c, err
}

func (x Secrets) open(v, col, id string) (string, error) {
	return x.openAt(v, col, where(col, id))
}

// openAt opens v, sealed for at; col names it in errors.
func (x Secrets) openAt(v, col, at string) (string, error) {
	if x.key == nil {
		kid, _ := seal.KeyID(v)
		return "", fmt.Errorf("%w: %s is encrypted with key %s, and the store has none", store.ErrEncryptionKey, col, kid)
	}
	plain, err := x.key.Open(v, at)
	switch {
	case err == nil:
		return plain, nil
	case errors.Is(err, seal.ErrWrongKey):
		return "", fmt.Errorf("%s: %w: %w", col, store.ErrEncryptionKey, err)
	}
	return "", fmt.Errorf("%s: %w", col, err)
}

// Check opens the sealed columns of c (a sample read at start) and
// returns the error Open would.
func (x Secrets) Check(c EndpointSecrets) error {
	_, err := x.Open(c)
	if err != nil {
		return fmt.Errorf("endpoint %s: %w", c.ID, err)
	}
	return nil
}

// SecretColumns are the columns of EndpointSecrets, in ScanEndpointSecrets'
// order.
const SecretColumns = `id, secret, headers, old_secrets`

// ScanEndpointSecrets scans SecretColumns.
func ScanEndpointSecrets(sc Scanner) (EndpointSecrets, error) {
	var c EndpointSecrets
	err := sc.Scan(&c.ID, &c.Secret, &c.Headers, &c.OldSecrets)
	return c, err
}

// plainCond holds for an endpoint with a column stored in plain text
// (NULL is neither plain nor sealed: NOT LIKE is NULL, which is false).
// The prefix has no LIKE wildcard in it.
const plainCond = "(secret NOT LIKE '" + seal.Prefix + "%' OR headers NOT LIKE '" + seal.Prefix + "%' OR old_secrets NOT LIKE '" + seal.Prefix + "%')"

// EndpointSecretsPlain reads up to limit endpoints after the ID after
// that have a plain secret column, by ID; scan with ScanEndpointSecrets.
func (d Dialect) EndpointSecretsPlain(after string, limit int) Query {
	b := New(d)
	b.Where("id > ?", after)
	b.Where(plainCond)
	return Query{SQL: b.SQL(`SELECT `+SecretColumns+` FROM endpoints`, ` ORDER BY id LIMIT `+strconv.Itoa(limit)), Args: b.args}
}

// EndpointSecretsPlainCount counts the endpoints EndpointSecretsPlain
// walks.
func (d Dialect) EndpointSecretsPlainCount() Query {
	return Query{SQL: `SELECT count(*) FROM endpoints WHERE ` + plainCond}
}

// EndpointSecretsSealedSample reads one endpoint with a sealed column, if
// any; scan with ScanEndpointSecrets.
func (d Dialect) EndpointSecretsSealedSample() Query {
	p := seal.Prefix + "%"
	return Query{SQL: `SELECT ` + SecretColumns + ` FROM endpoints WHERE secret LIKE '` + p + `' OR headers LIKE '` + p + `' OR old_secrets LIKE '` + p + `' LIMIT 1`}
}

// EndpointSecretsUpdate writes sealed over old, the same endpoint's
// columns as read: only the columns that changed, and each only if it
// still holds what was read, so that a write made meanwhile (a rotation on
// another node) is never undone. It reports false when nothing changed.
func (d Dialect) EndpointSecretsUpdate(old, sealed EndpointSecrets) (Query, bool) {
	b := New(d)
	type change struct {
		col      string
		from, to any
	}
	var changes []change
	if old.Secret != sealed.Secret {
		changes = append(changes, change{"secret", old.Secret, sealed.Secret})
	}
	if old.Headers != sealed.Headers {
		changes = append(changes, change{"headers", old.Headers, sealed.Headers})
	}
	if old.OldSecrets != sealed.OldSecrets {
		changes = append(changes, change{"old_secrets", old.OldSecrets, sealed.OldSecrets})
	}
	if len(changes) == 0 {
		return Query{}, false
	}
	// SET's arguments come before WHERE's in the statement, so they are
	// added first: numbered placeholders follow the order of addition.
	sets := make([]string, len(changes))
	for i, c := range changes {
		sets[i] = c.col + " = " + b.Arg(c.to)
	}
	b.Where("id = ?", old.ID)
	for _, c := range changes {
		b.Where(c.col+" = ?", c.from)
	}
	return Query{SQL: b.SQL(`UPDATE endpoints SET `+strings.Join(sets, ", "), ``), Args: b.args}, true
}

// SealPass runs the sealing pass of store.EndpointSecretsSeal over a
// backend: next reads up to store.SealChunk plain endpoints after an ID,
// write stores the sealed columns of one chunk in a transaction. It calls
// progress (if set) after each chunk with the endpoints sealed so far.
func (x Secrets) SealPass(next func(after string) ([]EndpointSecrets, error), write func(old, sealed []EndpointSecrets) error, progress func(done int)) (int, error) {
	if x.key == nil {
		return 0, nil
	}
	done, after := 0, ""
	for {
		rows, err := next(after)
		if err != nil {
			return done, err
		}
		if len(rows) == 0 {
			return done, nil
		}
		sealed := make([]EndpointSecrets, len(rows))
		for i, r := range rows {
			sealed[i], _ = x.Seal(r)
		}
		if err := write(rows, sealed); err != nil {
			return done, err
		}
		done += len(rows)
		after = rows[len(rows)-1].ID
		if progress != nil {
			progress(done)
		}
		if len(rows) < store.SealChunk {
			return done, nil
		}
	}
}

// serverKeyWhere binds a sealed server key to its row.
func serverKeyWhere(name string) string { return "server_keys.key/" + name }

// SealServerKey is what a server key (the browser session key) is stored
// as: sealed when x has a key, so a copy of the database alone does not
// open the sessions' cookies; else as it is.
func (x Secrets) SealServerKey(name string, key []byte) []byte {
	if x.key == nil {
		return key
	}
	return []byte(x.key.Seal(string(key), serverKeyWhere(name)))
}

// OpenServerKey reads a stored server key: a sealed one is opened, a
// plain one (stored before encryption was turned on) is returned with
// reseal true when x has a key, for the caller to store it sealed.
func (x Secrets) OpenServerKey(name string, stored []byte) (key []byte, reseal bool, err error) {
	if !seal.IsSealed(string(stored)) {
		return stored, x.key != nil, nil
	}
	plain, err := x.openAt(string(stored), "server_keys.key", serverKeyWhere(name))
	if err != nil {
		return nil, false, fmt.Errorf("server key %s: %w", name, err)
	}
	return []byte(plain), false, nil
}
