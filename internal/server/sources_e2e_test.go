package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
)

// TestSourcesAPI runs the source resource against the real server on each
// backend: a source created, its token shown once and only its hash kept,
// found by that hash, listed, its token rotated, deleted.
func TestSourcesAPI(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, b.fresh(t))
			status, body := s.do(t, "POST", "/api/v1/source", s.Token,
				[]byte(`{"name":"GitHub","verify":{"scheme":"github","secret":"gh-secret-e2e"},"methods":["POST","PUT"]}`))
			var created struct {
				ID, Token, IngestURL string
				Verify               map[string]any
			}
			if status != http.StatusCreated || json.Unmarshal(body, &created) != nil {
				t.Fatalf("POST /api/v1/source = %d %s, want 201", status, body)
			}
			if !strings.HasSuffix(created.IngestURL, "/in/"+created.Token) || bytes.Contains(body, []byte("gh-secret-e2e")) {
				t.Errorf("POST /api/v1/source = %s: want the ingest URL ending in /in/<token>, and the secret redacted", body)
			}
			status, body = s.do(t, "GET", "/api/v1/source/"+created.ID+"/", s.Token, nil)
			if status != http.StatusOK || bytes.Contains(body, []byte(created.Token)) || bytes.Contains(body, []byte("gh-secret-e2e")) {
				t.Errorf("GET source = %d %s, want 200 without the token or the secret", status, body)
			}
			status, body = s.do(t, "GET", "/api/v1/source?limit=10", s.Token, nil)
			if status != http.StatusOK || !bytes.Contains(body, []byte(created.ID)) || !bytes.Contains(body, []byte(`"done":true`)) {
				t.Errorf("GET /api/v1/source = %d %s, want the source and done", status, body)
			}
			status, body = s.do(t, "POST", "/api/v1/source/"+created.ID+"/rotate-token", s.Token, nil)
			var rotated struct{ Token string }
			if status != http.StatusOK || json.Unmarshal(body, &rotated) != nil || rotated.Token == "" || rotated.Token == created.Token {
				t.Errorf("rotate-token = %d %s, want 200 with a new token", status, body)
			}
			status, body = s.do(t, "GET", "/api/v1/source/"+created.ID+"/request", s.Token, nil)
			if status != http.StatusOK || !bytes.Contains(body, []byte(`"data":[]`)) {
				t.Errorf("GET requests = %d %s, want an empty page", status, body)
			}
			if status, body := s.do(t, "GET", "/api/v1/source", "", nil); status != http.StatusUnauthorized {
				t.Errorf("GET /api/v1/source without a token = %d %s, want 401", status, body)
			}
			if status, body := s.do(t, "DELETE", "/api/v1/source/"+created.ID, s.Token, nil); status != http.StatusNoContent {
				t.Errorf("DELETE source = %d %s, want 204", status, body)
			}
			if status, _ := s.do(t, "GET", "/api/v1/source/"+created.ID, s.Token, nil); status != http.StatusNotFound {
				t.Errorf("GET deleted source = %d, want 404", status)
			}
		})
	}
}

// TestSourceSecretsEncryptedAtStart: a source's verification secret made
// without a key is encrypted by the next start with one (logged), is then
// in no file of the data directory, and a start without the key is
// refused, naming source secrets.
func TestSourceSecretsEncryptedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const secret = "source-secret-7c1e9d44"
	s := startServer(t, withDataDir(dir))
	status, body := s.do(t, "POST", "/api/v1/source", s.Token, []byte(`{"name":"s","verify":{"scheme":"github","secret":"`+secret+`"}}`))
	var created struct{ ID string }
	if status != http.StatusCreated || json.Unmarshal(body, &created) != nil {
		t.Fatalf("POST /api/v1/source = %d %s", status, body)
	}
	s.stop()
	if found := storedInPlainText(t, dir, secret); len(found) != 1 {
		t.Fatalf("without a key the data directory does not hold %q: the test reads the wrong place", secret)
	}

	key := bytes.Repeat([]byte{0x5a}, seal.KeySize)
	s = startServer(t, withDataDir(dir), withEncryptionKey(key))
	if !strings.Contains(s.Logs.String(), "encrypted the source secrets that were stored in plain text") {
		t.Errorf("the start with a key did not log the encryption of the source secret:\n%s", s.Logs.String())
	}
	if found := storedInPlainText(t, dir, secret); len(found) > 0 {
		t.Errorf("after the start with a key, the data directory holds %q in plain text", found)
	}
	if status, body := s.do(t, "GET", "/api/v1/source/"+created.ID, s.Token, nil); status != http.StatusOK {
		t.Errorf("GET source with the key = %d %s", status, body)
	}
	s.stop()

	cfg := s.cfg
	cfg.EncryptionKey = nil
	err := runUntilListening(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "source secrets in the database are encrypted") || !errors.Is(err, store.ErrEncryptionKey) {
		t.Errorf("a start without the key: server.Run = %v, want it refused naming the source secrets", err)
	}
}
