package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v75/github"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"
	svix "github.com/svix/svix-webhooks/go"
)

// inboundSource is a source as the API answers its creation.
type inboundSource struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	IngestURL string `json:"ingestUrl"`
}

// createSource creates a source through the API from its JSON settings.
func createSource(t *testing.T, s *testServer, settings map[string]any) inboundSource {
	t.Helper()
	body, _ := json.Marshal(settings)
	code, resp := s.do(t, http.MethodPost, "/api/v1/source", s.Token, body)
	if code != http.StatusCreated {
		t.Fatalf("create source: %d %s", code, resp)
	}
	var src inboundSource
	if err := json.Unmarshal(resp, &src); err != nil || src.IngestURL == "" {
		t.Fatalf("create source answered %s (%v)", resp, err)
	}
	return src
}

// storedRequest is a received request as the API shows it.
type storedRequest struct {
	ID          string              `json:"id"`
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	Query       string              `json:"query"`
	Headers     map[string][]string `json:"headers"`
	Body        *string             `json:"body"`
	Verified    bool                `json:"verified"`
	Reason      string              `json:"reason"`
	DeliveryID  *string             `json:"deliveryId"`
	DuplicateOf *string             `json:"duplicateOf"`
	MessageIDs  []string            `json:"messageIds"`
}

// sourceRequests lists the requests a source received, newest first.
func sourceRequests(t *testing.T, s *testServer, sourceID string) []storedRequest {
	t.Helper()
	code, resp := s.do(t, http.MethodGet, "/api/v1/source/"+sourceID+"/request?limit=250", s.Token, nil)
	if code != http.StatusOK {
		t.Fatalf("list source requests: %d %s", code, resp)
	}
	var page struct {
		Data []storedRequest `json:"data"`
	}
	if err := json.Unmarshal(resp, &page); err != nil {
		t.Fatalf("list source requests: %v in %s", err, resp)
	}
	return page.Data
}

// postInbound posts body to url with the headers, and answers the status and body.
func postInbound(t *testing.T, method, url string, body []byte, header http.Header) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for name, vals := range header {
		req.Header[name] = vals
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, got, resp.Header
}

// providerSigner signs a request body as one provider does, with secret at
// time at, returning the headers to send.
type providerSigner func(t *testing.T, secret string, at time.Time, body []byte) http.Header

func signStandardWebhooks(t *testing.T, secret string, at time.Time, body []byte) http.Header {
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("msg_%d", at.UnixNano())
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{
		"Content-Type": {"application/json"}, "Webhook-Id": {id},
		"Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {sig},
	}
}

func signStripe(_ *testing.T, secret string, at time.Time, body []byte) http.Header {
	p := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	return http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {p.Header}}
}

// signGitHub signs as GitHub does, checked by go-github's own
// ValidatePayload so the oracle is GitHub's client library.
func signGitHub(t *testing.T, secret string, at time.Time, body []byte) http.Header {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	h := http.Header{
		"Content-Type": {"application/json"}, "X-Github-Event": {"push"},
		"X-Github-Delivery":   {fmt.Sprintf("d-%d", at.UnixNano())},
		"X-Hub-Signature-256": {"sha256=" + hex.EncodeToString(mac.Sum(nil))},
	}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", bytes.NewReader(body))
	req.Header = h.Clone()
	if _, err := github.ValidatePayload(req, []byte(secret)); err != nil {
		t.Fatalf("go-github refuses the test's own signature: %v", err)
	}
	return h
}

func signShopify(_ *testing.T, secret string, at time.Time, body []byte) http.Header {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return http.Header{
		"Content-Type": {"application/json"}, "X-Shopify-Webhook-Id": {fmt.Sprintf("s-%d", at.UnixNano())},
		"X-Shopify-Hmac-Sha256": {base64.StdEncoding.EncodeToString(mac.Sum(nil))},
	}
}

