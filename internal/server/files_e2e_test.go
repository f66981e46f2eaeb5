package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// dataFiles are the files of a data directory that hold its data.
var dataFiles = []string{"hookline.db", "hookline.db-wal", "hookline.db-shm"}

func checkPrivateFiles(t *testing.T, dir string) {
	t.Helper()
	for _, name := range dataFiles {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("stat %s: %v", name, err)
			continue
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s of a running server has mode %v, want -rw-------", name, got)
		}
	}
}

// TestDataDirFilesArePrivate starts real servers on a new data directory
// and on one left readable by others (as earlier versions made it), and
// stats the database, WAL and shared-memory files while each runs: 0600,
// whatever the umask gives (022 here, under which they used to be 0644).
func TestDataDirFilesArePrivate(t *testing.T) {
	// The umask is the process's: set to the usual one so the test can
	// fail; no other test depends on it.
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })

	t.Run("new", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		s := startServer(t, withDataDir(dir))
		if code, body := s.do(t, http.MethodPost, "/api/v1/app", s.Token, []byte(`{"name":"a"}`)); code != http.StatusCreated {
			t.Fatalf("create app = %d %s", code, body)
		}
		checkPrivateFiles(t, dir)
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("new data directory has mode %v (%v), want drwx------", fi.Mode().Perm(), err)
		}
	})

	t.Run("existing", func(t *testing.T) {
		dir := t.TempDir()
		s := startServer(t, withDataDir(dir))
		s.stop()
		for _, name := range dataFiles {
			f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			if err := os.Chmod(f.Name(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s = startServer(t, withDataDir(dir))
		checkPrivateFiles(t, dir)
		if n := strings.Count(s.Logs.String(), "made a database file private"); n != len(dataFiles) {
			t.Errorf("the server logged %d files made private, want %d:\n%s", n, len(dataFiles), s.Logs.String())
		}
	})
}
