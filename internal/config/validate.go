package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InvalidError lists every problem found in a configuration, so that one run
// shows the user everything to fix rather than one problem per attempt.
type InvalidError struct {
	Problems []error
}

// Error joins the problems on one line, since the CLI prints it as one.
func (e *InvalidError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid configuration: " + strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is and errors.As see each problem.
func (e *InvalidError) Unwrap() []error { return e.Problems }

// flatten turns nil, an *InvalidError or an errors.Join result into a flat
// list, so that nesting never turns into multi-line messages.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Problems
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// Log levels and formats that Validate accepts; the CLI maps them onto slog.
var (
	LogLevels  = []string{"debug", "info", "warn", "error"}
	LogFormats = []string{"text", "json"}
)

// Validate checks every field and returns an *InvalidError listing all
// problems, or nil. Messages name settings by key ("request-timeout"), which
// is also the flag and the file key, and never echo the database URL, since
// it may carry a password.
func (c Config) Validate() error {
	var problems []error
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf(format, args...))
	}

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		add("addr: want host:port, got %q", c.Addr)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		// Port 0 stays allowed: tests ask the kernel for a free port.
		add("addr: want a port number from 0 to 65535, got %q", port)
	}

	if c.PublicURL != "" {
		if _, err := ParsePublicURL(c.PublicURL); err != nil {
			add("public-url: %v", err)
		}
	}

	if c.DatabaseURL == "" {
		if c.DataDir == "" {
			add("data-dir: must be set when database-url is empty")
		}
	} else if u, err := url.Parse(c.DatabaseURL); err != nil {
		// url.Parse's error quotes the whole URL, password included.
		add("database-url: not a URL")
	} else if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		add("database-url: want a postgres:// or postgresql:// URL, got scheme %q", u.Scheme)
	}

	for i, d := range c.RetrySchedule {
		if d <= 0 {
			add("retry-schedule: retry %d: delay must be positive, got %s", i+1, d)
		}
	}
	if c.RequestTimeout <= 0 {
		add("request-timeout: must be positive, got %s", c.RequestTimeout)
	}
	// The engine drops a queued attempt with less than the request
	// timeout plus 5s of lease left (delivery.leaseMargin), so a shorter
	// lease could never be worked under.
	if c.LeaseDuration < 0 {
		add("lease-duration: must be positive, or 0 for the default, got %s", c.LeaseDuration)
	} else if c.LeaseDuration > 0 && c.RequestTimeout > 0 && c.LeaseDuration <= c.RequestTimeout+5*time.Second {
		add("lease-duration: must be longer than request-timeout + 5s (%s), got %s", c.RequestTimeout+5*time.Second, c.LeaseDuration)
	}
	if c.Retention < 0 {
		add("retention: must not be negative, got %s", c.Retention)
	}
	if c.ShutdownTimeout <= 0 {
		add("shutdown-timeout: must be positive, got %s", c.ShutdownTimeout)
	}
	if c.MaxBodyBytes <= 0 {
		add("max-body-bytes: must be positive, got %d", c.MaxBodyBytes)
	}
	if len(c.EncryptionKey) != 0 && len(c.EncryptionKey) != KeySize {
		add("encryption-key: want %d bytes, got %d", KeySize, len(c.EncryptionKey))
	}
	if !slices.Contains(LogLevels, c.LogLevel) {
		add("log-level: want one of %s, got %q", strings.Join(LogLevels, ", "), c.LogLevel)
	}
	if !slices.Contains(LogFormats, c.LogFormat) {
		add("log-format: want one of %s, got %q", strings.Join(LogFormats, ", "), c.LogFormat)
	}

	if len(problems) == 0 {
		return nil
	}
	return &InvalidError{Problems: problems}
}
