package sqlite

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hookline/hookline/internal/store/storetest"
)

// withUmask022 sets the usual umask for the test, under which files
// created 0666 come out 0644, so that a test of the modes can fail.
func withUmask022(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

// checkPrivate fails unless the data directory's database files exist
// with mode 0600.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	for _, name := range databaseFiles(filepath.Join(dir, DBFile)) {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(name), err)
			continue
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", filepath.Base(name), got)
		}
	}
}

// TestDatabaseFilesArePrivate opens a new data directory and one whose
// files were left readable by others, writes through each, and checks the
// database, WAL and shared-memory files are 0600 and a new directory 0700.
// Not parallel: it sets the process's umask.
func TestDatabaseFilesArePrivate(t *testing.T) {
	withUmask022(t)
	ctx := context.Background()

	t.Run("new directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		s, err := Open(ctx, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		storetest.Seed(t, s)
		checkPrivate(t, dir)
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("new data directory: %v, %v; want mode 0700", fi.Mode().Perm(), err)
		}
	})

	t.Run("existing files readable by others", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// A database made without this fix, its files 0644, and a WAL and
		// shared memory left behind (as by a process that was killed).
		s, err := Open(ctx, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		storetest.Seed(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for _, name := range databaseFiles(filepath.Join(dir, DBFile)) {
			f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			if err := os.Chmod(name, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var logs bytes.Buffer
		s, err = Open(ctx, dir, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkPrivate(t, dir)
		if n := strings.Count(logs.String(), "made a database file private"); n != 3 {
			t.Errorf("logged %d files made private, want 3:\n%s", n, logs.String())
		}
		// The shared open (hookline token) tightens them as well.
		for _, name := range databaseFiles(filepath.Join(dir, DBFile)) {
			if err := os.Chmod(name, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		shared, err := OpenWith(ctx, dir, Options{Shared: true})
		if err != nil {
			t.Fatal(err)
		}
		defer shared.Close()
		checkPrivate(t, dir)
	})
}

// TestMakePrivateLeavesPrivateFilesAlone checks nothing is logged, or
// changed, for files that are private already (0600 or narrower).
func TestMakePrivateLeavesPrivateFilesAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DBFile)
	if err := os.WriteFile(path, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	if err := makePrivate(path, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("makePrivate logged for private files:\n%s", logs.String())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o400 {
		t.Errorf("makePrivate changed a 0400 database to %v", fi.Mode().Perm())
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("makePrivate made the WAL %v, %v; want 0600", fi, err)
	}
}
