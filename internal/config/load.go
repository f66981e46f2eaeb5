package config

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ConfigKey names the setting that points at a settings file: --config or
// HOOKLINE_CONFIG. It is read from flags and the environment only, never from
// a file, so that files cannot chain.
const ConfigKey = "config"

// EnvPrefix starts every environment variable Hookline reads.
const EnvPrefix = "HOOKLINE_"

// setter parses one textual value into c. Values arrive as text from every
// source (flags, environment, file), so one parser per key keeps the three
// sources in agreement.
type setter func(c *Config, value string) error

// setters maps every key (the flag name without dashes) to its parser. A key
// absent here is unknown and rejected wherever it appears.
var setters = map[string]setter{
	"addr": func(c *Config, v string) error { c.Addr = v; return nil },
	"public-url": func(c *Config, v string) error {
		return parseInto(&c.PublicURL, v, ParsePublicURL)
	},
	"portal-frame-ancestors": func(c *Config, v string) error {
		return parseInto(&c.PortalFrameAncestors, v, ParseFrameAncestors)
	},
	"metrics-addr": func(c *Config, v string) error { c.MetricsAddr = v; return nil },
	"data-dir":     func(c *Config, v string) error { c.DataDir = v; return nil },
	"database-url": func(c *Config, v string) error { c.DatabaseURL = v; return nil },
	"admin-token":  func(c *Config, v string) error { c.AdminToken = v; return nil },
	"allow-private-targets": func(c *Config, v string) error {
		return parseInto(&c.AllowPrivateTargets, v, ParseBool)
	},
	"trace-propagation": func(c *Config, v string) error {
		return parseInto(&c.TracePropagation, v, ParseBool)
	},
	"retry-schedule": func(c *Config, v string) error {
		return parseInto(&c.RetrySchedule, v, ParseRetrySchedule)
	},
	"request-timeout": func(c *Config, v string) error {
		return parseInto(&c.RequestTimeout, v, time.ParseDuration)
	},
	"lease-duration": func(c *Config, v string) error {
		return parseInto(&c.LeaseDuration, v, time.ParseDuration)
	},
	"operational-app": func(c *Config, v string) error { c.OperationalApp = v; return nil },
	"max-body-bytes": func(c *Config, v string) error {
		return parseInto(&c.MaxBodyBytes, v, ParseBytes)
	},
	"retention": func(c *Config, v string) error {
		return parseInto(&c.Retention, v, ParseRetention)
	},
	"shutdown-timeout": func(c *Config, v string) error {
		return parseInto(&c.ShutdownTimeout, v, time.ParseDuration)
	},
	"encryption-key": func(c *Config, v string) error {
		return parseInto(&c.EncryptionKey, v, ParseKey)
	},
	"encryption-key-file": func(c *Config, v string) error { c.EncryptionKeyFile = v; return nil },
	"dev":                 func(c *Config, v string) error { return parseInto(&c.Dev, v, ParseBool) },
	"log-level":           func(c *Config, v string) error { c.LogLevel = v; return nil },
	"log-format":          func(c *Config, v string) error { c.LogFormat = v; return nil },
}

// parseInto stores parse(v) in *dst only when it parses, so a bad value
// leaves the lower layer's value in place for the remaining checks.
func parseInto[T any](dst *T, v string, parse func(string) (T, error)) error {
	x, err := parse(v)
	if err != nil {
		return err
	}
	*dst = x
	return nil
}

// Keys returns every setting's key, the flag name without dashes, sorted so
// that problems are reported in the same order on every run.
func Keys() []string {
	return slices.Sorted(maps.Keys(setters))
}

