package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// SessionEnd records a signed-out session and forgets the expired ones.
func (s *Store) SessionEnd(ctx context.Context, p store.SessionEndParams) error {
	if p.ID == "" {
		return errors.New("end session: an ID is required")
	}
	if _, err := s.exec(ctx, `DELETE FROM sessions_ended WHERE expires_at < $1`, sqlbuild.Millis(p.Now)); err != nil {
		return wrapErr("end session: forget expired", err)
	}
	if _, err := s.exec(ctx, `INSERT INTO sessions_ended (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
		p.ID, sqlbuild.Millis(p.Expires)); err != nil {
		return wrapErr("end session", err)
	}
	return nil
}

// SessionEnded reports whether the session was signed out.
func (s *Store) SessionEnded(ctx context.Context, id string) (bool, error) {
	_, err := queryRow(ctx, s, `SELECT 1 FROM sessions_ended WHERE id = $1`, []any{id},
		func(sc sqlbuild.Scanner) (int, error) {
			var one int
			return one, sc.Scan(&one)
		})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr("read ended session", err)
	}
	return true, nil
}
