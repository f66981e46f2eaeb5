package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hookline/hookline/internal/store"
)

// ServerKeyEnsure returns the key named p.Name, storing p.New first if
// there is none; with an encryption key it is stored sealed, and a plain
// one found is sealed in place.
func (s *Store) ServerKeyEnsure(ctx context.Context, p store.ServerKeyEnsureParams) ([]byte, error) {
	if p.Name == "" || len(p.New) == 0 {
		return nil, errors.New("ensure server key: a name and a new key are required")
	}
	var key []byte
	err := s.write(ctx, "ensure server key", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, p.Name, s.secrets.SealServerKey(p.Name, p.New)); err != nil {
			return wrapErr("ensure server key", err)
		}
		var stored []byte
		if err := tx.QueryRowContext(ctx, `SELECT key FROM server_keys WHERE name = ?`, p.Name).Scan(&stored); err != nil {
			return wrapErr("ensure server key", err)
		}
		opened, reseal, err := s.secrets.OpenServerKey(p.Name, stored)
		if err != nil {
			return fmt.Errorf("ensure server key: %w", err)
		}
		if reseal {
			if _, err := tx.ExecContext(ctx, `UPDATE server_keys SET key = ? WHERE name = ?`, s.secrets.SealServerKey(p.Name, opened), p.Name); err != nil {
				return wrapErr("ensure server key: seal", err)
			}
		}
		key = opened
		return nil
	})
	return key, err
}
