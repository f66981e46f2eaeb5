package webhook

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/hook", "https://example.com/hook"},
		{"https://example.com:8443/a/b?x=1&y=2#top", "https://example.com:8443/a/b?x=1&y=2#top"},
		{"http://user:s3cret@example.com/hook", "http://REDACTED@example.com/hook"},
		{"http://tok123@example.com/hook", "http://REDACTED@example.com/hook"},
		{"http://:pw@example.com/", "http://REDACTED@example.com/"},
		{"https://h/p?token=abc&page=2", "https://h/p?token=REDACTED&page=2"},
		{"https://h/p?Access-Token=a&ACCESS_TOKEN=b&accesstoken=c", "https://h/p?Access-Token=REDACTED&ACCESS_TOKEN=REDACTED&accesstoken=REDACTED"},
		{"https://h/?api_key=1&API-KEY=2&apikey=3&key=4&keys=5", "https://h/?api_key=REDACTED&API-KEY=REDACTED&apikey=REDACTED&key=REDACTED&keys=5"},
		{"https://h/?password=1&passwd=2&pwd=3&secret=4&client_secret=5", "https://h/?password=REDACTED&passwd=REDACTED&pwd=REDACTED&secret=REDACTED&client_secret=REDACTED"},
		{"https://h/?auth=1&signature=2&sig=3&Sig=4&author=5", "https://h/?auth=REDACTED&signature=REDACTED&sig=REDACTED&Sig=REDACTED&author=5"},
		{"https://h/?%74oken=x", "https://h/?%74oken=REDACTED"},        // escaped name
		{"https://h/?%zz=x&a=b", "https://h/?%zz=REDACTED&a=b"},        // name that does not unescape
		{"https://h/?a=1;token=x", "https://h/?a=1;token=REDACTED"},    // ';' separates too
		{"https://h/?token&token=", "https://h/?token&token=REDACTED"}, // no value, empty value
		{"https://h/?token=a=b", "https://h/?token=REDACTED"},
		{"https://h/cb#access_token=x&state=y", "https://h/cb#access_token=REDACTED&state=y"},
		{"https://h/?", "https://h/?"},
		{"HTTP://H/p", "http://H/p"},
		{"https://h/a%2Fb?q=1", "https://h/a%2Fb?q=1"},
		{"//user:pw@h/p", "//REDACTED@h/p"},
		{"/relative?token=x", "/relative?token=REDACTED"},
		{"", ""},
		// Not URLs: nothing of them is echoed.
		{"user:pass@host/x", "user:REDACTED"},
		{"http://user:pa ss@h/", "REDACTED-UNPARSEABLE-URL"},
		{"http://h/\x7f?token=x", "REDACTED-UNPARSEABLE-URL"},
		{"http://[::1/", "REDACTED-UNPARSEABLE-URL"},
		{"%zz", "REDACTED-UNPARSEABLE-URL"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactURLSecrets(t *testing.T) {
	const raw = "http://user:s3cret%21@127.0.0.1:1/hook?token=t0ken%2Fv&x=1"
	tests := []struct{ text, want string }{
		{"connection refused", "connection refused"},
		{`Post "` + raw + `": dial tcp: refused`, `Post "http://REDACTED@127.0.0.1:1/hook?token=REDACTED&x=1": dial tcp: refused`},
		{"password s3cret! and s3cret%21", "password REDACTED and REDACTED"},
		{"token t0ken/v or t0ken%2Fv", "token REDACTED or REDACTED"},
		{"user:s3cret%21 here", "REDACTED here"},
	}
	for _, tt := range tests {
		if got := RedactURLSecrets(tt.text, raw); got != tt.want {
			t.Errorf("RedactURLSecrets(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := RedactURLSecrets("x", "%zz"); got != "x" {
		t.Errorf("RedactURLSecrets(%q, %q) = %q, want %q", "x", "%zz", got, "x")
	}
	if got := RedactURLSecrets("bad %zz url", "%zz"); got != "bad REDACTED-UNPARSEABLE-URL url" {
		t.Errorf("RedactURLSecrets(%q, %q) = %q", "bad %zz url", "%zz", got)
	}
}

// FuzzRedactURL checks that RedactURL never panics, is idempotent, and
// leaves nothing secret in what it returns: parsed again, the output has no
// user info but the marker and no secret parameter with another value.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/hook", "http://user:pw@h:1/p?token=t&a=b#sig=s",
		"user:pass@host", "//u@h", "/p?API-KEY=k;pwd=p", "http://[::1]:80/?%74oken=x", "%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := RedactURL(raw)
		if twice := RedactURL(once); twice != once {
			t.Fatalf("RedactURL(%q) = %q, but RedactURL(%q) = %q", raw, once, once, twice)
		}
		u, err := url.Parse(once)
		if err != nil {
			if once != redactedUnparseable {
				t.Fatalf("RedactURL(%q) = %q, which does not parse: %v", raw, once, err)
			}
			return
		}
		if u.User != nil && u.User.String() != Redacted {
			t.Fatalf("RedactURL(%q) = %q keeps user info %q", raw, once, u.User)
		}
		if u.Opaque != "" && u.Opaque != Redacted {
			t.Fatalf("RedactURL(%q) = %q keeps opaque %q", raw, once, u.Opaque)
		}
		for _, params := range []string{u.RawQuery, u.EscapedFragment()} {
			for _, pair := range strings.FieldsFunc(params, func(r rune) bool { return r == '&' || r == ';' }) {
				if name, value, ok := strings.Cut(pair, "="); ok && secretParam(name) && value != Redacted {
					t.Fatalf("RedactURL(%q) = %q keeps %s=%s", raw, once, name, value)
				}
			}
		}
		// A password long enough not to occur by chance in the rest of
		// the URL never survives.
		if ru, err := url.Parse(raw); err == nil && ru.User != nil {
			if p, ok := ru.User.Password(); ok && len(p) >= 8 && strings.Count(raw, p) == 1 && strings.Contains(once, p) {
				t.Fatalf("RedactURL(%q) = %q keeps the password %q", raw, once, p)
			}
		}
	})
}
