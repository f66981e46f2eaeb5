package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookline/hookline/internal/store"
)

// ServerKeyEnsure returns the key named p.Name, storing p.New first if
// there is none.
func (s *Store) ServerKeyEnsure(ctx context.Context, p store.ServerKeyEnsureParams) ([]byte, error) {
	if p.Name == "" || len(p.New) == 0 {
		return nil, errors.New("ensure server key: a name and a new key are required")
	}
	var key []byte
	err := s.write(ctx, "ensure server key", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, p.Name, p.New); err != nil {
			return wrapErr("ensure server key", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT key FROM server_keys WHERE name = ?`, p.Name).Scan(&key); err != nil {
			return wrapErr("ensure server key", err)
		}
		return nil
	})
	return key, err
}
