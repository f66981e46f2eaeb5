package webhook

import (
	"fmt"
	"net/textproto"
	"strings"
	"testing"
)

func TestValidateHeaderRefusesSvixsForbiddenNamesAndPrefixes(t *testing.T) {
	// Svix's FORBIDDEN_KEYS, and what Hookline adds.
	forbidden := []string{
		"user-agent", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
		"transfer-encoding", "upgrade", "age", "cache-control", "clear-site-data", "expires", "pragma",
		"warning", "content-length", "content-type", "content-encoding", "content-language",
		"content-location", "host", "connection", "proxy-connection", "trailer",
	}
	for _, name := range forbidden {
		for _, spelled := range []string{name, strings.ToUpper(name), textproto.CanonicalMIMEHeaderKey(name)} {
			if err := ValidateHeader(spelled, "v"); err == nil {
				t.Errorf("ValidateHeader(%q) = nil, want it forbidden", spelled)
			}
		}
	}
	// Svix's FORBIDDEN_PREFIXES, and webhook-.
	for _, prefix := range []string{"x-amz-", "x-amzn-", "x-google", "x-goog-", "x-gfe", "x-azure-", "x-fd-", "x-svix-", "svix-", "webhook-"} {
		for _, name := range []string{prefix + "x", strings.ToUpper(prefix) + "Trace"} {
			if err := ValidateHeader(name, "v"); err == nil {
				t.Errorf("ValidateHeader(%q) = nil, want its prefix forbidden", name)
			}
		}
	}
	for _, name := range []string{"X-Tenant", "Authorization", "x-amzfoo", "X-Goo", "X-Fdx", "Svixx", "Webhook", "Cookie", "X-Api-Key", "a", "!#$%&'*+-.^_`|~"} {
		if err := ValidateHeader(name, "v"); err != nil {
			t.Errorf("ValidateHeader(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "X A", "X:A", "X\x00", "Ä", "X/A", "(x)"} {
		if err := ValidateHeader(name, "v"); err == nil {
			t.Errorf("ValidateHeader(%q) = nil, want an invalid name", name)
		}
	}
}

func TestValidateHeaderValuesAreSendable(t *testing.T) {
	for c := 0; c < 0x20; c++ {
		v := fmt.Sprintf("a%cb", c)
		err := ValidateHeader("X-A", v)
		if c == '\t' {
			if err != nil {
				t.Errorf("ValidateHeader(X-A, %q) = %v, want tab allowed", v, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("ValidateHeader(X-A, %q) = nil, want control character 0x%02x refused", v, c)
		}
	}
	if err := ValidateHeader("X-A", "a\x7fb"); err == nil {
		t.Errorf("ValidateHeader(X-A, DEL) = nil, want refused")
	}
	for _, v := range []string{" a", "a ", "\ta", "a\t", " "} {
		if err := ValidateHeader("X-A", v); err == nil {
			t.Errorf("ValidateHeader(X-A, %q) = nil, want the whitespace HTTP drops refused", v)
		}
	}
	var printable strings.Builder
	for c := 0x21; c < 0x7f; c++ {
		printable.WriteByte(byte(c))
		printable.WriteByte(' ')
	}
	printable.WriteByte('x')
	for _, v := range []string{"", printable.String(), "Grüße, 東京", strings.Repeat("x", MaxHeaderValueLength)} {
		if err := ValidateHeader("X-A", v); err != nil {
			t.Errorf("ValidateHeader(X-A, %q) = %v, want nil", v, err)
		}
	}
	if err := ValidateHeader("X-A", strings.Repeat("x", MaxHeaderValueLength+1)); err == nil {
		t.Errorf("ValidateHeader of %d bytes = nil, want too long", MaxHeaderValueLength+1)
	}
}

func TestValidateHeaderSetLimits(t *testing.T) {
	set := func(n, valueLen int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprintf("X-H%04d", i)] = strings.Repeat("v", valueLen)
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"none", nil, true},
		{"at the count", set(MaxHeaders, 1), true},
		{"over the count", set(MaxHeaders+1, 1), false},
		{"a name repeated but for case", map[string]string{"X-Tenant": "a", "x-tenant": "b"}, false},
		{"at the size", map[string]string{"X-A": strings.Repeat("v", 4000), "X-B": strings.Repeat("v", MaxHeadersBytes-4000-6)}, true},
		{"over the size", map[string]string{"X-A": strings.Repeat("v", 4000), "X-B": strings.Repeat("v", MaxHeadersBytes-4000-5)}, false},
		{"2,000 headers of 200 kB", set(2000, 96), false},
	} {
		if err := ValidateHeaderSet(tc.headers); (err == nil) != tc.ok {
			t.Errorf("ValidateHeaderSet(%s) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
