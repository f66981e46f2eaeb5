// Package pgtest gives tests a PostgreSQL schema of their own on the real
// server named by HOOKLINE_TEST_DATABASE_URL. The store's tests and the
// server's end-to-end suites share it, so that every test that touches
// PostgreSQL gets fresh state the same way and leaves nothing behind.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable naming the test server, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvURL = "HOOKLINE_TEST_DATABASE_URL"

// BaseURL returns $HOOKLINE_TEST_DATABASE_URL, or "" when it is unset.
func BaseURL() string { return os.Getenv(EnvURL) }

// RequireURL returns $HOOKLINE_TEST_DATABASE_URL, skipping t when it is
// unset: such tests need a real PostgreSQL server.
func RequireURL(t testing.TB) string {
	t.Helper()
	u := BaseURL()
	if u == "" {
		t.Skip(EnvURL + " is not set; set it to a PostgreSQL URL " +
			"(e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests")
	}
	return u
}

// WithParam returns databaseURL with the run-time parameter key set to
// value, for a postgres:// URL or a key=value DSN. pgx sends such
// parameters (search_path, application_name) when it connects.
func WithParam(databaseURL, key, value string) (string, error) {
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		u, err := url.Parse(databaseURL)
		if err != nil {
			return "", fmt.Errorf("parse database url: %w", err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if strings.ContainsAny(value, " '\\") {
		return "", fmt.Errorf("database url: %s value %q needs quoting in a key=value DSN", key, value)
	}
	return databaseURL + " " + key + "=" + value, nil
}

// NewSchema creates a schema of its own for t on the server at baseURL,
// drops it (with everything in it) when t ends, and returns baseURL with
// search_path set to it. Register it before anything that connects with
// the returned URL, so that t.Cleanup closes those connections first.
func NewSchema(t testing.TB, baseURL string) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "hl_test_" + hex.EncodeToString(b[:])
	if _, err := Exec(baseURL, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if _, err := Exec(baseURL, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := WithParam(baseURL, "search_path", schema)
	if err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	return u
}

// Exec runs one statement on a connection of its own, within 30 s, for
// administration (schemas, terminating backends). It returns the number of
// rows the statement affected or returned.
func Exec(databaseURL, sql string, args ...any) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	defer c.Close(ctx)
	tag, err := c.Exec(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("exec: %w", err)
	}
	return tag.RowsAffected(), nil
}
