package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store/sqlite"
)

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Open beside the data directory's owner, as against a running server.
	defer st.Close()
	dst := filepath.Join(t.TempDir(), "b.db")
	d := deps{getenv: func(string) string { return "" }, backup: server.Backup}
	runBackup := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), append([]string{"backup"}, args...), &out, &errOut, d)
		return code, out.String(), errOut.String()
	}
	for _, tt := range []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{args: []string{"--data-dir", dir}, wantCode: ExitUsage, wantStderr: "backup needs --to FILE"},
		{args: []string{"--database-url", "postgres://db/x", "--to", dst}, wantCode: ExitUsage, wantStderr: "pg_dump"},
		{args: []string{"--data-dir", filepath.Join(dir, "nothing"), "--to", dst}, wantCode: ExitError, wantStderr: "no Hookline database"},
		{args: []string{"--data-dir", dir, "--to", dst}, wantCode: ExitOK, wantStdout: "backup: wrote " + dst},
		{args: []string{"--data-dir", dir, "--to", dst}, wantCode: ExitError, wantStderr: "use --force"},
		{args: []string{"--data-dir", dir, "--to", dst, "--force"}, wantCode: ExitOK, wantStdout: "0 messages"},
	} {
		code, stdout, stderr := runBackup(tt.args...)
		if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("hookline backup %s = %d\nstdout %q\nstderr %q\nwant %d, stdout with %q, stderr with %q",
				strings.Join(tt.args, " "), code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
		}
	}
}