// EnvName returns the environment variable for key: "retry-schedule" is read
// from HOOKLINE_RETRY_SCHEDULE.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// Load builds the configuration from, highest precedence first:
//
//  1. flags: key (flag name without dashes) to value, holding only the flags
//     the user actually set, so that a flag's default never hides the
//     environment or the file;
//  2. getenv(HOOKLINE_<KEY>), where an empty value counts as unset, as
//     os.Getenv cannot tell the two apart (getenv may be nil);
//  3. the settings file named by flags["config"] or HOOKLINE_CONFIG, if any
//     (see ParseFile for its format);
//  4. Default().
//
// --dev implies AllowPrivateTargets; setting allow-private-targets to false
// together with dev is reported rather than silently overridden. Load then
// runs Validate. Every problem found is reported at once in one
// *InvalidError; the returned Config is meaningful only when err is nil.
func Load(flags map[string]string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg := Default()
	var problems []error
	// set remembers which layer set each key last, for the dev check below.
	set := map[string]string{}

	path, ok := flags[ConfigKey]
	if !ok {
		path = getenv(EnvName(ConfigKey))
	}
	if path != "" {
		pairs, err := ParseFile(path)
		problems = append(problems, flatten(err)...)
		for _, p := range pairs {
			if err := setters[p.Key](&cfg, p.Value); err != nil {
				problems = append(problems, fmt.Errorf("%s:%d: %s: %w", path, p.Line, p.Key, err))
			}
			set[p.Key] = p.Value
		}
	}

	for _, key := range Keys() {
		v := getenv(EnvName(key))
		if v == "" {
			continue
		}
		if err := setters[key](&cfg, v); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", EnvName(key), err))
		}
		set[key] = v
	}

	for _, key := range slices.Sorted(maps.Keys(flags)) {
		if key == ConfigKey {
			continue
		}
		s, ok := setters[key]
		if !ok {
			problems = append(problems, fmt.Errorf("--%s: unknown setting", key))
			continue
		}
		if err := s(&cfg, flags[key]); err != nil {
			problems = append(problems, fmt.Errorf("--%s: %w", key, err))
		}
		set[key] = flags[key]
	}

	// The key comes from one place: two would leave which one is used to
	// the precedence rules, and a wrong key is refused only at start.
	_, inline := set["encryption-key"]
	if _, file := set["encryption-key-file"]; file && inline {
		problems = append(problems, errors.New("encryption-key and encryption-key-file are both set; set one"))
	} else if cfg.EncryptionKeyFile != "" {
		k, err := readKeyFile(cfg.EncryptionKeyFile)
		if err != nil {
			problems = append(problems, fmt.Errorf("encryption-key-file: %w", err))
		}
		cfg.EncryptionKey = k
	}

	if cfg.Dev {
		if v, ok := set["allow-private-targets"]; ok && !cfg.AllowPrivateTargets {
			problems = append(problems, fmt.Errorf("dev allows private targets, but allow-private-targets is set to %q", v))
		}
		cfg.AllowPrivateTargets = true
	}

	problems = append(problems, flatten(cfg.Validate())...)
	if len(problems) > 0 {
		return Config{}, &InvalidError{Problems: problems}
	}
	return cfg, nil
}

// Pair is one `key = value` line of a settings file.
type Pair struct {
	Key   string
	Value string
	Line  int
}

// ParseFile reads a settings file. The format is one setting per line,
//
//	# comment
//	key = value
//	admin-token = "value with # or surrounding spaces"
//
// where key is a flag name without the dashes (addr, retry-schedule, ...),
// spaces around key and value are dropped, and a value in double quotes is
// unquoted as a Go string. Only whole lines are comments, because tokens and
// database passwords may contain '#'. Blank lines are skipped. Unknown keys,
// repeated keys, "config" and lines without '=' are errors, reported together
// with the pairs that did parse.
func ParseFile(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read settings file: %w", err)
	}
	defer f.Close()

	var (
		pairs    []Pair
		problems []error
		seen     = map[string]int{}
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			problems = append(problems, fmt.Errorf("%s:%d: want key = value, got %q", path, n, line))
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if strings.HasPrefix(value, `"`) {
			u, err := strconv.Unquote(value)
			if err != nil {
				problems = append(problems, fmt.Errorf("%s:%d: %s: bad quoted value %s", path, n, key, value))
				continue
			}
			value = u
		}
		switch _, known := setters[key]; {
		case key == ConfigKey:
			problems = append(problems, fmt.Errorf("%s:%d: config cannot be set from a settings file", path, n))
			continue
		case !known:
			problems = append(problems, fmt.Errorf("%s:%d: unknown setting %q", path, n, key))
			continue
		}
		if prev, dup := seen[key]; dup {
			problems = append(problems, fmt.Errorf("%s:%d: %s already set on line %d", path, n, key, prev))
			continue
		}
		seen[key] = n
		pairs = append(pairs, Pair{Key: key, Value: value, Line: n})
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, fmt.Errorf("read settings file %s: %w", path, err))
	}
	return pairs, errors.Join(problems...)
}