func TestInboundSchemesAgainstTheRealServer(t *testing.T) {
	s := startServer(t)
	now := time.Now()
	stale := now.Add(-time.Hour)
	for _, tc := range []struct {
		name, scheme, secret, wrong string
		sign                        providerSigner
		timestamped                 bool
	}{
		{"standard webhooks", "standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret, 24 bytes")), signStandardWebhooks, true},
		{"stripe", "stripe", "whsec_test_5a3f0f6c1e2d4b7a", "whsec_test_other", signStripe, true},
		{"github", "github", "It's a Secret to Everybody", "another secret", signGitHub, false},
		{"shopify", "shopify", "shpss_0123456789abcdef", "shpss_other", signShopify, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := createSource(t, s, map[string]any{
				"name": tc.name, "verify": map[string]any{"scheme": tc.scheme, "secret": tc.secret},
			})
			body := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
			if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL, body, tc.sign(t, tc.secret, now, body)); code != http.StatusAccepted || string(resp) != "{}" {
				t.Errorf("a request signed by the provider's library: %d %s, want 202 {}", code, resp)
			}
			refused := map[string]http.Header{
				"wrong secret":  tc.sign(t, tc.wrong, now.Add(time.Millisecond), body),
				"modified body": tc.sign(t, tc.secret, now.Add(2*time.Millisecond), []byte(`{"id":"evt_0"}`)),
			}
			if tc.timestamped {
				refused["stale timestamp"] = tc.sign(t, tc.secret, stale, body)
			}
			for what, h := range refused {
				if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL, body, h); code != http.StatusUnauthorized {
					t.Errorf("%s: %d %s, want 401", what, code, resp)
				}
			}
			stored := sourceRequests(t, s, src.ID)
			if len(stored) != 1+len(refused) {
				t.Fatalf("the source stored %d requests, want %d (refused ones kept)", len(stored), 1+len(refused))
			}
			var verified int
			for _, r := range stored {
				if r.Verified {
					verified++
					continue
				}
				if r.Reason == "" {
					t.Errorf("a refused request is stored without a reason: %+v", r)
				}
			}
			if verified != 1 {
				t.Errorf("%d requests stored as verified, want 1", verified)
			}
			if tc.timestamped && !strings.Contains(stored[0].Reason+stored[1].Reason+stored[2].Reason+stored[3].Reason, "old") {
				t.Errorf("no stored reason says the stale timestamp is old: %+v", stored)
			}
		})
	}
}

func TestInboundForwardsToAnAppOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		rcv := newReceiver(t, http.StatusInternalServerError) // then 200: the engine retries
		app, err := s.Client.Application.Create(ctx, svix.ApplicationIn{Name: "Billing"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ep, err := s.Client.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: rcv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		epSecret, err := s.Client.Endpoint.GetSecret(ctx, app.Id, ep.Id)
		if err != nil {
			t.Fatal(err)
		}
		const providerSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		src := createSource(t, s, map[string]any{
			"name":    "Stripe-like provider",
			"verify":  map[string]any{"scheme": "standard-webhooks", "secret": providerSecret},
			"forward": map[string]any{"app": map[string]any{"appId": app.Id, "eventTypeField": "type"}},
		})

		body := []byte(`{"type":"invoice.paid","data":{"amount":4200}}`)
		header := signStandardWebhooks(t, providerSecret, time.Now(), body)
		if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL+"/stripe?live=1", body, header); code != http.StatusAccepted {
			t.Fatalf("inbound request: %d %s", code, resp)
		}
		got := rcv.waitFor(t, 2, 10*time.Second) // the 500, then the retry
		wh, err := svix.NewWebhook(epSecret.Key)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			if err := wh.Verify(r.Body, r.Header); err != nil {
				t.Errorf("delivery %d does not verify with the endpoint's secret: %v", i, err)
			}
			if !bytes.Equal(r.Body, body) {
				t.Errorf("delivery %d body = %s, want the inbound body %s", i, r.Body, body)
			}
		}

		// The provider retries the same delivery: answered alike, no second message.
		if code, _, _ := postInbound(t, http.MethodPost, src.IngestURL+"/stripe?live=1", body, header); code != http.StatusAccepted {
			t.Errorf("the provider's retry: %d, want 202", code)
		}
		msgs, err := s.Client.Message.List(ctx, app.Id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs.Data) != 1 || msgs.Data[0].EventType != "invoice.paid" {
			t.Fatalf("the app has %d messages (%+v), want 1 invoice.paid", len(msgs.Data), msgs.Data)
		}
		stored := sourceRequests(t, s, src.ID)
		if len(stored) != 2 {
			t.Fatalf("the source stored %d requests, want 2 (the first and the retry)", len(stored))
		}
		retry, r := stored[0], stored[1]
		if retry.DuplicateOf == nil || *retry.DuplicateOf != r.ID || len(retry.MessageIDs) != 0 {
			t.Errorf("the retry is stored as %+v, want a duplicate of %s forwarding nothing", retry, r.ID)
		}
		if !r.Verified || r.Path != "/stripe" || r.Query != "live=1" || len(r.MessageIDs) != 1 || r.MessageIDs[0] != msgs.Data[0].Id {
			t.Errorf("stored request = %+v, want verified, path /stripe, query live=1, message %s", r, msgs.Data[0].Id)
		}
		if r.DeliveryID == nil || *r.DeliveryID != header.Get("Webhook-Id") {
			t.Errorf("stored delivery ID = %v, want %s", r.DeliveryID, header.Get("Webhook-Id"))
		}
	})
}

