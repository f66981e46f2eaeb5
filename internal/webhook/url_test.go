package webhook

import (
	"strings"
	"testing"
)

// The expectations are the URL Standard's (https://url.spec.whatwg.org),
// which the Rust url crate that Svix's server parses endpoint URLs with
// implements; the serializations are what Svix stores and answers.
func TestNormalizeEndpointURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://example.com", "http://example.com/"},
		{"https://example.com/hook", "https://example.com/hook"},
		{"HTTPS://Example.COM/Hook", "https://example.com/Hook"},
		{"https://example.com:443/x", "https://example.com/x"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:443", "http://example.com:443/"},
		{"https://example.com:0080/", "https://example.com:80/"},
		{"http://example.com:/", "http://example.com/"},
		{"http://a:0", "http://a:0/"},
		{"http://a:65535", "http://a:65535/"},
		{"http://example.com/a/./b/../c", "http://example.com/a/c"},
		{"http://example.com/a/%2E/b/%2e%2E/c/..", "http://example.com/a/"},
		{"http://example.com/../../x", "http://example.com/x"},
		{`http:\\example.com\a\b`, "http://example.com/a/b"},
		{"http:example.com/x", "http://example.com/x"},
		{"http:///example.com/x", "http://example.com/x"},
		{"http://example.com?q=1", "http://example.com/?q=1"},
		{"http://example.com#frag", "http://example.com/#frag"},
		{"http://example.com/p?a=\"b\"&c='d'#e\"f`", "http://example.com/p?a=%22b%22&c=%27d%27#e%22f%60"},
		{"http://example.com/{x}/`y`/ü", "http://example.com/%7Bx%7D/%60y%60/%C3%BC"},
		{"http://example.com/%41%zz?%zz", ""},
		{"https://user:p%40ss@example.com/", "https://user:p%40ss@example.com/"},
		{"https://user:@example.com/", "https://user@example.com/"},
		{"https://@example.com/", "https://example.com/"},
		{"https://a@b@example.com/", "https://a%40b@example.com/"},
		{"http://ex%41mple.com/", "http://example.com/"},
		{"http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"},
		{"http://0x7f.1/", "http://127.0.0.1/"},
		{"http://2130706433/", "http://127.0.0.1/"},
		{"http://0177.0.0.1/", "http://127.0.0.1/"},
		{"http://1.2.3.4./", "http://1.2.3.4/"},
		{"http://[::1]:8080/", "http://[::1]:8080/"},
		{"http://[2001:DB8:0:0:0:0:0:1]/", "http://[2001:db8::1]/"},
		{"http://example.com./", "http://example.com./"},
		{"http://xn--nxasmq6b.example/", "http://xn--nxasmq6b.example/"},
		{"http://Bücher.example/", "http://bücher.example/"},

		// Refused, as Svix refuses them.
		{"http://example.com:99999/", ""},
		{"http://example.com:65536/", ""},
		{"http://example.com:8x/", ""},
		{"http://example.com:-1/", ""},
		{"http://", ""},
		{"http:///", ""},
		{"http://:80/", ""},
		{"http://user@/", ""},
		{"http://1.2.3.256/", ""},
		{"http://999.1.1.1/", ""},
		{"http://1.2.3.4.5/", ""},
		{"http://example.123/", ""},
		{"http://0x100.1.1.1/", ""},
		{"http://4294967296/", ""},
		{"http://[::1/", ""},
		{"http://[:::1]/", ""},
		{"http://[1.2.3.4]/", ""},
		{"http://[fe80::1%25eth0]/", ""},
		{"http://[::1]x/", ""},
		{"http://exa<mple.com/", ""},
		{"http://exa^mple.com/", ""},
		{"http://exa|mple.com/", ""},
		{"http://ex%25ample.com/", ""},
		{"http://ex%2Fample.com/", ""},
		{"http://ex%00ample.com/", ""},
		{"ftp://example.com/", ""},
		{"example.com", ""},
		{"//example.com", ""},
		{"1http://example.com", ""},
		{"", ""},
		{"http://exa mple.com/", ""},
		{"http://example.com/a b", ""},
		{"http://example.com/\x01", ""},
		{" http://example.com/", ""},
		{"http://example.com/" + strings.Repeat("a", MaxURLLength), ""},
	} {
		got, err := NormalizeEndpointURL(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeEndpointURL(%q) = %q, want refused", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeEndpointURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		// Normalizing is idempotent.
		if again, err := NormalizeEndpointURL(got); err != nil || again != got {
			t.Errorf("NormalizeEndpointURL(%q) = %q, %v; want it unchanged", got, again, err)
		}
	}
}

func FuzzNormalizeEndpointURL(f *testing.F) {
	for _, s := range []string{"http://example.com", "https://u:p@[::1]:8/a/../b?c#d", "http://0x7f.1", `http:\\a\b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeEndpointURL(in)
		if err != nil {
			return
		}
		again, err := NormalizeEndpointURL(got)
		if err != nil || again != got {
			t.Errorf("NormalizeEndpointURL(%q) = %q, then %q, %v; want idempotent", in, got, again, err)
		}
	})
}
