package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlbuild"
)

// SessionEnd records a signed-out session and forgets the expired ones.
func (s *Store) SessionEnd(ctx context.Context, p store.SessionEndParams) error {
	if p.ID == "" {
		return errors.New("end session: an ID is required")
	}
	return s.write(ctx, "end session", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions_ended WHERE expires_at < ?`, sqlbuild.Millis(p.Now)); err != nil {
			return wrapErr("end session: forget expired", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions_ended (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`,
			p.ID, sqlbuild.Millis(p.Expires)); err != nil {
			return wrapErr("end session", err)
		}
		return nil
	})
}

// SessionEnded reports whether the session was signed out.
func (s *Store) SessionEnded(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM sessions_ended WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr("read ended session", err)
	}
	return true, nil
}
