package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// inboundSender sends each message as a provider would: its payload
// POSTed to a source's ingest URL, signed with Standard Webhooks under a
// delivery ID of its own, which the source forwards to the benchmark
// app. The delivery ID travels in the payload too ("benchId"), so the
// receiver can tell which sent request each delivery is.
type inboundSender struct {
	url  string
	key  []byte
	http *http.Client
	macs sync.Pool
}

// newInboundSender creates the source: Standard Webhooks with a fresh
// secret, forwarding to appID as EventType.
func newInboundSender(ctx context.Context, api *apiClient, appID string) (*inboundSender, error) {
	key := make([]byte, 24)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	src := map[string]any{
		"name":    "hookline bench " + time.Now().UTC().Format(time.RFC3339),
		"verify":  map[string]any{"scheme": "standard-webhooks", "secret": "whsec_" + base64.StdEncoding.EncodeToString(key)},
		"forward": map[string]any{"app": map[string]any{"appId": appID, "eventType": EventType}},
	}
	var out struct {
		IngestURL string `json:"ingestUrl"`
	}
	if err := api.do(ctx, http.MethodPost, "/source", src, &out, http.StatusCreated); err != nil {
		return nil, fmt.Errorf("create source: %w", err)
	}
	s := &inboundSender{url: out.IngestURL, key: key, http: api.http}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s, nil
}

func (s *inboundSender) send(ctx context.Context, buf *bytes.Buffer, _, pad string, n int64) (string, error) {
	id := "bench_" + strconv.FormatInt(n, 10)
	now := time.Now()
	buf.Reset()
	appendInboundPayload(buf, id, pad, now)
	ts := strconv.FormatInt(now.Unix(), 10)

	mac := s.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(buf.Bytes())
	sig := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	s.macs.Put(mac)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", sig)
	resp, err := s.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("POST the ingest URL: %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), bytes.TrimSpace(body))
	}
	return id, nil
}

// appendInboundPayload writes a provider's webhook body: its send time
// first (sentAtOf reads it), its delivery ID, and pad.
func appendInboundPayload(buf *bytes.Buffer, id, pad string, sentAt time.Time) {
	buf.WriteString(`{"sentAt":`)
	buf.Write(strconv.AppendInt(nil, sentAt.UnixNano(), 10))
	buf.WriteString(`,"benchId":"` + id + `","pad":"` + pad + `"}`)
}

// benchIDOf is the "benchId" of an inbound payload, or "".
func benchIDOf(body []byte) string {
	const key = `,"benchId":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}
