package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// privateMode is the mode of the database and its WAL and shared-memory
// files: they hold endpoint secrets and customers' credentials (custom
// headers), so only the service user may read them.
const privateMode fs.FileMode = 0o600

// databaseFiles are the files SQLite keeps for the database at path.
func databaseFiles(path string) []string {
	return []string{path, path + "-wal", path + "-shm"}
}

// makePrivate creates the database's files with privateMode before SQLite
// opens them, and tightens those that exist with wider modes, logging it.
//
// SQLite's C library gives the -wal and -shm files the database file's
// mode; the Go VFS of github.com/ncruces/go-sqlite3 does not: it creates
// every file 0666 less the umask (vfs/file.go, vfs/shm_ofd.go), so 0644
// under the usual umask, and copies a mode only for files opened with the
// "modeof" URI parameter, which its shared-memory file ignores. An
// existing file keeps its mode when SQLite opens it, so creating them here
// first, empty (which SQLite reads as a new database, no WAL and no shared
// memory), decides their mode; dsn's modeof covers a WAL that SQLite
// deletes and creates again while the store is open.
func makePrivate(path string, logger *slog.Logger) error {
	for _, name := range databaseFiles(path) {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateMode)
		if err == nil {
			if err := f.Close(); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
			continue
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", name, err)
		}
		fi, err := os.Stat(name)
		if err != nil {
			return fmt.Errorf("stat %s: %w", name, err)
		}
		if fi.Mode().Perm()&^privateMode == 0 {
			continue
		}
		if err := os.Chmod(name, privateMode); err != nil {
			// Another user's file: SQLite may still open it, and refusing
			// to start would not make it private. Say so loudly.
			logger.Warn("cannot make a database file private: others may read endpoint secrets in it", "file", name, "mode", fi.Mode().Perm().String(), "err", err)
			continue
		}
		logger.Info("made a database file private: it was readable by others", "file", name, "was", fi.Mode().Perm().String(), "now", privateMode.String())
	}
	return nil
}