// ParseBool accepts exactly true, false, 1 and 0: strconv.ParseBool's "t",
// "F" or "TRUE" are more likely typos than intent in a security switch.
func ParseBool(s string) (bool, error) {
	switch s {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("want true, false, 1 or 0, got %q", s)
}

// ParseRetrySchedule parses a comma-separated list of positive durations,
// "5s,5m,30m". The word "none" means no retries: only the immediate first
// attempt. An empty string is an error rather than "none", so that an
// accidentally blank value cannot silently switch retries off.
func ParseRetrySchedule(s string) ([]time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "none":
		return []time.Duration{}, nil
	case "":
		return nil, errors.New(`empty retry schedule; use "none" for no retries`)
	}
	parts := strings.Split(s, ",")
	out := make([]time.Duration, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, fmt.Errorf("retry %d: %w", i+1, err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("retry %d: delay must be positive, got %s", i+1, p)
		}
		out = append(out, d)
	}
	return out, nil
}

// FormatRetrySchedule is the inverse of ParseRetrySchedule, for help texts.
func FormatRetrySchedule(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = formatDuration(d)
	}
	return strings.Join(parts, ",")
}

// formatDuration prints whole hours and minutes as "2h" and "5m" rather than
// time.Duration's "2h0m0s", so the default schedule reads as documented.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// byteSuffixes are binary units only: "MB" is left out on purpose, since
// whether it means 10^6 or 2^20 is exactly the confusion to avoid.
var byteSuffixes = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10},
	{"MiB", 1 << 20},
	{"GiB", 1 << 30},
}

// ParseBytes parses a byte count: a decimal integer with an optional KiB,
// MiB or GiB suffix, "1048576" or "1MiB".
func ParseBytes(s string) (int64, error) {
	num, mult := s, int64(1)
	for _, u := range byteSuffixes {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a byte count such as 1048576 or 1MiB, got %q", s)
	}
	if n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("byte count %q overflows", s)
	}
	return n * mult, nil
}

// FormatBytes is the inverse of ParseBytes, using the largest exact suffix.
func FormatBytes(n int64) string {
	for i := len(byteSuffixes) - 1; i >= 0; i-- {
		u := byteSuffixes[i]
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// ParsePublicURL reads a public base URL: absolute, http or https, with a
// host, and no credentials, query or fragment (a link is built by
// appending a path to it). A trailing slash is trimmed, so
// "https://hooks.example.com/" and "https://hooks.example.com" give the
// same links; a path stays, for a server behind a proxy under a prefix.
func ParsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("want an absolute http:// or https:// URL, got %q", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("want an absolute http:// or https:// URL, got %q", s)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("want a host in the URL, got %q", s)
	case u.User != nil:
		return "", errors.New("want no user or password in the URL: links are handed to customers")
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("want no query string in the URL, got %q", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("want no fragment in the URL, got %q", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// ParseFrameAncestors reads the origins allowed to embed the portal:
// scheme://host[:port], the host possibly starting with "*." for its
// subdomains, separated by commas or spaces, as CSP frame-ancestors takes
// them. Paths, queries and CSP keywords are refused: a typo must not
// widen what may frame the portal, nor break the header.
func ParseFrameAncestors(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		u, err := url.Parse(f)
		host := ""
		if err == nil {
			host = strings.TrimPrefix(u.Hostname(), "*.")
		}
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || host == "" || strings.Contains(host, "*"):
			return nil, fmt.Errorf("want origins like https://app.example.com or https://*.example.com, got %q", f)
		case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(f, "';\"#?"):
			return nil, fmt.Errorf("want an origin (scheme, host and port only), got %q", f)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// Day is 24 hours, the unit of --retention's "90d".
const Day = 24 * time.Hour

// ParseRetention parses a retention: a whole number of days ("90d"), or a
// Go duration ("36h", "30s"); "0" keeps everything.
func ParseRetention(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days such as 90d", s)
		}
		return time.Duration(n) * Day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number of days (90d) or a duration (36h)", s)
	}
	return d, nil
}

// FormatRetention is the inverse of ParseRetention, for help texts:
// whole days as "90d".
func FormatRetention(d time.Duration) string {
	if d > 0 && d%Day == 0 {
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return d.String()
}
