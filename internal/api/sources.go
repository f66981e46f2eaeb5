package api

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Inbound sources are Hookline's own resource (docs/inbound.md), for
// admin tokens only: a source receives webhooks from anyone who knows its
// URL, so creating one is the operator's decision. As with delivery
// options, a body's errors are {code, detail} and an unknown field is
// refused; a query's (limit, iterator, reveal) are Svix's 422, as on
// every list of the API.
//
// A source's ingest token is stored as its hash: the token and the URL it
// makes are answered by create and rotate-token alone, and those
// responses are never kept for an Idempotency-Key replay (the routes are
// not idempotent()). Verification secrets are shown redacted.

// sourceIn is POST's body (name and verify required, the rest defaults)
// and PATCH's (an absent or null field is kept).
type sourceIn struct {
	Name      *string           `json:"name"`
	Verify    *verify.Config    `json:"verify"`
	Response  *inbound.Response `json:"response"`
	Methods   *[]string         `json:"methods"`
	BodyLimit *int64            `json:"bodyLimit"`
	RateLimit *int              `json:"rateLimit"`
	Forward   *inbound.Forward  `json:"forward"`
}

// sourceOut is a source as every route shows it.
type sourceOut struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Verify    verify.Config    `json:"verify"`
	Response  inbound.Response `json:"response"`
	Methods   []string         `json:"methods"`
	BodyLimit int64            `json:"bodyLimit"`
	RateLimit int              `json:"rateLimit"`
	Forward   inbound.Forward  `json:"forward"`
	CreatedAt Time             `json:"createdAt"`
	UpdatedAt Time             `json:"updatedAt"`
}

// sourceTokenOut is what create and rotate-token answer: the source with
// its new ingest token and URL, shown this once.
type sourceTokenOut struct {
	sourceOut
	Token     string `json:"token"`
	IngestURL string `json:"ingestUrl"`
}

func renderSource(src inbound.Source) sourceOut {
	return sourceOut{
		ID: src.ID, Name: src.Name, Verify: src.Verify.Redacted(), Response: src.Response,
		Methods: src.Methods, BodyLimit: src.BodyLimit, RateLimit: src.RateLimit, Forward: src.Forward,
		CreatedAt: Time(src.CreatedAt), UpdatedAt: Time(src.UpdatedAt),
	}
}

// redactedSecret is what Redacted shows in place of a secret. Sent back
// in a PATCH (a GET's body edited and returned), it is refused rather
// than stored as the secret.
var redactedSecret = verify.Config{Secret: "x"}.Redacted().Secret

// errSource is the 422 of this resource.
func errSource(probs []inbound.Problem) *Error {
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.String()
	}
	return errOptions(strings.Join(msgs, "; "))
}

// apply sets on src the fields in the body. A verify config without
// secrets keeps the stored ones when the scheme stays: a PATCH of the
// tolerance need not repeat the secret.
func (in sourceIn) apply(src *inbound.Source) {
	if in.Name != nil {
		src.Name = *in.Name
	}
	if in.Verify != nil {
		cfg := *in.Verify
		if cfg.Secret == "" && len(cfg.PreviousSecrets) == 0 && cfg.Scheme == src.Verify.Scheme {
			cfg.Secret, cfg.PreviousSecrets = src.Verify.Secret, src.Verify.PreviousSecrets
		}
		src.Verify = cfg
	}
	if in.Response != nil {
		src.Response = *in.Response
	}
	if in.Methods != nil {
		src.Methods = *in.Methods
	}
	if in.BodyLimit != nil {
		src.BodyLimit = *in.BodyLimit
	}
	if in.RateLimit != nil {
		src.RateLimit = *in.RateLimit
	}
	if in.Forward != nil {
		src.Forward = *in.Forward
	}
}

