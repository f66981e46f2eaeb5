package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// ServerKeyEnsure returns the key named p.Name, storing p.New first if
// there is none; with an encryption key it is stored sealed, and a plain
// one found is sealed in place. Two nodes racing both end with the first one's key: the
// losing INSERT waits for the winner's commit, then does nothing.
func (s *Store) ServerKeyEnsure(ctx context.Context, p store.ServerKeyEnsureParams) ([]byte, error) {
	if p.Name == "" || len(p.New) == 0 {
		return nil, errors.New("ensure server key: a name and a new key are required")
	}
	if _, err := s.exec(ctx, `INSERT INTO server_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, p.Name, s.secrets.SealServerKey(p.Name, p.New)); err != nil {
		return nil, wrapErr("ensure server key", err)
	}
	stored, err := queryRow(ctx, s, `SELECT key FROM server_keys WHERE name = $1`, []any{p.Name},
		func(sc sqlbuild.Scanner) ([]byte, error) {
			var key []byte
			return key, sc.Scan(&key)
		})
	if err != nil {
		return nil, wrapErr("ensure server key", err)
	}
	key, reseal, err := s.secrets.OpenServerKey(p.Name, stored)
	if err != nil {
		return nil, fmt.Errorf("ensure server key: %w", err)
	}
	if reseal {
		// Two nodes resealing at once both write a sealing of the same
		// key: either one opens.
		if _, err := s.exec(ctx, `UPDATE server_keys SET key = $1 WHERE name = $2`, s.secrets.SealServerKey(p.Name, key), p.Name); err != nil {
			return nil, wrapErr("ensure server key: seal", err)
		}
	}
	return key, nil
}
