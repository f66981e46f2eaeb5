package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// captureOut is a captured request. Lists leave Body out (BodySize says
// how long it is); one capture, and the follow stream, carry it in
// base64, as the exact bytes may be no text at all. Headers hold every
// value in the order sent, with Authorization and cookies masked unless
// the request asked ?reveal=true.
type captureOut struct {
	ID         string              `json:"id"`
	BinID      string              `json:"binId"`
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Query      string              `json:"query"`
	Headers    map[string][]string `json:"headers"`
	Body       *string             `json:"body,omitempty"`
	BodySize   int                 `json:"bodySize"`
	RemoteAddr string              `json:"remoteAddr"`
	ReceivedAt Time                `json:"receivedAt"`
}

func renderCapture(c inspector.Capture, reveal, withBody bool) captureOut {
	h := c.Header
	if !reveal {
		h = inspector.MaskHeader(h)
	}
	if h == nil {
		h = http.Header{}
	}
	out := captureOut{
		ID: c.ID, BinID: c.BinID, Method: c.Method, Path: c.Path, Query: c.Query,
		Headers: h, BodySize: c.BodySize, RemoteAddr: c.RemoteAddr, ReceivedAt: Time(c.ReceivedAt),
	}
	if withBody {
		b := base64.StdEncoding.EncodeToString(c.Body)
		out.Body = &b
	}
	return out
}

// reveal reports whether the request asked for credentials unmasked.
func reveal(r *http.Request) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get("reveal"))
	return v
}

// captureList lists and searches a bin's captures, newest first:
// ?method=POST, ?path= (a part of the path below the bin), ?q= (text in
// the headers, any case, or bytes in the body), ?after= and ?before=
// (received), paged by iterator.
func (a *API) captureList(w http.ResponseWriter, r *http.Request) error {
	b, err := a.bin(r)
	if err != nil {
		return err
	}
	var probs problems
	q := r.URL.Query()
	p := store.CaptureListParams{
		BinID:  b.ID,
		Method: strings.ToUpper(q.Get("method")),
		Path:   q.Get("path"),
		Text:   q.Get("q"),
		Since:  parseTimeQuery(r, "after", &probs),
		Until:  parseTimeQuery(r, "before", &probs),
	}
	pq := parsePage(r, store.Descending, idIterator(webhook.PrefixCapture), &probs)
	show := reveal(r)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]inspector.Capture, error) {
		p.Page = pq.fetchPage()
		return a.store.CaptureList(ctx, p)
	}, func(c inspector.Capture) string { return c.ID },
		func(c inspector.Capture) captureOut { return renderCapture(c, show, false) })
}

// capture reads the capture named by {cap_id} of the bin {bin_id}.
func (a *API) capture(r *http.Request) (inspector.Capture, error) {
	b, err := a.bin(r)
	if err != nil {
		return inspector.Capture{}, err
	}
	id := r.PathValue("cap_id")
	if !webhook.ValidID(webhook.PrefixCapture, id) {
		return inspector.Capture{}, errNotFound()
	}
	return a.store.CaptureGet(r.Context(), b.ID, id)
}

func (a *API) captureGet(w http.ResponseWriter, r *http.Request) error {
	c, err := a.capture(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderCapture(c, reveal(r), true))
	return nil
}

// captureRaw answers the captured body, byte for byte, as a download:
// never rendered by a browser (nosniff, attachment), whatever it holds.
func (a *API) captureRaw(w http.ResponseWriter, r *http.Request) error {
	c, err := a.capture(r)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+c.ID+`.bin"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(c.Body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(c.Body)
	return nil
}

// captureReplayIn names where to send a captured request again.
type captureReplayIn struct {
	URL string `json:"url"`
}

// captureReplayOut is what the replay's target answered, or why nothing did.
type captureReplayOut struct {
	URL        string `json:"url"`
	StatusCode int    `json:"statusCode"`
	// ResponseBody is the start of the answer's body, as text.
	ResponseBody string `json:"responseBody"`
	Duration     string `json:"duration"`
	Error        string `json:"error,omitempty"`
}

// captureReplay sends a captured request to another URL with its method,
// headers (but the hop-by-hop ones) and body bytes exactly, through the
// server's delivery client and so its SSRF guard. The URL is used as
// given: the captured path and query are not added to it.
func (a *API) captureReplay(w http.ResponseWriter, r *http.Request) error {
	c, err := a.capture(r)
	if err != nil {
		return err
	}
	var in captureReplayIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errOptions("url: must be an http:// or https:// URL")
	}
	res := a.replay.Send(r.Context(), send.Request{
		URL: in.URL, Method: c.Method, Body: c.Body, Raw: inspector.ForwardHeader(c.Header),
	})
	out := captureReplayOut{URL: webhook.RedactURL(in.URL), StatusCode: res.StatusCode, ResponseBody: string(res.Body),
		Duration: res.Duration.Round(time.Millisecond).String()}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