// checkSource fills src's defaults and checks it: the rules of package
// inbound, a redacted placeholder sent back as a secret, and the app a
// forward names, which must exist (named by ID or uid; the ID is kept).
func (a *API) checkSource(ctx context.Context, src *inbound.Source) error {
	*src = src.WithDefaults()
	var appProblem *inbound.Problem
	if app := src.Forward.App; app != nil && app.AppID != "" {
		found, err := a.store.AppGet(ctx, app.AppID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			appProblem = &inbound.Problem{Field: []string{"forward", "app", "appId"}, Msg: "no such app (give an app's ID or uid)"}
		case err != nil:
			return err
		default:
			fwd := *app
			fwd.AppID = found.ID
			src.Forward.App = &fwd
		}
	}
	var probs []inbound.Problem
	for _, p := range src.Check() {
		// An app not found says so itself, rather than that its uid is
		// not an ID.
		if appProblem == nil || strings.Join(p.Field, ".") != "forward.app.appId" {
			probs = append(probs, p)
		}
	}
	if appProblem != nil {
		probs = append(probs, *appProblem)
	}
	if src.Verify.Secret == redactedSecret || slices.Contains(src.Verify.PreviousSecrets, redactedSecret) {
		probs = append(probs, inbound.Problem{Field: []string{"verify", "secret"},
			Msg: "is the redacted placeholder a GET shows; send the secret itself, or leave it out to keep the stored one"})
	}
	if len(probs) > 0 {
		return errSource(probs)
	}
	return nil
}

func (a *API) sourceCreate(w http.ResponseWriter, r *http.Request) error {
	var in sourceIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	var missing []inbound.Problem
	if in.Name == nil {
		missing = append(missing, inbound.Problem{Field: []string{"name"}, Msg: "required"})
	}
	if in.Verify == nil {
		missing = append(missing, inbound.Problem{Field: []string{"verify"}, Msg: `required: {"scheme": ...}; scheme "none" accepts every request`})
	}
	if len(missing) > 0 {
		return errSource(missing)
	}
	now := a.now()
	var src inbound.Source
	in.apply(&src)
	if err := a.checkSource(r.Context(), &src); err != nil {
		return err
	}
	token, hash, err := inbound.NewToken()
	if err != nil {
		return err
	}
	src.ID, src.TokenHash, src.CreatedAt, src.UpdatedAt = webhook.NewID(webhook.PrefixSource, now), hash, now, now
	// The destinations' app and endpoints first, so that the source is
	// never stored pointing at endpoints that are not there; a failure
	// takes back what was made.
	if err := a.syncDestinations(r.Context(), nil, &src); err != nil {
		_ = a.deleteSourceApp(context.WithoutCancel(r.Context()), src)
		return err
	}
	if err := a.store.SourceCreate(r.Context(), src); err != nil {
		_ = a.deleteSourceApp(context.WithoutCancel(r.Context()), src)
		return err
	}
	writeJSON(w, http.StatusCreated, a.sourceWithToken(src, token))
	return nil
}

// sourceWithToken is src shown with its new token and ingest URL.
func (a *API) sourceWithToken(src inbound.Source, token string) sourceTokenOut {
	return sourceTokenOut{sourceOut: renderSource(src), Token: token, IngestURL: strings.TrimRight(a.baseURL, "/") + "/in/" + token}
}

// source reads the source {source_id} names; 404 for an ID that is not a
// source's, without asking the store.
func (a *API) source(r *http.Request) (inbound.Source, error) {
	id := r.PathValue("source_id")
	if !webhook.ValidID(webhook.PrefixSource, id) {
		return inbound.Source{}, errNotFound()
	}
	return a.store.SourceGet(r.Context(), id)
}

func (a *API) sourceList(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	pq := parsePage(r, store.Ascending, idIterator(webhook.PrefixSource), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]inbound.Source, error) {
		return a.store.SourceList(ctx, store.SourceListParams{Page: pq.fetchPage()})
	}, func(src inbound.Source) string { return src.ID }, renderSource)
}

func (a *API) sourceGet(w http.ResponseWriter, r *http.Request) error {
	src, err := a.source(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderSource(src))
	return nil
}

func (a *API) sourcePatch(w http.ResponseWriter, r *http.Request) error {
	src, err := a.source(r)
	if err != nil {
		return err
	}
	var in sourceIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	before := src
	in.apply(&src)
	if err := a.checkSource(r.Context(), &src); err != nil {
		return err
	}
	// The endpoints are changed before the source is stored: where the
	// source's messages go is its app's endpoints, so a removed
	// destination receives nothing more even if the store then fails.
	if err := a.syncDestinations(r.Context(), &before, &src); err != nil {
		return err
	}
	src.UpdatedAt = a.now()
	if err := a.store.SourceUpdate(r.Context(), src); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderSource(src))
	return nil
}

