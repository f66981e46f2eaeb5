package server

import (
	"context"
	"errors"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/store/sqlite"
)

// ErrBackupPostgres is Backup's answer for a PostgreSQL database: its own
// tools copy it better than Hookline could (docs/operations.md, Backups).
var ErrBackupPostgres = errors.New("hookline backup copies the embedded SQLite database; back up PostgreSQL with pg_dump or pg_basebackup (docs/operations.md#backups)")

// Backup copies the SQLite database of cfg.DataDir to dst, beside the
// server that may be running on it (sqlite.Backup).
func Backup(ctx context.Context, cfg config.Config, dst string, force bool, progress func(written, total int64)) (sqlite.BackupInfo, error) {
	if cfg.DatabaseURL != "" {
		return sqlite.BackupInfo{}, ErrBackupPostgres
	}
	return sqlite.Backup(ctx, cfg.DataDir, dst, force, progress)
}
