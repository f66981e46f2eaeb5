package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func testKey(t *testing.T, fill byte) (*Key, []byte) {
	t.Helper()
	raw := bytes.Repeat([]byte{fill}, KeySize)
	k, err := NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k, raw
}

func TestSealOpen(t *testing.T) {
	k, _ := testKey(t, 7)
	for _, plain := range []string{"", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", `{"Authorization":"Bearer s3cr3t"}`, strings.Repeat("é", 3000)} {
		sealed := k.Seal(plain, "endpoints.secret/ep_1")
		if !IsSealed(sealed) || !strings.HasPrefix(sealed, "hlseal:v1:"+k.ID()+":") {
			t.Errorf("Seal(%.20q) = %q, want hlseal:v1:%s:...", plain, sealed, k.ID())
		}
		if plain != "" && strings.Contains(sealed, plain) {
			t.Errorf("Seal(%.20q) contains the plain text", plain)
		}
		got, err := k.Open(sealed, "endpoints.secret/ep_1")
		if err != nil || got != plain {
			t.Errorf("Open(Seal(%.20q)) = %.20q, %v", plain, got, err)
		}
		if again := k.Seal(plain, "endpoints.secret/ep_1"); again == sealed {
			t.Errorf("Seal(%.20q) twice gave the same text: nonces must differ", plain)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	k, _ := testKey(t, 7)
	other, _ := testKey(t, 8)
	sealed := k.Seal("whsec_abc", "endpoints.secret/ep_1")
	flipped := []byte(sealed)
	flipped[len(flipped)-3] ^= 1
	tests := []struct {
		name, sealed, where string
		key                 *Key
		want                error
	}{
		{"another key", sealed, "endpoints.secret/ep_1", other, ErrWrongKey},
		{"another row", sealed, "endpoints.secret/ep_2", k, ErrMalformed},
		{"another column", sealed, "endpoints.headers/ep_1", k, ErrMalformed},
		{"a flipped bit", string(flipped), "endpoints.secret/ep_1", k, ErrMalformed},
		{"cut short", sealed[:len(sealed)-10], "endpoints.secret/ep_1", k, ErrMalformed},
		{"not base64", "hlseal:v1:" + k.ID() + ":!!!", "x", k, ErrMalformed},
		{"another version", strings.Replace(sealed, ":v1:", ":v9:", 1), "endpoints.secret/ep_1", k, ErrMalformed},
		{"no key ID", "hlseal:v1:abc", "x", k, ErrMalformed},
		{"plain text", "whsec_abc", "x", k, ErrMalformed},
	}
	for _, tc := range tests {
		if got, err := tc.key.Open(tc.sealed, tc.where); !errors.Is(err, tc.want) {
			t.Errorf("%s: Open = %q, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if id, err := KeyID(sealed); err != nil || id != k.ID() {
		t.Errorf("KeyID = %q, %v; want %q", id, err, k.ID())
	}
	if k.ID() == other.ID() {
		t.Errorf("two keys have the same ID %s", k.ID())
	}
}

func TestNewKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKey(make([]byte, n)); err == nil {
			t.Errorf("NewKey(%d bytes) = nil error, want one", n)
		}
	}
}

// TestKeyNeverPrints formats a key, and a struct holding one, with every
// common verb and through slog: no form of its material may appear.
func TestKeyNeverPrints(t *testing.T) {
	k, raw := testKey(t, 0xab)
	forms := []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), string(raw), "171, 171, 171", "ab ab ab", "abab"}
	holder := struct {
		Name string
		Key  *Key
	}{"cfg", k}
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		fmt.Fprintf(&out, verb+"\n", k)
		fmt.Fprintf(&out, verb+"\n", holder)
	}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "key", k, "holder", holder)
	slog.New(slog.NewTextHandler(&out, nil)).Info("x", "key", k)
	for _, f := range forms {
		if strings.Contains(strings.ToLower(out.String()), strings.ToLower(f)) {
			t.Errorf("the key's material (%q) was printed:\n%s", f, out.String())
		}
	}
}

// BenchmarkOpen is the cost of opening one endpoint secret, paid when the
// routing index loads an endpoint, never per delivery attempt.
func BenchmarkOpen(b *testing.B) {
	k, err := NewKey(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		b.Fatal(err)
	}
	sealed := k.Seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "endpoints.secret/ep_1")
	for b.Loop() {
		if _, err := k.Open(sealed, "endpoints.secret/ep_1"); err != nil {
			b.Fatal(err)
		}
	}
}