func (a *API) sourceDelete(w http.ResponseWriter, r *http.Request) error {
	src, err := a.source(r)
	if err != nil {
		return err
	}
	if err := a.store.SourceDelete(r.Context(), src.ID); err != nil {
		return err
	}
	// Its destinations' app goes with it: endpoints, messages, attempts.
	if err := a.deleteSourceApp(r.Context(), src); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sourceRotateToken gives the source a new ingest token. The old URL
// answers 404 once the receiving path's short cache of the source lapses
// (a second, on every node: the lookup is by hash, in the store).
func (a *API) sourceRotateToken(w http.ResponseWriter, r *http.Request) error {
	src, err := a.source(r)
	if err != nil {
		return err
	}
	token, hash, err := inbound.NewToken()
	if err != nil {
		return err
	}
	src.TokenHash, src.UpdatedAt = hash, a.now()
	if err := a.store.SourceTokenSet(r.Context(), store.SourceTokenSetParams{ID: src.ID, Hash: hash, UpdatedAt: src.UpdatedAt}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.sourceWithToken(src, token))
	return nil
}

// inboundRequestOut is a received request. Body is the exact bytes in
// standard base64, shown by the single request's route only.
type inboundRequestOut struct {
	ID         string              `json:"id"`
	SourceID   string              `json:"sourceId"`
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Query      string              `json:"query"`
	Headers    map[string][]string `json:"headers"`
	Body       *string             `json:"body,omitempty"`
	RemoteAddr string              `json:"remoteAddr"`
	Verified   bool                `json:"verified"`
	Reason     string              `json:"reason"`
	DeliveryID *string             `json:"deliveryId"`
	// DuplicateOf names the request that first brought the delivery,
	// for a provider's retry (kept, not forwarded).
	DuplicateOf *string  `json:"duplicateOf"`
	ReceivedAt  Time     `json:"receivedAt"`
	MessageIDs  []string `json:"messageIds"`
}

// renderInboundRequest shows req, its credential headers masked unless
// reveal.
func renderInboundRequest(req inbound.Request, withBody, reveal bool) inboundRequestOut {
	out := inboundRequestOut{
		ID: req.ID, SourceID: req.SourceID, Method: req.Method, Path: req.Path, Query: req.Query,
		Headers: req.Header, RemoteAddr: req.RemoteAddr, Verified: req.Verified, Reason: req.Reason,
		ReceivedAt: Time(req.ReceivedAt), MessageIDs: req.MessageIDs,
	}
	if !reveal {
		out.Headers = inbound.MaskHeader(req.Header)
	}
	if out.Headers == nil {
		out.Headers = map[string][]string{}
	}
	if out.MessageIDs == nil {
		out.MessageIDs = []string{}
	}
	if req.DeliveryID != "" {
		out.DeliveryID = &req.DeliveryID
	}
	if req.DuplicateOf != "" {
		out.DuplicateOf = &req.DuplicateOf
	}
	if withBody {
		b := base64.StdEncoding.EncodeToString(req.Body)
		out.Body = &b
	}
	return out
}

func (a *API) inboundRequestList(w http.ResponseWriter, r *http.Request) error {
	src, err := a.source(r)
	if err != nil {
		return err
	}
	var probs problems
	pq := parsePage(r, store.Descending, idIterator(webhook.PrefixInboundRequest), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]inbound.Request, error) {
		return a.store.InboundRequestList(ctx, store.InboundRequestListParams{SourceID: src.ID, Page: pq.fetchPage()})
	}, func(req inbound.Request) string { return req.ID }, func(req inbound.Request) inboundRequestOut {
		return renderInboundRequest(req, false, false)
	})
}

// inboundRequestGet shows one request with its body; ?reveal=true shows
// its Authorization and Cookie headers as received.
func (a *API) inboundRequestGet(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	reveal := parseBoolQuery(r, "reveal", &probs)
	if err := probs.err(); err != nil {
		return err
	}
	src, err := a.source(r)
	if err != nil {
		return err
	}
	id := r.PathValue("request_id")
	if !webhook.ValidID(webhook.PrefixInboundRequest, id) {
		return errNotFound()
	}
	req, err := a.store.InboundRequestGet(r.Context(), src.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderInboundRequest(req, true, reveal))
	return nil
}
