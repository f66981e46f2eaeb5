package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/storecopy"
)

func TestMigrateFrom(t *testing.T) {
	sum := storecopy.Summary{
		Apps: storecopy.Count{Copied: 2}, EventTypes: storecopy.Count{Copied: 1}, Endpoints: storecopy.Count{Copied: 3, Skipped: 1},
		Tokens: storecopy.Count{Copied: 1}, Messages: storecopy.Count{Copied: 4}, Deliveries: storecopy.Count{Copied: 5},
		FinishedLeft: 6,
	}
	tests := []struct {
		args       []string
		copyErr    error
		wantCall   string // the copy's arguments; "" means it must not run
		wantCode   int
		wantStdout string // substring
		wantStderr string // substring; "" means empty
	}{
		{
			args:     []string{"migrate", "--from", "sqlite://./d", "--database-url", "postgres://db/x"},
			wantCall: "sqlite://./d postgres://db/x force=false",
			wantStdout: "done: 2 apps, 1 event types, 3 endpoints, 1 tokens, 0 inbound sources, 0 bins, 4 messages with 5 unfinished deliveries copied; 1 rows were there already; 6 finished deliveries left behind (history).\n" +
				"Start hookline serve with --database-url. Do not start a server on sqlite://./d again",
		},
		{
			args:     []string{"migrate", "--from", "sqlite://./d", "--database-url", "postgres://db/x", "--force"},
			wantCall: "sqlite://./d postgres://db/x force=true",
		},
		{
			args:       []string{"migrate", "--from", "sqlite://./d", "--database-url", "postgres://db/x"},
			copyErr:    fmt.Errorf("copy: %w", storecopy.ErrNotEmpty),
			wantCall:   "sqlite://./d postgres://db/x force=false",
			wantCode:   ExitError,
			wantStderr: "already holds apps; nothing was copied. Pass --force",
		},
		{
			args:       []string{"migrate", "--from", "sqlite://./d", "--database-url", "postgres://db/x"},
			copyErr:    fmt.Errorf("copy event types: event type a exists in the destination already: %w", store.ErrConflict),
			wantCall:   "sqlite://./d postgres://db/x force=false",
			wantCode:   ExitError,
			wantStderr: "already: conflict. Run again with --force",
		},
		{
			args:       []string{"migrate", "--from", "sqlite://./d"},
			wantCode:   ExitUsage,
			wantStderr: "--from needs --database-url",
		},
		{
			args:       []string{"migrate", "--force"},
			wantCode:   ExitUsage,
			wantStderr: "--force applies only with --from",
		},
	}
	for _, tt := range tests {
		f := &fake{}
		d := f.deps()
		var call string
		d.copyFrom = func(ctx context.Context, from, databaseURL string, opts storecopy.Options, logger *slog.Logger) (storecopy.Summary, error) {
			call = fmt.Sprintf("%s %s force=%v", from, databaseURL, opts.Force)
			fmt.Fprintln(opts.Progress, "apps: 2 copied")
			return sum, tt.copyErr
		}
		var out, errOut bytes.Buffer
		code := run(t.Context(), tt.args, &out, &errOut, d)
		if code != tt.wantCode || call != tt.wantCall || f.migrated {
			t.Errorf("Run(%q) = %d, copy(%q), migrated %v; want %d, copy(%q), not migrated; stderr %q",
				tt.args, code, call, f.migrated, tt.wantCode, tt.wantCall, errOut.String())
		}
		if !strings.Contains(out.String(), tt.wantStdout) {
			t.Errorf("Run(%q) stdout = %q, want it to contain %q", tt.args, out.String(), tt.wantStdout)
		}
		if tt.wantStderr == "" && errOut.Len() != 0 || !strings.Contains(errOut.String(), tt.wantStderr) {
			t.Errorf("Run(%q) stderr = %q, want %q", tt.args, errOut.String(), tt.wantStderr)
		}
	}
}

// The real copy refuses a directory without a Hookline database before it
// touches PostgreSQL (none listens on port 1).
func TestMigrateFromReal(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"migrate", "--from", "sqlite://" + dir, "--database-url", "postgres://u@127.0.0.1:1/x"}, &out, &errOut)
	if want := "no Hookline database in " + dir; code != ExitError || !strings.Contains(errOut.String(), want) {
		t.Errorf("Run(migrate --from empty dir) = %d, %q; want %d and %q", code, errOut.String(), ExitError, want)
	}
}
