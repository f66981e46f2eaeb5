package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string // substrings, one per expected problem; none means valid
	}{
		{"default", func(*Config) {}, nil},
		{"all interfaces", func(c *Config) { c.Addr = ":8071" }, nil},
		{"ipv6", func(c *Config) { c.Addr = "[::1]:8071" }, nil},
		{"port zero", func(c *Config) { c.Addr = "127.0.0.1:0" }, nil},
		{"postgres", func(c *Config) { c.DatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" }, nil},
		{"postgresql", func(c *Config) { c.DatabaseURL = "postgresql://db/hookline" }, nil},
		{"postgres without data dir", func(c *Config) { c.DatabaseURL, c.DataDir = "postgres://db/x", "" }, nil},
		{"no retries", func(c *Config) { c.RetrySchedule = nil }, nil},
		{"every level", func(c *Config) { c.LogLevel = "debug" }, nil},
		{"json", func(c *Config) { c.LogFormat = "json" }, nil},
		{"public url", func(c *Config) { c.PublicURL = "https://hooks.example.com/" }, nil},
		{"public url with a query", func(c *Config) { c.PublicURL = "https://hooks.example.com/?k=v" }, []string{"public-url: want no query string"}},

		{"no port", func(c *Config) { c.Addr = "localhost" }, []string{`addr: want host:port, got "localhost"`}},
		{"empty addr", func(c *Config) { c.Addr = "" }, []string{"addr: want host:port"}},
		{"named port", func(c *Config) { c.Addr = "localhost:http" }, []string{`addr: want a port number from 0 to 65535, got "http"`}},
		{"port too big", func(c *Config) { c.Addr = "localhost:65536" }, []string{"addr: want a port number"}},
		{"empty port", func(c *Config) { c.Addr = "localhost:" }, []string{"addr: want a port number"}},
		{"no data dir", func(c *Config) { c.DataDir = "" }, []string{"data-dir: must be set"}},
		{"sqlite url", func(c *Config) { c.DatabaseURL = "sqlite:///tmp/x.db" }, []string{`database-url: want a postgres:// or postgresql:// URL, got scheme "sqlite"`}},
		{"bare dsn", func(c *Config) { c.DatabaseURL = "host=db user=x" }, []string{`got scheme ""`}},
		{"zero retry", func(c *Config) { c.RetrySchedule = []time.Duration{time.Second, 0} }, []string{"retry-schedule: retry 2: delay must be positive, got 0s"}},
		{"zero request timeout", func(c *Config) { c.RequestTimeout = 0 }, []string{"request-timeout: must be positive, got 0s"}},
		{"lease given", func(c *Config) { c.RequestTimeout, c.LeaseDuration = time.Second, 7*time.Second }, nil},
		{"negative lease", func(c *Config) { c.LeaseDuration = -time.Second }, []string{"lease-duration: must be positive, or 0 for the default, got -1s"}},
		{"lease too short", func(c *Config) { c.RequestTimeout, c.LeaseDuration = time.Second, 6*time.Second }, []string{"lease-duration: must be longer than request-timeout + 5s (6s), got 6s"}},
		{"negative shutdown timeout", func(c *Config) { c.ShutdownTimeout = -time.Second }, []string{"shutdown-timeout: must be positive, got -1s"}},
		{"zero body", func(c *Config) { c.MaxBodyBytes = 0 }, []string{"max-body-bytes: must be positive, got 0"}},
		{"bad level", func(c *Config) { c.LogLevel = "INFO" }, []string{`log-level: want one of debug, info, warn, error, got "INFO"`}},
		{"bad format", func(c *Config) { c.LogFormat = "logfmt" }, []string{`log-format: want one of text, json, got "logfmt"`}},
		{
			"everything at once",
			func(c *Config) { *c = Config{} },
			[]string{"addr:", "data-dir:", "request-timeout:", "shutdown-timeout:", "max-body-bytes:", "log-level:", "log-format:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("%+v.Validate() = %v, want nil", c, err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("%+v.Validate() = %v, want an *InvalidError", c, err)
			}
			if len(inv.Problems) != len(tt.want) {
				t.Errorf("%+v.Validate() found %d problems, want %d: %v", c, len(inv.Problems), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%+v.Validate() = %q, want it to contain %q", c, err, w)
				}
			}
		})
	}
}

// A database URL may carry a password; no message may repeat it.
func TestValidateRedactsDatabaseURL(t *testing.T) {
	for _, u := range []string{"mysql://user:s3cret@db/x", "postgres://user:s3cret@db/%zz"} {
		c := Default()
		c.DatabaseURL = u
		err := c.Validate()
		if err == nil {
			t.Errorf("Validate() with database-url %q = nil, want an error", u)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Validate() with database-url %q = %q, leaks the password", u, err)
		}
	}
}

func TestInvalidErrorUnwrap(t *testing.T) {
	sentinel := errors.New("sentinel")
	err := error(&InvalidError{Problems: []error{errors.New("a"), sentinel}})
	if !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(%v, sentinel) = false, want true", err)
	}
	if got, want := err.Error(), "invalid configuration: a; sentinel"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
