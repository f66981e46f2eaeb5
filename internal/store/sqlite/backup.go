package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Bytes    int64 // the copy's size
	Messages int64 // messages in the copy
}

// ErrBackupExists is returned by Backup when dst exists and force is off.
var ErrBackupExists = errors.New("the backup file exists (use --force to replace it)")

// Backup writes a consistent copy of the database in dataDir to dst,
// beside the server that may be running on it: VACUUM INTO on a
// connection of its own reads one snapshot in one read transaction, which
// in WAL mode holds up no writer, and writes it compacted. The copy is
// written to dst.partial, synced, checked (quick_check) and renamed to
// dst, so a failed backup leaves no half file under dst's name. progress,
// when set, is called about every quarter second with the bytes written so
// far and the expected total (the database's used pages).
func Backup(ctx context.Context, dataDir, dst string, force bool, progress func(written, total int64)) (BackupInfo, error) {
	var info BackupInfo
	src, err := filepath.Abs(filepath.Join(dataDir, DBFile))
	if err != nil {
		return info, err
	}
	if _, err := os.Stat(src); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return info, fmt.Errorf("backup %s: %w", dataDir, ErrNoDatabase)
		}
		return info, err
	}
	if dst, err = filepath.Abs(dst); err != nil {
		return info, err
	}
	if _, err := os.Stat(dst); err == nil && !force {
		return info, fmt.Errorf("backup to %s: %w", dst, ErrBackupExists)
	}
	partial := dst + ".partial"
	if err := os.Remove(partial); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return info, err
	}
	// The copy holds what the database does (customers' payloads,
	// secrets): it is made empty and private first, and VACUUM INTO,
	// which accepts an empty file, writes into it.
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	f.Close()
	db, err := sql.Open("sqlite3", dsn(src, "", "busy_timeout(10000)"))
	if err != nil {
		os.Remove(partial)
		return info, fmt.Errorf("backup: open: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var used, pageSize int64
	if err := db.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()),
		(SELECT page_size FROM pragma_page_size())`).Scan(&used, &pageSize); err != nil {
		os.Remove(partial)
		return info, wrapErr("backup: size", err)
	}
	total := used * pageSize

	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if progress == nil {
			return
		}
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if st, err := os.Stat(partial); err == nil {
					progress(st.Size(), total)
				}
			}
		}
	}()
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, partial)
	close(done)
	<-watched
	if err != nil {
		os.Remove(partial)
		return info, wrapErr("backup: copy", err)
	}
	if info, err = checkCopy(ctx, partial); err != nil {
		os.Remove(partial)
		return info, err
	}
	if progress != nil {
		progress(info.Bytes, info.Bytes)
	}
	if err := os.Rename(partial, dst); err != nil {
		os.Remove(partial)
		return info, fmt.Errorf("backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync() // the rename, on disk
		d.Close()
	}
	return info, nil
}

// checkCopy syncs the copy at path to disk and checks that it opens as a
// sound Hookline database, counting its messages.
func checkCopy(ctx context.Context, path string) (BackupInfo, error) {
	var info BackupInfo
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	err = f.Sync()
	st, serr := f.Stat()
	f.Close()
	if err = errors.Join(err, serr); err != nil {
		return info, fmt.Errorf("backup: sync: %w", err)
	}
	info.Bytes = st.Size()
	db, err := sql.Open("sqlite3", dsn(path, "", "query_only(on)"))
	if err != nil {
		return info, fmt.Errorf("backup: check: %w", err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return info, wrapErr("backup: check", err)
	}
	if check != "ok" {
		return info, fmt.Errorf("backup: the copy fails SQLite's quick_check: %s", check)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&info.Messages); err != nil {
		return info, wrapErr("backup: check", err)
	}
	return info, nil
}