func TestInboundLimits(t *testing.T) {
	s := startServer(t)
	src := createSource(t, s, map[string]any{
		"name": "open", "verify": map[string]any{"scheme": "none"}, "bodyLimit": 1024,
	})

	t.Run("a body with NUL bytes and invalid UTF-8 is kept byte for byte", func(t *testing.T) {
		body := []byte{0, 1, 2, 0xff, 0xfe, 'h', 'i', 0, 0xc3, 0x28}
		if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL, body, http.Header{"Content-Type": {"application/octet-stream"}}); code != http.StatusAccepted {
			t.Fatalf("binary body: %d %s", code, resp)
		}
		stored := sourceRequests(t, s, src.ID)
		code, resp := s.do(t, http.MethodGet, "/api/v1/source/"+src.ID+"/request/"+stored[0].ID, s.Token, nil)
		if code != http.StatusOK {
			t.Fatalf("get request: %d %s", code, resp)
		}
		var one storedRequest
		if err := json.Unmarshal(resp, &one); err != nil || one.Body == nil {
			t.Fatalf("get request: %s (%v)", resp, err)
		}
		if got, err := base64.StdEncoding.DecodeString(*one.Body); err != nil || !bytes.Equal(got, body) {
			t.Errorf("the stored body is %q (%v), want %q", got, err, body)
		}
	})

	t.Run("a path below the token is kept as sent, not redirected", func(t *testing.T) {
		if code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL+"//hooks/../v1?x=1", []byte("{}"), nil); code != http.StatusAccepted {
			t.Fatalf("a path with // and ..: %d %s, want 202", code, resp)
		}
		if got := sourceRequests(t, s, src.ID)[0]; got.Path != "//hooks/../v1" || got.Query != "x=1" {
			t.Errorf("stored path %q query %q, want //hooks/../v1 and x=1", got.Path, got.Query)
		}
	})

	t.Run("a body over the limit is 413 and stores nothing", func(t *testing.T) {
		before := len(sourceRequests(t, s, src.ID))
		code, resp, _ := postInbound(t, http.MethodPost, src.IngestURL, bytes.Repeat([]byte("a"), 1025), nil)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(resp), `"code":"payload_too_large"`) {
			t.Errorf("over the limit: %d %s, want 413 payload_too_large", code, resp)
		}
		if after := len(sourceRequests(t, s, src.ID)); after != before {
			t.Errorf("a refused body was stored: %d requests, want %d", after, before)
		}
	})

	t.Run("an unknown token is 404, a method not allowed 405", func(t *testing.T) {
		wrong := src.IngestURL[:len(src.IngestURL)-4] + "AAAA"
		if code, _, _ := postInbound(t, http.MethodPost, wrong, []byte("{}"), nil); code != http.StatusNotFound {
			t.Errorf("unknown token: %d, want 404", code)
		}
		if code, _, h := postInbound(t, http.MethodPut, src.IngestURL, []byte("{}"), nil); code != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
			t.Errorf("PUT: %d Allow %q, want 405 Allow POST", code, h.Get("Allow"))
		}
	})

	t.Run("past the rate limit, 429 with Retry-After", func(t *testing.T) {
		limited := createSource(t, s, map[string]any{
			"name": "limited", "verify": map[string]any{"scheme": "none"}, "rateLimit": 1,
		})
		var refused int
		for range 5 {
			code, _, h := postInbound(t, http.MethodPost, limited.IngestURL, []byte("{}"), nil)
			if code == http.StatusTooManyRequests {
				refused++
				if h.Get("Retry-After") == "" {
					t.Error("a 429 without Retry-After")
				}
			}
		}
		if refused == 0 {
			t.Error("5 requests at once to a source limited to 1/s: none refused")
		}
	})
}
