package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/sqlite"
)

// TestBackupUnderLoad takes a backup of a running server's SQLite
// database while four clients keep sending messages (delivered to a real
// receiver, so attempts are written too), then opens the copy as a data
// directory: it must be a sound Hookline database holding every message
// answered 202 before the backup started.
func TestBackupUnderLoad(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rcv := newReceiver(t)
	app, _ := setup(t, s, &svix.EndpointIn{Url: rcv.URL})

	var (
		mu       sync.Mutex
		accepted []string // IDs answered 202, in the order the answers came
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		errs     = make(chan error, 4)
	)
	post := func(i int) (string, error) {
		body := fmt.Appendf(nil, `{"eventType":"user.created","payload":{"n":%d,"pad":"%s"}}`, i, bytes.Repeat([]byte("x"), 500))
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/app/"+app.Id+"/msg", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			return "", fmt.Errorf("POST msg = %d %s", resp.StatusCode, b)
		}
		var out struct{ ID string }
		if err := json.Unmarshal(b, &out); err != nil {
			return "", err
		}
		return out.ID, nil
	}
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id, err := post(w*1_000_000 + i)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				accepted = append(accepted, id)
				mu.Unlock()
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	eventually(t, 30*time.Second, "500 messages accepted before the backup", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted) >= 500
	})

	dst := filepath.Join(t.TempDir(), "backup.db")
	mu.Lock()
	before := append([]string(nil), accepted...)
	mu.Unlock()
	var progressed int
	info, err := server.Backup(t.Context(), s.cfg, dst, false, func(written, total int64) { progressed++ })
	if err != nil {
		t.Fatalf("Backup under load: %v", err)
	}
	mu.Lock()
	during := len(accepted) - len(before)
	mu.Unlock()
	select {
	case err := <-errs:
		t.Fatalf("a client failed during the backup: %v", err)
	default:
	}
	t.Logf("backup: %d bytes, %d messages; %d accepted before it, %d during it; %d progress calls", info.Bytes, info.Messages, len(before), during, progressed)
	if info.Messages < int64(len(before)) {
		t.Errorf("backup holds %d messages, fewer than the %d accepted before it", info.Messages, len(before))
	}
	if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the backup file's mode = %v, %v; want 0600: it holds customers' data", st.Mode().Perm(), err)
	}
	if _, err := os.Stat(dst + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the backup's partial file remains: %v", err)
	}
	if _, err := server.Backup(t.Context(), s.cfg, dst, false, nil); !errors.Is(err, sqlite.ErrBackupExists) {
		t.Errorf("a second Backup to the same file = %v, want ErrBackupExists", err)
	}

	// Restore: the copy as the database of a data directory of its own.
	dir := t.TempDir()
	if err := os.Rename(dst, filepath.Join(dir, sqlite.DBFile)); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the backup as a data directory: %v", err)
	}
	defer st.Close()
	missing := 0
	for _, id := range before {
		if _, err := st.MessageGet(t.Context(), app.Id, id); err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("MessageGet(%s) in the backup: %v", id, err)
			}
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of the %d messages answered 202 before the backup are missing from it", missing, len(before))
	}
	if _, err := st.AppGet(t.Context(), app.Id); err != nil {
		t.Errorf("AppGet(%s) in the backup: %v", app.Id, err)
	}
}

// TestBackupRefusesPostgres: PostgreSQL has its own tools.
func TestBackupRefusesPostgres(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DatabaseURL = "postgres://hookline@db/hookline"
	if _, err := server.Backup(t.Context(), cfg, filepath.Join(t.TempDir(), "b.db"), false, nil); !errors.Is(err, server.ErrBackupPostgres) {
		t.Errorf("Backup of a PostgreSQL URL = %v, want ErrBackupPostgres", err)
	}
}
