package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storetest"
	"github.com/hookline/hookline/internal/webhook"
)

// latestVersion is the highest migration version this build embeds.
func latestVersion(t *testing.T) int64 {
	t.Helper()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	srcs := p.ListSources()
	return srcs[len(srcs)-1].Version
}

// initDatabase creates in dir a database of the first schema (00001
// alone), as the first release of Hookline left it.
func initDatabase(t *testing.T, dir string) *sql.DB {
	t.Helper()
	initSQL, err := fs.ReadFile(migrations, "migrations/00001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn(filepath.Join(dir, DBFile), ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fstest.MapFS{"00001_init.sql": {Data: initSQL}}, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatalf("migrate to 00001: %v", err)
	}
	return db
}

// TestMigratesAnExistingDatabase takes a database that the first schema
// (00001 alone) created, with tokens in it, and opens it with this build:
// the later migrations apply over the gaps in the version numbers, the
// rows stay, tokens get their kinds (an app's token is app-portal, an
// admin token legacy), and health can be recorded.
func TestMigratesAnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := initDatabase(t, dir)
	if _, err := db.ExecContext(ctx, `INSERT INTO apps (id, name, created_at, updated_at) VALUES ('app_legacy', 'A', 0, 0);
		INSERT INTO tokens (id, hash, app_id, created_at) VALUES ('tok_admin', x'01', NULL, 0), ('tok_portal', x'02', 'app_legacy', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("Open over a 00001 database: %v", err)
	}
	defer s.Close()
	var version int64
	if err := s.r.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version`).Scan(&version); err != nil || version != latestVersion(t) {
		t.Fatalf("schema version = %d (%v), want %d", version, err, latestVersion(t))
	}
	toks, err := s.TokenList(ctx, store.TokenListParams{})
	if err != nil || len(toks) != 2 {
		t.Fatalf("TokenList = %+v, %v", toks, err)
	}
	for _, tok := range toks {
		want := map[string]webhook.TokenKind{"tok_admin": webhook.TokenLegacy, "tok_portal": webhook.TokenAppPortal}[tok.ID]
		if tok.Kind != want {
			t.Errorf("token %s migrated to kind %q, want %q", tok.ID, tok.Kind, want)
		}
	}

	appID, epID := storetest.Seed(t, s)
	rec := webhook.EndpointHealth{AppID: appID, EndpointID: epID, LastAttemptAt: storetest.T0, LastSuccessAt: storetest.T0, LastStatusCode: 200}
	if err := s.EndpointHealthRecord(ctx, []webhook.EndpointHealth{rec}); err != nil {
		t.Fatal(err)
	}
	got, err := s.EndpointHealthList(ctx, store.EndpointHealthListParams{AppID: appID, EndpointIDs: []string{epID}})
	if err != nil || len(got) != 1 || got[0] != rec {
		t.Errorf("EndpointHealthList = %+v, %v; want %+v", got, err, rec)
	}
}

// TestSharedOpenBesideTheOwner opens a data directory that a store holds
// (as a running server does) the shared way, as `hookline token` does:
// it is not refused by the lock, and what each writes the other reads.
func TestSharedOpenBesideTheOwner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner := openTest(t, dir)
	if _, err := Open(ctx, dir, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open beside the owner = %v, want ErrLocked", err)
	}
	shared, err := OpenWith(ctx, dir, Options{Shared: true})
	if err != nil {
		t.Fatalf("OpenWith(Shared) beside the owner: %v", err)
	}
	defer shared.Close()

	tok := webhook.Token{ID: "tok_shared", Hash: webhook.HashToken("hk_shared"), Kind: webhook.TokenCreated, CreatedAt: storetest.T0}
	if err := shared.TokenCreate(ctx, tok); err != nil {
		t.Fatalf("TokenCreate through the shared store: %v", err)
	}
	if got, err := owner.TokenGetByHash(ctx, tok.Hash); err != nil || got.ID != tok.ID {
		t.Fatalf("owner's TokenGetByHash = %+v, %v; want %s", got, err, tok.ID)
	}
	// The owner writes while the shared store is open (its writer holds
	// no lock between transactions), and the shared store revokes.
	storetest.Seed(t, owner)
	if n, err := shared.TokenRevoke(ctx, store.TokenRevokeParams{ID: tok.ID}); err != nil || n != 1 {
		t.Fatalf("shared TokenRevoke = %d, %v", n, err)
	}
	if _, err := owner.TokenGetByHash(ctx, tok.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("owner's TokenGetByHash after the shared revoke = %v, want ErrNotFound", err)
	}
	if err := shared.Close(); err != nil {
		t.Fatalf("shared Close: %v", err)
	}
	// Closing the shared store left the owner's lock alone.
	if _, err := Open(ctx, dir, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open after the shared store closed = %v, want ErrLocked still", err)
	}
}

func TestSharedOpenRefuses(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	if _, err := OpenWith(ctx, empty, Options{Shared: true}); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("OpenWith(Shared) of an empty directory = %v, want ErrNoDatabase", err)
	}
	if _, err := OpenWith(ctx, filepath.Join(empty, "typo"), Options{Shared: true}); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("OpenWith(Shared) of a missing directory = %v, want ErrNoDatabase", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(empty, "*")); len(matches) != 0 {
		t.Errorf("OpenWith(Shared) left files behind: %v", matches)
	}
	old := t.TempDir()
	initDatabase(t, old).Close()
	if _, err := OpenWith(ctx, old, Options{Shared: true}); !errors.Is(err, ErrSchema) {
		t.Errorf("OpenWith(Shared) of a database at schema 00001 = %v, want ErrSchema", err)
	}
}
