package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storetest"
	"github.com/hookline/hookline/internal/webhook"
)

// TestEndpointHealthMigratesAnExistingDatabase takes a database that
// main's schema (00001 alone) created, and opens it with
// this build: 00004 applies over the gap in the version numbers, the rows
// stay, and health can be recorded.
func TestEndpointHealthMigratesAnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	initSQL, err := fs.ReadFile(migrations, "migrations/00001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn(filepath.Join(dir, DBFile), ""))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fstest.MapFS{"00001_init.sql": {Data: initSQL}}, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate to 00001: %v", err)
	}
	db.Close()

	s, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("Open over a 00001 database: %v", err)
	}
	defer s.Close()
	appID, epID := storetest.Seed(t, s)
	var version int64
	if err := s.r.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version`).Scan(&version); err != nil || version != 4 {
		t.Fatalf("schema version = %d (%v), want 4", version, err)
	}
	rec := webhook.EndpointHealth{AppID: appID, EndpointID: epID, LastAttemptAt: storetest.T0, LastSuccessAt: storetest.T0, LastStatusCode: 200}
	if err := s.EndpointHealthRecord(ctx, []webhook.EndpointHealth{rec}); err != nil {
		t.Fatal(err)
	}
	got, err := s.EndpointHealthList(ctx, store.EndpointHealthListParams{AppID: appID, EndpointIDs: []string{epID}})
	if err != nil || len(got) != 1 || got[0] != rec {
		t.Errorf("EndpointHealthList = %+v, %v; want %+v", got, err, rec)
	}
}
