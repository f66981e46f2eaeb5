package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/config"
)

// fake records what the commands handed to the server.
type fake struct {
	env        map[string]string
	serveErr   error
	migrateErr error

	served, migrated bool
	cfg              config.Config
	logger           *slog.Logger
}

func (f *fake) deps() deps {
	return deps{
		getenv: func(k string) string { return f.env[k] },
		serve: func(ctx context.Context, cfg config.Config, out io.Writer, logger *slog.Logger) error {
			f.served, f.cfg, f.logger = true, cfg, logger
			return f.serveErr
		},
		migrate: func(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
			f.migrated, f.cfg, f.logger = true, cfg, logger
			return f.migrateErr
		},
	}
}

func runFake(t *testing.T, f *fake, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut, f.deps())
	return code, out.String(), errOut.String()
}

func TestRunExitCodes(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		args       []string
		env        map[string]string
		serveErr   error
		wantCode   int
		wantStderr string // substring; "" means stderr must be empty
	}{
		{[]string{"serve"}, nil, nil, ExitOK, ""},
		{[]string{"serve", "--dev"}, nil, nil, ExitOK, ""},
		{[]string{"migrate"}, nil, nil, ExitOK, ""},
		{[]string{"version"}, nil, nil, ExitOK, ""},
		{[]string{"--version"}, nil, nil, ExitOK, ""},
		{[]string{"--help"}, nil, nil, ExitOK, ""},
		{[]string{"serve", "--help"}, nil, nil, ExitOK, ""},
		{[]string{}, nil, nil, ExitOK, ""},

		{[]string{"serve"}, nil, boom, ExitError, "hookline: serve: boom\n"},
		{[]string{"bogus"}, nil, nil, ExitUsage, `hookline: unknown command "bogus" for "hookline"`},
		{[]string{"serve", "extra"}, nil, nil, ExitUsage, `unknown command "extra" for "hookline serve"`},
		{[]string{"serve", "--bogus"}, nil, nil, ExitUsage, "hookline: unknown flag: --bogus (see 'hookline serve --help')\n"},
		{[]string{"serve", "--request-timeout", "soon"}, nil, nil, ExitUsage, `invalid argument "soon"`},
		{[]string{"serve", "--dev=maybe"}, nil, nil, ExitUsage, `invalid argument "maybe"`},
		{[]string{"migrate", "--addr", ":1"}, nil, nil, ExitUsage, "unknown flag: --addr"},
		{[]string{"version", "x"}, nil, nil, ExitUsage, "unknown command"},
		{[]string{"serve", "--retry-schedule", "5s,0s"}, nil, nil, ExitUsage, "hookline: invalid configuration: --retry-schedule: retry 2"},
		{[]string{"serve"}, map[string]string{"HOOKLINE_LOG_FORMAT": "xml", "HOOKLINE_ADDR": "nope"}, nil, ExitUsage, "addr: want host:port"},
		{[]string{"serve", "--config", "/does/not/exist"}, nil, nil, ExitUsage, "read settings file"},
	}
	for _, tt := range tests {
		f := &fake{env: tt.env, serveErr: tt.serveErr}
		code, _, stderr := runFake(t, f, tt.args...)
		if code != tt.wantCode {
			t.Errorf("Run(%q) = %d, want %d; stderr %q", tt.args, code, tt.wantCode, stderr)
		}
		if tt.wantStderr == "" && stderr != "" {
			t.Errorf("Run(%q) wrote %q to stderr, want nothing", tt.args, stderr)
		}
		if !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("Run(%q) wrote %q to stderr, want it to contain %q", tt.args, stderr, tt.wantStderr)
		}
		if strings.Count(stderr, "\n") > 1 {
			t.Errorf("Run(%q) wrote %d lines to stderr, want at most one: %q", tt.args, strings.Count(stderr, "\n"), stderr)
		}
	}
}

func TestRunPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hookline.conf")
	if err := os.WriteFile(file, []byte("addr = 127.0.0.1:3\nlog-format = json\nrequest-timeout = 3s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		env  map[string]string
		edit func(*config.Config)
	}{
		{
			// Unset flags must not pass their defaults on, or the env would lose.
			args: []string{"serve"},
			env:  map[string]string{"HOOKLINE_ADDR": "127.0.0.1:2", "HOOKLINE_REQUEST_TIMEOUT": "2s"},
			edit: func(c *config.Config) { c.Addr, c.RequestTimeout = "127.0.0.1:2", 2*time.Second },
		},
		{
			args: []string{"serve", "--addr", "127.0.0.1:1", "--request-timeout=1s"},
			env:  map[string]string{"HOOKLINE_ADDR": "127.0.0.1:2", "HOOKLINE_REQUEST_TIMEOUT": "2s"},
			edit: func(c *config.Config) { c.Addr, c.RequestTimeout = "127.0.0.1:1", time.Second },
		},
		{
			args: []string{"serve", "--config", file, "--request-timeout=1s"},
			env:  map[string]string{"HOOKLINE_ADDR": "127.0.0.1:2"},
			edit: func(c *config.Config) { c.Addr, c.LogFormat, c.RequestTimeout = "127.0.0.1:2", "json", time.Second },
		},
		{
			args: []string{"serve"},
			env:  map[string]string{"HOOKLINE_CONFIG": file},
			edit: func(c *config.Config) { c.Addr, c.LogFormat, c.RequestTimeout = "127.0.0.1:3", "json", 3*time.Second },
		},
		{
			args: []string{"serve", "--dev", "--max-body-bytes", "64KiB", "--retry-schedule", "none", "--shutdown-timeout", "1m"},
			edit: func(c *config.Config) {
				c.Dev, c.AllowPrivateTargets, c.MaxBodyBytes, c.RetrySchedule, c.ShutdownTimeout = true, true, 64<<10, []time.Duration{}, time.Minute
			},
		},
		{
			args: []string{"serve", "--allow-private-targets", "--admin-token", "tok", "--data-dir", "/tmp/x", "--log-level", "debug"},
			edit: func(c *config.Config) {
				c.AllowPrivateTargets, c.AdminToken, c.DataDir, c.LogLevel = true, "tok", "/tmp/x", "debug"
			},
		},
		{
			args: []string{"migrate", "--database-url", "postgres://db/x"},
			env:  map[string]string{"HOOKLINE_ADDR": "127.0.0.1:2"},
			edit: func(c *config.Config) { c.DatabaseURL, c.Addr = "postgres://db/x", "127.0.0.1:2" },
		},
	}
	for _, tt := range tests {
		f := &fake{env: tt.env}
		code, _, stderr := runFake(t, f, tt.args...)
		if code != ExitOK {
			t.Errorf("Run(%q) with env %v = %d, want %d; stderr %q", tt.args, tt.env, code, ExitOK, stderr)
			continue
		}
		want := config.Default()
		tt.edit(&want)
		if !reflect.DeepEqual(f.cfg, want) {
			t.Errorf("Run(%q) with env %v passed\n%+v\nwant\n%+v", tt.args, tt.env, f.cfg, want)
		}
	}
}

func TestRunLogger(t *testing.T) {
	tests := []struct {
		args      []string
		wantDebug bool
		wantJSON  bool
	}{
		{[]string{"serve"}, false, false},
		{[]string{"serve", "--log-level", "debug"}, true, false},
		{[]string{"migrate", "--log-format", "json"}, false, true},
	}
	for _, tt := range tests {
		f := &fake{}
		if code, _, stderr := runFake(t, f, tt.args...); code != ExitOK {
			t.Fatalf("Run(%q) = %d, want %d; stderr %q", tt.args, code, ExitOK, stderr)
		}
		if got := f.logger.Enabled(t.Context(), slog.LevelDebug); got != tt.wantDebug {
			t.Errorf("Run(%q): logger.Enabled(debug) = %v, want %v", tt.args, got, tt.wantDebug)
		}
		_, isJSON := f.logger.Handler().(*slog.JSONHandler)
		if isJSON != tt.wantJSON {
			t.Errorf("Run(%q): JSON handler = %v, want %v", tt.args, isJSON, tt.wantJSON)
		}
	}
}

// A server stopped by its context has done what it was asked.
func TestRunCancelledIsSuccess(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f := &fake{serveErr: context.Canceled}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"serve"}, &out, &errOut, f.deps()); code != ExitOK {
		t.Errorf("Run(serve) after cancel returning context.Canceled = %d, want %d; stderr %q", code, ExitOK, errOut.String())
	}
}

func TestRunMigrateError(t *testing.T) {
	f := &fake{migrateErr: errors.New("no database")}
	code, _, stderr := runFake(t, f, "migrate")
	if code != ExitError || stderr != "hookline: migrate: no database\n" {
		t.Errorf("Run(migrate) = %d, %q; want %d, %q", code, stderr, ExitError, "hookline: migrate: no database\n")
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, _ := runFake(t, &fake{}, args...)
		if code != ExitOK || !strings.HasPrefix(stdout, "hookline dev") || !strings.Contains(stdout, runtime.GOOS+"/"+runtime.GOARCH) {
			t.Errorf("Run(%q) = %d, %q; want 0, \"hookline dev ... %s/%s\"", args, code, stdout, runtime.GOOS, runtime.GOARCH)
		}
	}
	old := Version
	Version = "v1.2.3"
	t.Cleanup(func() { Version = old })
	if got := versionString(); !strings.HasPrefix(got, "hookline v1.2.3 ") {
		t.Errorf("versionString() with Version=v1.2.3 = %q, want prefix %q", got, "hookline v1.2.3 ")
	}
}

// Run must wire the real dependencies; version and a configuration error
// exercise it without starting a server, which would serve until cancelled.
func TestRunReal(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{[]string{"version"}, ExitOK, "hookline ", ""},
		{[]string{"serve", "--addr", "nowhere"}, ExitUsage, "", "hookline: invalid configuration: addr: want host:port"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := Run(t.Context(), tt.args, &out, &errOut)
		if code != tt.wantCode || !strings.HasPrefix(out.String(), tt.wantStdout) || !strings.HasPrefix(errOut.String(), tt.wantStderr) {
			t.Errorf("Run(%q) = %d, stdout %q, stderr %q; want %d, %q..., %q...", tt.args, code, out.String(), errOut.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
		}
	}
}
