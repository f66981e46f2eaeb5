package sqlbuild

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// TokenColumns are the tokens table's columns, in ScanToken's order; the
// INSERT of TokenCreate binds them in the same order (TokenArgs).
const TokenColumns = `id, hash, app_id, kind, name, expires_at, created_at, last_used_at, feature_flags`

// TokenArgs returns tok's values in TokenColumns' order.
func TokenArgs(tok webhook.Token) ([]any, error) {
	flags, err := ListJSON(tok.FeatureFlags)
	if err != nil {
		return nil, fmt.Errorf("token feature flags: %w", err)
	}
	return []any{tok.ID, tok.Hash, NullString(tok.AppID), string(tok.Kind), tok.Name,
		NullMillis(tok.ExpiresAt), Millis(tok.CreatedAt), NullMillis(tok.LastUsedAt), flags}, nil
}

// ScanToken scans TokenColumns.
func ScanToken(sc Scanner) (webhook.Token, error) {
	var (
		tok           webhook.Token
		appID         sql.NullString
		kind          string
		expires, used sql.NullInt64
		created       int64
		flags         sql.NullString
	)
	if err := sc.Scan(&tok.ID, &tok.Hash, &appID, &kind, &tok.Name, &expires, &created, &used, &flags); err != nil {
		return tok, err
	}
	tok.AppID = appID.String
	tok.Kind = webhook.TokenKind(kind)
	tok.ExpiresAt = FromNullMillis(expires)
	tok.CreatedAt = FromMillis(created)
	tok.LastUsedAt = FromNullMillis(used)
	if err := FromJSON(flags, &tok.FeatureFlags); err != nil {
		return tok, fmt.Errorf("token feature flags: %w", err)
	}
	return tok, nil
}

// TokenList lists tokens by ID; scan with ScanToken.
func (d Dialect) TokenList(p store.TokenListParams) Query {
	b := New(d)
	if p.AdminOnly {
		b.Where("app_id IS NULL")
	}
	return Query{SQL: b.SQL(`SELECT `+TokenColumns+` FROM tokens`, ` ORDER BY id`), Args: b.args}
}

// TokenRevoke deletes the tokens p names (see store.TokenRevokeParams).
func (d Dialect) TokenRevoke(p store.TokenRevokeParams) (Query, error) {
	b := New(d)
	switch {
	case p.ID != "":
		b.Where("id = ?", p.ID)
	case len(p.Kinds) > 0:
		kinds := make([]string, len(p.Kinds))
		for i, k := range p.Kinds {
			kinds[i] = string(k)
		}
		b.Where("app_id IS NULL")
		b.In("kind", kinds)
		if p.KeepID != "" {
			b.Where("id <> ?", p.KeepID)
		}
	default:
		// Never "revoke everything": an empty params struct is a bug.
		return Query{}, errors.New("revoke tokens: name an ID or kinds")
	}
	return Query{SQL: b.SQL(`DELETE FROM tokens`, ``), Args: b.args}, nil
}
