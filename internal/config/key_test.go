package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKeyBytes is a key whose every encoding is easy to look for.
var testKeyBytes = bytes.Repeat([]byte{0x5a}, KeySize)

func TestParseKey(t *testing.T) {
	valid := []string{
		hex.EncodeToString(testKeyBytes),
		strings.ToUpper(hex.EncodeToString(testKeyBytes)),
		base64.StdEncoding.EncodeToString(testKeyBytes),
		base64.RawStdEncoding.EncodeToString(testKeyBytes),
		base64.URLEncoding.EncodeToString(testKeyBytes),
		"  " + base64.StdEncoding.EncodeToString(testKeyBytes) + "\n",
	}
	for _, s := range valid {
		k, err := ParseKey(s)
		if err != nil || !bytes.Equal(k, testKeyBytes) {
			t.Errorf("ParseKey(%q) = %x, %v; want the key", s, []byte(k), err)
		}
	}
	invalid := []string{
		"",
		"too-short",
		hex.EncodeToString(testKeyBytes[:16]), // 16 bytes
		base64.StdEncoding.EncodeToString(append(testKeyBytes, 1)),     // 33 bytes
		hex.EncodeToString(testKeyBytes)[:63] + "g",                    // not hex, not base64 of 32
		"correct horse battery staple correct horse battery staple !!", // a passphrase
	}
	for _, s := range invalid {
		k, err := ParseKey(s)
		if err == nil {
			t.Errorf("ParseKey(%q) = %x, want an error", s, []byte(k))
			continue
		}
		if s != "" && strings.Contains(err.Error(), strings.TrimSpace(s)) {
			t.Errorf("ParseKey(%q) error %q repeats the value", s, err)
		}
	}
}

func TestLoadEncryptionKey(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString(testKeyBytes)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(testKeyBytes)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		flags map[string]string
		env   map[string]string
	}{
		{"env", nil, map[string]string{"HOOKLINE_ENCRYPTION_KEY": b64}},
		{"settings file", nil, map[string]string{"HOOKLINE_CONFIG": writeFile(t, "encryption-key = "+b64+"\n")}},
		{"key file flag", map[string]string{"encryption-key-file": keyFile}, nil},
		{"key file env", nil, map[string]string{"HOOKLINE_ENCRYPTION_KEY_FILE": keyFile}},
	} {
		cfg, err := Load(tc.flags, func(k string) string { return tc.env[k] })
		if err != nil || !bytes.Equal(cfg.EncryptionKey, testKeyBytes) {
			t.Errorf("%s: Load = key %d bytes, %v; want the key", tc.name, len(cfg.EncryptionKey), err)
		}
	}
	if cfg, err := Load(nil, nil); err != nil || cfg.EncryptionKey != nil {
		t.Errorf("Load() without a key = %v, %v; want no key", cfg.EncryptionKey, err)
	}
}

func TestLoadEncryptionKeyErrors(t *testing.T) {
	const bad = "not-a-key-but-a-secret-anyway"
	missing := filepath.Join(t.TempDir(), "missing")
	badFile := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(badFile, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		flags map[string]string
		env   map[string]string
		want  string
	}{
		{"malformed env", nil, map[string]string{"HOOKLINE_ENCRYPTION_KEY": bad}, "HOOKLINE_ENCRYPTION_KEY: want 32 random bytes"},
		{"both", map[string]string{"encryption-key-file": missing}, map[string]string{"HOOKLINE_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(testKeyBytes)}, "both set"},
		{"missing file", map[string]string{"encryption-key-file": missing}, nil, "encryption-key-file: read key file"},
		{"malformed file", map[string]string{"encryption-key-file": badFile}, nil, "encryption-key-file: " + badFile + ": want 32 random bytes"},
	} {
		_, err := Load(tc.flags, func(k string) string { return tc.env[k] })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load error = %v, want one containing %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("%s: Load error %q repeats the key", tc.name, err)
		}
	}
}

// TestConfigNeverPrintsTheKey prints a Config holding a key every way a
// log line, an error or a dump would: the key never shows.
func TestConfigNeverPrintsTheKey(t *testing.T) {
	cfg := Default()
	cfg.EncryptionKey = Key(testKeyBytes)
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
		fmt.Fprintf(&out, verb+"\n", cfg)
		fmt.Fprintf(&out, verb+"\n", cfg.EncryptionKey)
	}
	j, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "cfg", cfg, "key", cfg.EncryptionKey)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "cfg", cfg, "key", cfg.EncryptionKey)
	s := strings.ToLower(out.String())
	for _, form := range []string{hex.EncodeToString(testKeyBytes), base64.StdEncoding.EncodeToString(testKeyBytes), base64.RawStdEncoding.EncodeToString(testKeyBytes), "90 90 90", "5a 5a", "zzzz"} {
		if strings.Contains(s, strings.ToLower(form)) {
			t.Errorf("printing a Config showed its key (%q):\n%s", form, out.String())
		}
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Errorf("printing a Config with a key never said [redacted]:\n%s", out.String())
	}
}
