package webhook

import (
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces a credential in an endpoint URL shown to anyone but its
// owner: in logs, in attempts' stored error texts, in error details.
const Redacted = "REDACTED"

// redactedUnparseable is what RedactURL gives for a string that is not a
// URL: such a string may hold a credential anywhere, so none of it is kept.
const redactedUnparseable = "REDACTED-UNPARSEABLE-URL"

// secretParams are the query (and fragment) parameter names whose values
// are credentials, lower-case and without '-' or '_', so that api_key,
// API-Key and apikey are one name.
var secretParams = map[string]bool{
	"password": true, "passwd": true, "pwd": true,
	"token": true, "accesstoken": true,
	"key": true, "apikey": true,
	"secret": true, "clientsecret": true,
	"auth": true, "signature": true, "sig": true,
}

// RedactURL returns raw with its credentials replaced by Redacted: the whole
// user info (a user name alone is often a token), and the values of query
// and fragment parameters named like secrets (password, token, api_key,
// signature...; case and '-' / '_' ignored). Scheme, host, port and path are
// kept so that endpoints can still be told apart. A string that does not
// parse as a URL gives a fixed marker: it is never echoed. RedactURL is
// idempotent.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactedUnparseable
	}
	if u.Opaque != "" {
		// "user:pass@host" without "//" parses as scheme "user" and opaque
		// "pass@host": there is no telling what the opaque part holds.
		return u.Scheme + ":" + Redacted
	}
	// url.URL.String writes the edge cases back so they parse the same
	// ("///", "a:////"), which keeps RedactURL idempotent.
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	c.RawQuery = redactParams(c.RawQuery)
	fragment := c.EscapedFragment()
	c.Fragment, c.RawFragment = "", ""
	out := c.String()
	if fragment != "" {
		out += "#" + redactParams(fragment)
	}
	return out
}

// redactParams replaces the values of secret parameters in a raw query or
// fragment, leaving every other byte as it was. Both '&' and ';' separate
// parameters: some receivers split on ';', and redacting one value too many
// costs nothing.
func redactParams(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	start := 0
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '&' && raw[i] != ';' {
			continue
		}
		b.WriteString(redactParam(raw[start:i]))
		if i < len(raw) {
			b.WriteByte(raw[i])
		}
		start = i + 1
	}
	return b.String()
}

func redactParam(pair string) string {
	name, _, hasValue := strings.Cut(pair, "=")
	if !hasValue || !secretParam(name) {
		return pair
	}
	return name + "=" + Redacted
}

// secretParam reports whether a raw parameter name names a credential. A
// name that does not unescape is treated as one: it cannot be read, so its
// value cannot be shown to be harmless.
func secretParam(rawName string) bool {
	name, err := url.QueryUnescape(rawName)
	if err != nil {
		return true
	}
	name = strings.ToLower(name)
	name = strings.NewReplacer("-", "", "_", "").Replace(name)
	return secretParams[name]
}

// RedactURLSecrets returns text with every credential of rawURL replaced by
// Redacted: the URL itself wherever it is quoted, then each secret value
// (user info, secret parameter values, raw and unescaped) wherever it
// appears alone. It is for texts such as transport errors that may quote
// the URL they failed on, in whatever form.
func RedactURLSecrets(text, rawURL string) string {
	if rawURL == "" || text == "" {
		return text
	}
	redacted := RedactURL(rawURL)
	text = strings.ReplaceAll(text, rawURL, redacted)
	secrets := urlSecrets(rawURL)
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, s := range secrets {
		// A short secret may also match harmless text (a host, a word):
		// that text is then redacted too, which loses detail, never a
		// secret.
		if s != "" && s != Redacted {
			text = strings.ReplaceAll(text, s, Redacted)
		}
	}
	return text
}

// urlSecrets lists the credential values in rawURL, each as written and
// unescaped. An unparseable URL gives itself: it is all secret.
func urlSecrets(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return []string{rawURL}
	}
	var out []string
	addBoth := func(raw string, unescape func(string) (string, error)) {
		out = append(out, raw)
		if s, err := unescape(raw); err == nil && s != raw {
			out = append(out, s)
		}
	}
	if u.Opaque != "" {
		addBoth(u.Opaque, url.PathUnescape)
	}
	if u.User != nil {
		addBoth(u.User.String(), url.PathUnescape)
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p, url.PathEscape(p), url.QueryEscape(p))
		}
	}
	for _, params := range []string{u.RawQuery, u.EscapedFragment()} {
		for _, pair := range strings.FieldsFunc(params, func(r rune) bool { return r == '&' || r == ';' }) {
			name, value, ok := strings.Cut(pair, "=")
			if ok && secretParam(name) {
				addBoth(value, url.QueryUnescape)
			}
		}
	}
	return out
}
