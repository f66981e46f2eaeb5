package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver" // the driver the store uses
	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
)

func withEncryptionKey(k []byte) serverOption {
	return func(c *config.Config) { c.EncryptionKey = k }
}

// credentials is an endpoint's secret and custom header value, which must
// never be stored in plain text once a key is set.
type credentials struct {
	secret, header string
}

// endpointWithCredentials creates an app and an endpoint at rcv with a
// custom Authorization header, and returns the app's ID and the endpoint's
// credentials as the API serves them.
func endpointWithCredentials(t *testing.T, s *testServer, rcv *receiver) (string, credentials) {
	t.Helper()
	ctx := context.Background()
	app, eps := setup(t, s, &svix.EndpointIn{Url: rcv.URL + "/hook"})
	c := credentials{header: "Bearer receiver-credential-4f9a2c"}
	if err := s.Client.Endpoint.UpdateHeaders(ctx, app.Id, eps[0].Id, svix.EndpointHeadersIn{Headers: map[string]string{"Authorization": c.header}}); err != nil {
		t.Fatalf("UpdateHeaders: %v", err)
	}
	secret, err := s.Client.Endpoint.GetSecret(ctx, app.Id, eps[0].Id)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	c.secret = secret.Key
	return app.Id, c
}

// checkDelivered sends a message to appID and checks the delivery carries
// the header and verifies with the secret.
func checkDelivered(t *testing.T, s *testServer, rcv *receiver, appID string, c credentials) {
	t.Helper()
	before := rcv.count()
	if status, body := s.do(t, "POST", "/api/v1/app/"+appID+"/msg", s.Token, []byte(`{"eventType":"invoice.paid","payload":{"n":1}}`)); status != http.StatusAccepted {
		t.Fatalf("POST msg = %d %s", status, body)
	}
	got := rcv.waitFor(t, before+1, 10*time.Second)[before]
	if err := signature.Verify(c.secret, got.Header, got.Body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("the delivery does not verify with the endpoint's secret: %v", err)
	}
	if h := got.Header.Get("Authorization"); h != c.header {
		t.Errorf("the delivery's Authorization = %q, want the endpoint's header %q", h, c.header)
	}
}

// storedInPlainText opens the SQLite database of dir directly, through
// database/sql and the store's own driver, and returns which of values
// appear in the endpoints table; then it looks for them in the bytes of
// the database and WAL files too.
func storedInPlainText(t *testing.T, dir string, values ...string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "hookline.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT secret, coalesce(headers, ''), coalesce(old_secrets, '') FROM endpoints`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var stored strings.Builder
	for rows.Next() {
		var a, b, c string
		if err := rows.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		stored.WriteString(a + " " + b + " " + c + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "hookline.db*"))
	var found []string
	for _, v := range values {
		in := strings.Contains(stored.String(), v)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in = in || bytes.Contains(b, []byte(v))
		}
		if in {
			found = append(found, v)
		}
	}
	return found
}

// runUntilListening starts a server with cfg and returns the error it
// refuses to start with, or nil once it serves (and stops it).
func runUntilListening(t *testing.T, cfg config.Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := server.New(ctx, cfg, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		_ = srv.Stop(ctx)
		return err
	}
	return srv.Stop(ctx)
}

// TestEncryptionAtRest runs a server with an encryption key: the
// endpoint's secret and header are in no file of the data directory, a
// delivery still verifies and carries the header; a start without the
// key or with another one is refused with a clear error and changes
// nothing, and the right key works again.
func TestEncryptionAtRest(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0x42}, seal.KeySize)
	dir := t.TempDir()
	rcv := newReceiver(t)
	s := startServer(t, withDataDir(dir), withEncryptionKey(key))
	appID, c := endpointWithCredentials(t, s, rcv)
	checkDelivered(t, s, rcv, appID, c)
	if found := storedInPlainText(t, dir, c.secret, c.header); len(found) > 0 {
		t.Errorf("with a key, the data directory holds %q in plain text", found)
	}
	s.stop()

	before, err := os.ReadFile(filepath.Join(dir, "hookline.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		key   []byte
		want  string
		wrong bool
	}{
		{"no key", nil, "endpoint secrets in the database are encrypted, and no encryption key is set", false},
		{"another key", bytes.Repeat([]byte{0x43}, seal.KeySize), "encrypted with another key than the encryption key given", true},
	} {
		cfg := s.cfg
		cfg.EncryptionKey = tc.key
		err := runUntilListening(t, cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, store.ErrEncryptionKey) || errors.Is(err, seal.ErrWrongKey) != tc.wrong {
			t.Errorf("%s: server.Run = %v, want it refused: %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), string(key)) {
			t.Errorf("%s: the error shows the key", tc.name)
		}
	}
	if after, err := os.ReadFile(filepath.Join(dir, "hookline.db")); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the refused starts changed the database file (%v)", err)
	}

	s = startServer(t, withDataDir(dir), withEncryptionKey(key))
	checkDelivered(t, s, rcv, appID, c)
}

// TestEncryptionTurnedOnForAnExistingDatabase starts without a key,
// creates an endpoint, then restarts with one: the start encrypts it
// (logged), nothing stays in plain text, and deliveries still verify.
func TestEncryptionTurnedOnForAnExistingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rcv := newReceiver(t)
	s := startServer(t, withDataDir(dir))
	appID, c := endpointWithCredentials(t, s, rcv)
	s.stop()
	if found := storedInPlainText(t, dir, c.secret, c.header); len(found) != 2 {
		t.Fatalf("without a key the data directory holds %q in plain text, want both: the test reads the wrong place", found)
	}

	s = startServer(t, withDataDir(dir), withEncryptionKey(bytes.Repeat([]byte{7}, seal.KeySize)))
	if !strings.Contains(s.Logs.String(), "encrypted the endpoint secrets that were stored in plain text") {
		t.Errorf("the start with a key did not log the encryption of the plain rows:\n%s", s.Logs.String())
	}
	checkDelivered(t, s, rcv, appID, c)
	if found := storedInPlainText(t, dir, c.secret, c.header); len(found) > 0 {
		t.Errorf("after the start with a key, the data directory holds %q in plain text", found)
	}
}

// TestEncryptionOnPostgreSQL is TestEncryptionAtRest's delivery half on
// PostgreSQL: sealed values open on every node, and a node without the
// key is refused.
func TestEncryptionOnPostgreSQL(t *testing.T) {
	t.Parallel()
	var pg serverOption
	for _, b := range backends() {
		if b.name == "postgres" {
			pg = b.fresh(t)
		}
	}
	if pg == nil {
		t.Skip("HOOKLINE_TEST_DATABASE_URL is not set")
	}
	key := bytes.Repeat([]byte{0x11}, seal.KeySize)
	rcv := newReceiver(t)
	s := startServer(t, pg, withEncryptionKey(key))
	appID, c := endpointWithCredentials(t, s, rcv)
	checkDelivered(t, s, rcv, appID, c)
	// A second node with the key, beside the first.
	second := startServer(t, pg, withEncryptionKey(key))
	checkDelivered(t, second, rcv, appID, c)
	cfg := s.cfg
	cfg.EncryptionKey = nil
	if err := runUntilListening(t, cfg); !errors.Is(err, store.ErrEncryptionKey) {
		t.Errorf("a node without the key: server.Run = %v, want ErrEncryptionKey", err)
	}
}
