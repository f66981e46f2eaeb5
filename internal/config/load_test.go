package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseBool(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{"true", true, false},
		{"1", true, false},
		{"false", false, false},
		{"0", false, false},
		{"TRUE", false, true},
		{"t", false, true},
		{"yes", false, true},
		{"", false, true},
		{" true", false, true},
	}
	for _, tt := range tests {
		got, err := ParseBool(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseBool(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseRetrySchedule(t *testing.T) {
	tests := []struct {
		in      string
		want    []time.Duration
		wantErr string
	}{
		{"5s,5m,30m,2h,5h,10h,10h", Default().RetrySchedule, ""},
		{"1s", []time.Duration{time.Second}, ""},
		{" 1s , 2m ", []time.Duration{time.Second, 2 * time.Minute}, ""},
		{"1500ms", []time.Duration{1500 * time.Millisecond}, ""},
		{"none", []time.Duration{}, ""},
		{"", nil, `use "none"`},
		{"  ", nil, `use "none"`},
		{"5s,,5m", nil, "retry 2"},
		{"5s,0s", nil, "retry 2: delay must be positive"},
		{"-5s", nil, "retry 1: delay must be positive"},
		{"5", nil, "retry 1"},
		{"5s,soon", nil, "retry 2"},
		{"none,5s", nil, "retry 1"},
	}
	for _, tt := range tests {
		got, err := ParseRetrySchedule(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRetrySchedule(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRetrySchedule(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatRetrySchedule(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want string
	}{
		{Default().RetrySchedule, "5s,5m,30m,2h,5h,10h,10h"},
		{nil, "none"},
		{[]time.Duration{}, "none"},
		{[]time.Duration{90 * time.Second, 1500 * time.Millisecond}, "1m30s,1.5s"},
	}
	for _, tt := range tests {
		got := FormatRetrySchedule(tt.in)
		if got != tt.want {
			t.Errorf("FormatRetrySchedule(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseRetrySchedule(got)
		if err != nil || len(back) != len(tt.in) || (len(back) > 0 && !reflect.DeepEqual(back, tt.in)) {
			t.Errorf("ParseRetrySchedule(%q) = %v, %v; want %v (round trip)", got, back, err, tt.in)
		}
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1048576", 1 << 20, false},
		{"1MiB", 1 << 20, false},
		{"1 MiB", 1 << 20, false},
		{"64KiB", 64 << 10, false},
		{"2GiB", 2 << 30, false},
		{"0", 0, false}, // parses; Validate rejects it
		{"1MB", 0, true},
		{"1mib", 0, true},
		{"1.5MiB", 0, true},
		{"MiB", 0, true},
		{"", 0, true},
		{"99999999999GiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{1 << 20, "1MiB"},
		{1536, "1536"},
		{3 << 10, "3KiB"},
		{4 << 30, "4GiB"},
		{0, "0"},
		{1000, "1000"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.in); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnvName(t *testing.T) {
	if got, want := EnvName("retry-schedule"), "HOOKLINE_RETRY_SCHEDULE"; got != want {
		t.Errorf("EnvName(%q) = %q, want %q", "retry-schedule", got, want)
	}
}

// writeFile writes a settings file into a fresh directory and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookline.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	const file = `
# a comment, then a blank line

addr = 0.0.0.0:9000
data-dir=/var/lib/hookline
admin-token = "tok#en with spaces "
retry-schedule = 1s,2s
log-level = debug
`
	tests := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		file  string // settings file content; "" means no file
		edit  func(*Config)
	}{
		{
			name: "defaults",
			edit: func(*Config) {},
		},
		{
			name: "file over defaults",
			file: file,
			edit: func(c *Config) {
				c.Addr = "0.0.0.0:9000"
				c.DataDir = "/var/lib/hookline"
				c.AdminToken = "tok#en with spaces "
				c.RetrySchedule = []time.Duration{time.Second, 2 * time.Second}
				c.LogLevel = "debug"
			},
		},
		{
			name: "env over file",
			file: file,
			env:  map[string]string{"HOOKLINE_ADDR": "127.0.0.1:1", "HOOKLINE_LOG_LEVEL": "warn"},
			edit: func(c *Config) {
				c.Addr = "127.0.0.1:1"
				c.DataDir = "/var/lib/hookline"
				c.AdminToken = "tok#en with spaces "
				c.RetrySchedule = []time.Duration{time.Second, 2 * time.Second}
				c.LogLevel = "warn"
			},
		},
		{
			name:  "flags over env over file",
			file:  file,
			env:   map[string]string{"HOOKLINE_ADDR": "127.0.0.1:1", "HOOKLINE_LOG_LEVEL": "warn"},
			flags: map[string]string{"addr": "127.0.0.1:2", "retry-schedule": "none"},
			edit: func(c *Config) {
				c.Addr = "127.0.0.1:2"
				c.DataDir = "/var/lib/hookline"
				c.AdminToken = "tok#en with spaces "
				c.RetrySchedule = []time.Duration{}
				c.LogLevel = "warn"
			},
		},
		{
			name: "empty env counts as unset",
			env:  map[string]string{"HOOKLINE_ADDR": "", "HOOKLINE_RETRY_SCHEDULE": ""},
			edit: func(*Config) {},
		},
		{
			name: "every key from env",
			env: map[string]string{
				"HOOKLINE_ADDR":                  ":8080",
				"HOOKLINE_DATA_DIR":              "d",
				"HOOKLINE_DATABASE_URL":          "postgresql://u:p@db/hookline",
				"HOOKLINE_ADMIN_TOKEN":           "t",
				"HOOKLINE_ALLOW_PRIVATE_TARGETS": "1",
				"HOOKLINE_RETRY_SCHEDULE":        "1m",
				"HOOKLINE_REQUEST_TIMEOUT":       "2s",
				"HOOKLINE_MAX_BODY_BYTES":        "64KiB",
				"HOOKLINE_SHUTDOWN_TIMEOUT":      "1m",
				"HOOKLINE_RETENTION":             "7d",
				"HOOKLINE_DEV":                   "0",
				"HOOKLINE_LOG_LEVEL":             "error",
				"HOOKLINE_LOG_FORMAT":            "json",
			},
			edit: func(c *Config) {
				*c = Config{
					Addr: ":8080", DataDir: "d", DatabaseURL: "postgresql://u:p@db/hookline",
					AdminToken: "t", AllowPrivateTargets: true,
					RetrySchedule: []time.Duration{time.Minute}, RequestTimeout: 2 * time.Second,
					MaxBodyBytes: 64 << 10, ShutdownTimeout: time.Minute, Retention: 7 * Day,
					LogLevel: "error", LogFormat: "json",
				}
			},
		},
		{
			name:  "retention as a duration from a flag, 0 keeps everything from env",
			env:   map[string]string{"HOOKLINE_RETENTION": "0"},
			flags: map[string]string{"retention": "36h"},
			edit:  func(c *Config) { c.Retention = 36 * time.Hour },
		},
		{
			name: "retention 0 keeps everything",
			env:  map[string]string{"HOOKLINE_RETENTION": "0"},
			edit: func(c *Config) { c.Retention = 0 },
		},
		{
			name:  "dev implies private targets",
			flags: map[string]string{"dev": "true"},
			edit:  func(c *Config) { c.Dev, c.AllowPrivateTargets = true, true },
		},
		{
			name: "dev from env",
			env:  map[string]string{"HOOKLINE_DEV": "true"},
			edit: func(c *Config) { c.Dev, c.AllowPrivateTargets = true, true },
		},
		{
			name:  "flag turns dev off again",
			env:   map[string]string{"HOOKLINE_DEV": "true"},
			flags: map[string]string{"dev": "false"},
			edit:  func(*Config) {},
		},
		{
			name:  "public-url from file, env and flag, trailing slash trimmed",
			file:  "public-url = https://file.example.com/\n",
			env:   map[string]string{"HOOKLINE_PUBLIC_URL": "https://env.example.com/hooks/"},
			flags: map[string]string{"config": "FILE"},
			edit:  func(c *Config) { c.PublicURL = "https://env.example.com/hooks" },
		},
		{
			name:  "public-url flag over env",
			env:   map[string]string{"HOOKLINE_PUBLIC_URL": "https://env.example.com"},
			flags: map[string]string{"public-url": "http://127.0.0.1:9000/"},
			edit:  func(c *Config) { c.PublicURL = "http://127.0.0.1:9000" },
		},
		{
			name: "portal-frame-ancestors split on commas and spaces, a trailing slash dropped",
			env:  map[string]string{"HOOKLINE_PORTAL_FRAME_ANCESTORS": "https://app.example.com/, https://*.example.org:8443 http://127.0.0.1:3000"},
			edit: func(c *Config) {
				c.PortalFrameAncestors = []string{"https://app.example.com", "https://*.example.org:8443", "http://127.0.0.1:3000"}
			},
		},
		{
			name:  "config path from flag beats env",
			file:  "log-format = json\n",
			env:   map[string]string{"HOOKLINE_CONFIG": "/does/not/exist"},
			flags: map[string]string{"config": "FILE"},
			edit:  func(c *Config) { c.LogFormat = "json" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			flags := map[string]string{}
			for k, v := range tt.flags {
				flags[k] = v
			}
			if tt.file != "" {
				path := writeFile(t, tt.file)
				if flags["config"] == "FILE" {
					flags["config"] = path
				} else {
					env["HOOKLINE_CONFIG"] = path
				}
			}
			want := Default()
			tt.edit(&want)
			got, err := Load(flags, func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("Load(%v, %v) error: %v", flags, env, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%v, %v) =\n%+v\nwant\n%+v", flags, env, got, want)
			}
		})
	}
}

func TestParsePublicURL(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{"https://hooks.example.com", "https://hooks.example.com", ""},
		{"https://hooks.example.com/", "https://hooks.example.com", ""},
		{"http://127.0.0.1:8071//", "http://127.0.0.1:8071", ""},
		{"https://example.com/hookline/", "https://example.com/hookline", ""},
		{"http://[::1]:8071", "http://[::1]:8071", ""},
		{"", "", "want an absolute http"},
		{"hooks.example.com", "", "want an absolute http"},
		{"/portal", "", "want an absolute http"},
		{"ftp://example.com", "", "want an absolute http"},
		{"https://", "", "want a host"},
		{"https://:8071", "", "want a host"},
		{"https://user:pw@example.com", "", "no user or password"},
		{"https://example.com/?a=1", "", "no query string"},
		{"https://example.com/?", "", "no query string"},
		{"https://example.com/#x", "", "no fragment"},
		{"https://example.com/#", "", "no fragment"},
		{"https://exa mple.com", "", "want an absolute http"},
	}
	for _, tt := range tests {
		got, err := ParsePublicURL(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePublicURL(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLoadNilGetenv(t *testing.T) {
	got, err := Load(nil, nil)
	if err != nil || !reflect.DeepEqual(got, Default()) {
		t.Errorf("Load(nil, nil) = %+v, %v; want Default(), nil", got, err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		file  string
		want  []string // each must appear in the error
	}{
		{
			name:  "bad flag values, all reported",
			flags: map[string]string{"request-timeout": "soon", "dev": "yes", "max-body-bytes": "1MB"},
			want:  []string{"--request-timeout:", "--dev:", "--max-body-bytes:"},
		},
		{
			name:  "unknown flag key",
			flags: map[string]string{"colour": "red"},
			want:  []string{"--colour: unknown setting"},
		},
		{
			name: "bad env values name the variable",
			env:  map[string]string{"HOOKLINE_RETRY_SCHEDULE": "5s,0s", "HOOKLINE_ALLOW_PRIVATE_TARGETS": "yes"},
			want: []string{"HOOKLINE_RETRY_SCHEDULE: retry 2", "HOOKLINE_ALLOW_PRIVATE_TARGETS:"},
		},
		{
			name: "file problems carry line numbers",
			file: "addr = :1\ncolour = red\nno equals sign\naddr = :2\nconfig = other.conf\nrequest-timeout = x\nadmin-token = \"unterminated\n",
			want: []string{
				`:2: unknown setting "colour"`,
				":3: want key = value",
				":4: addr already set on line 1",
				":5: config cannot be set",
				":6: request-timeout:",
				":7: admin-token: bad quoted value",
			},
		},
		{
			name:  "missing file",
			flags: map[string]string{"config": "/does/not/exist.conf"},
			want:  []string{"read settings file: open /does/not/exist.conf"},
		},
		{
			name: "validation runs after parsing",
			env:  map[string]string{"HOOKLINE_LOG_LEVEL": "loud", "HOOKLINE_REQUEST_TIMEOUT": "-1s"},
			want: []string{"log-level: want one of", "request-timeout: must be positive"},
		},
		{
			name:  "bad public-url in every source",
			file:  "public-url = ftp://files.example.com\n",
			env:   map[string]string{"HOOKLINE_PUBLIC_URL": "hooks.example.com"},
			flags: map[string]string{"public-url": "https://example.com/?key=1"},
			want:  []string{":1: public-url: want an absolute http:// or https:// URL", "HOOKLINE_PUBLIC_URL: want an absolute", "--public-url: want no query string"},
		},
		{
			name:  "bad portal-frame-ancestors",
			env:   map[string]string{"HOOKLINE_PORTAL_FRAME_ANCESTORS": "https://app.example.com/settings"},
			flags: map[string]string{"portal-frame-ancestors": "https://ok.example.com 'unsafe-inline'"},
			want:  []string{"HOOKLINE_PORTAL_FRAME_ANCESTORS: want an origin (scheme, host and port only)", "--portal-frame-ancestors: want origins like https://app.example.com"},
		},
		{
			name:  "dev with private targets explicitly off",
			flags: map[string]string{"dev": "true"},
			env:   map[string]string{"HOOKLINE_ALLOW_PRIVATE_TARGETS": "false"},
			want:  []string{"dev allows private targets"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.file != "" {
				env["HOOKLINE_CONFIG"] = writeFile(t, tt.file)
			}
			_, err := Load(tt.flags, func(k string) string { return env[k] })
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Load(%v, %v) error = %v, want an *InvalidError", tt.flags, env, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("Load(%v, %v) error spans lines: %q", tt.flags, env, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Load(%v, %v) error = %q, want it to contain %q", tt.flags, env, msg, w)
				}
			}
			if len(inv.Problems) != len(tt.want) {
				t.Errorf("Load(%v, %v) found %d problems, want %d: %q", tt.flags, env, len(inv.Problems), len(tt.want), msg)
			}
		})
	}
}

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * Day, "1d": Day, "0": 0, "0d": 0, "36h": 36 * time.Hour, "2s": 2 * time.Second} {
		if got, err := ParseRetention(in); err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "-1d", "ninety", "90 days"} {
		if got, err := ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) = %v, want an error", in, got)
		}
	}
	if got := FormatRetention(90 * Day); got != "90d" {
		t.Errorf("FormatRetention(90 days) = %q, want 90d", got)
	}
	if got := FormatRetention(36 * time.Hour); got != "36h0m0s" {
		t.Errorf("FormatRetention(36h) = %q, want 36h0m0s", got)
	}
}
