package inspector

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBinValidate(t *testing.T) {
	ok := NewBin("bin_x", time.Unix(0, 0))
	cases := []struct {
		name  string
		mod   func(*Bin)
		field string // "" = valid
	}{
		{"defaults", func(*Bin) {}, ""},
		{"keep 0", func(b *Bin) { b.Keep = 0 }, "keep"},
		{"keep too many", func(b *Bin) { b.Keep = MaxKeep + 1 }, "keep"},
		{"retention short", func(b *Bin) { b.Retention = time.Second }, "retention"},
		{"status 1xx", func(b *Bin) { b.Response.Status = 101 }, "response.status"},
		{"delay 31s", func(b *Bin) { b.Response.Delay = 31 * time.Second }, "response.delay"},
		{"delay 30s", func(b *Bin) { b.Response.Delay = 30 * time.Second }, ""},
		{"header CRLF", func(b *Bin) { b.Response.Header = map[string]string{"X-A": "a\r\nX-B: b"} }, "response.headers"},
		{"header bad name", func(b *Bin) { b.Response.Header = map[string]string{"X A": "a"} }, "response.headers"},
		{"header framing", func(b *Bin) { b.Response.Header = map[string]string{"content-length": "3"} }, "response.headers"},
		{"header content type", func(b *Bin) { b.Response.Header = map[string]string{"Content-Type": "text/plain"} }, ""},
		{"body too long", func(b *Bin) { b.Response.Body = make([]byte, MaxResponseBody+1) }, "response.body"},
		{"name too long", func(b *Bin) { b.Name = strings.Repeat("n", MaxNameLength+1) }, "name"},
	}
	for _, tc := range cases {
		b := ok
		tc.mod(&b)
		errs := b.Validate()
		switch {
		case tc.field == "" && len(errs) > 0:
			t.Errorf("%s: Validate() = %v, want none", tc.name, errs)
		case tc.field != "" && (len(errs) != 1 || errs[0].Field != tc.field):
			t.Errorf("%s: Validate() = %v, want one problem of %s", tc.name, errs, tc.field)
		}
	}
}

func TestMaskHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer secret", "opaque"}, "Cookie": {"a=b"}, "X-Other": {"kept"}}
	got := MaskHeader(h)
	want := http.Header{"Authorization": {"Bearer ****", "****"}, "Cookie": {"****"}, "X-Other": {"kept"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MaskHeader (-want +got):\n%s", diff)
	}
	if h.Get("Authorization") != "Bearer secret" {
		t.Error("MaskHeader changed its argument")
	}
}

func TestForwardHeader(t *testing.T) {
	h := http.Header{"Connection": {"keep-alive, X-Hop"}, "X-Hop": {"1"}, "Host": {"a"}, "Content-Length": {"3"},
		"Transfer-Encoding": {"chunked"}, "Webhook-Signature": {"v1,abc"}}
	got := ForwardHeader(h)
	want := http.Header{"Webhook-Signature": {"v1,abc"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForwardHeader (-want +got):\n%s", diff)
	}
}

func TestTokenHash(t *testing.T) {
	plain, hash := NewToken()
	if !strings.HasPrefix(plain, TokenPrefix) || len(plain) != len(TokenPrefix)+43 {
		t.Errorf("NewToken() = %q, want %s and 43 base64url characters", plain, TokenPrefix)
	}
	if string(HashToken(plain)) != string(hash) {
		t.Error("HashToken(NewToken's plain) differs from its hash")
	}
}

func TestHubWakesFollowersWithoutBlocking(t *testing.T) {
	h := NewHub()
	wake, stop := h.Follow("bin_a")
	other, stopOther := h.Follow("bin_b")
	defer stopOther()
	h.Notify("bin_a")
	h.Notify("bin_a") // coalesced, never blocks
	select {
	case <-wake:
	default:
		t.Fatal("Follow(bin_a) not woken by Notify(bin_a)")
	}
	select {
	case <-other:
		t.Fatal("Follow(bin_b) woken by Notify(bin_a)")
	default:
	}
	stop()
	h.Notify("bin_a")
	select {
	case <-wake:
		t.Fatal("a stopped follower was woken")
	default:
	}
}
