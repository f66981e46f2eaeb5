package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The request inspector's bins (docs/inbound.md), Hookline's own resource
// under /api/v1/inspector/bin: {code, detail} errors, unknown fields
// refused, admin tokens only. A bin's catch URL carries its token, which
// is stored hashed: the URL is in the answers of create and rotate-token
// only.

// binResponseOut is what a bin answers its senders.
type binResponseOut struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Delay   string            `json:"delay"`
}

// binOut is a bin as the API shows it.
type binOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// CatchURL is set in the answers of create and rotate-token only.
	CatchURL  string         `json:"catchUrl,omitempty"`
	Response  binResponseOut `json:"response"`
	Keep      int            `json:"keep"`
	Retention string         `json:"retention"`
	CreatedAt Time           `json:"createdAt"`
	UpdatedAt Time           `json:"updatedAt"`
}

// binResponseIn is the answer asked for; an absent field keeps its value
// (the default at create), null resets it.
type binResponseIn struct {
	Status  Optional[int]               `json:"status"`
	Headers Optional[map[string]string] `json:"headers"`
	Body    Optional[string]            `json:"body"`
	Delay   Optional[string]            `json:"delay"`
}

// binIn is POST's and PATCH's body.
type binIn struct {
	Name      Optional[string]        `json:"name"`
	Response  Optional[binResponseIn] `json:"response"`
	Keep      Optional[int]           `json:"keep"`
	Retention Optional[string]        `json:"retention"`
}

func renderBin(b inspector.Bin) binOut {
	headers := b.Response.Header
	if headers == nil {
		headers = map[string]string{}
	}
	return binOut{
		ID: b.ID, Name: b.Name,
		Response: binResponseOut{Status: b.Response.Status, Headers: headers, Body: string(b.Response.Body), Delay: b.Response.Delay.String()},
		Keep:     b.Keep, Retention: b.Retention.String(),
		CreatedAt: Time(b.CreatedAt), UpdatedAt: Time(b.UpdatedAt),
	}
}

// apply sets on b what in asks for, then checks every rule; any problem
// is a 422 before anything is written.
func (in binIn) apply(b *inspector.Bin) error {
	var msgs []string
	fail := func(msg string) { msgs = append(msgs, msg) }
	def := inspector.NewBin("", time.Time{})
	if in.Name.Set {
		b.Name = in.Name.Value
	}
	if in.Keep.Set {
		b.Keep = def.Keep
		if !in.Keep.Null {
			b.Keep = in.Keep.Value
		}
	}
	if in.Retention.Set {
		b.Retention = def.Retention
		if !in.Retention.Null {
			d, err := time.ParseDuration(in.Retention.Value)
			if err != nil {
				fail(`retention: must be a duration such as "168h" or "30m", got "` + in.Retention.Value + `"`)
			}
			b.Retention = d
		}
	}
	if in.Response.Null {
		b.Response = def.Response
	}
	if r := in.Response.Value; in.Response.valued() {
		if r.Status.Set {
			b.Response.Status = def.Response.Status
			if !r.Status.Null {
				b.Response.Status = r.Status.Value
			}
		}
		if r.Headers.Set {
			b.Response.Header = r.Headers.Value // nil when null: none
		}
		if r.Body.Set {
			b.Response.Body = nil
			if r.Body.Value != "" {
				b.Response.Body = []byte(r.Body.Value)
			}
		}
		if r.Delay.Set {
			b.Response.Delay = 0
			if !r.Delay.Null {
				d, err := time.ParseDuration(r.Delay.Value)
				if err != nil {
					fail(`response.delay: must be a duration such as "2s" or "500ms", got "` + r.Delay.Value + `"`)
				}
				b.Response.Delay = d
			}
		}
	}
	if len(msgs) == 0 {
		for _, e := range b.Validate() {
			fail(e.Error())
		}
	}
	if len(msgs) > 0 {
		return errOptions(strings.Join(msgs, "; "))
	}
	return nil
}

func (a *API) binCreate(w http.ResponseWriter, r *http.Request) error {
	var in binIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	now := a.now()
	b := inspector.NewBin(webhook.NewID(webhook.PrefixBin, now), now)
	if err := in.apply(&b); err != nil {
		return err
	}
	token, hash := inspector.NewToken()
	b.TokenHash = hash
	if err := a.store.BinCreate(r.Context(), b); err != nil {
		return err
	}
	out := renderBin(b)
	out.CatchURL = inspector.CatchURL(a.baseURL, token)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) binList(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	pq := parsePage(r, store.Ascending, idIterator(webhook.PrefixBin), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]inspector.Bin, error) {
		return a.store.BinList(ctx, store.BinListParams{Page: pq.fetchPage()})
	}, func(b inspector.Bin) string { return b.ID }, renderBin)
}

// bin reads the bin named by {bin_id}; a malformed ID is not found.
func (a *API) bin(r *http.Request) (inspector.Bin, error) {
	id := r.PathValue("bin_id")
	if !webhook.ValidID(webhook.PrefixBin, id) {
		return inspector.Bin{}, errNotFound()
	}
	return a.store.BinGet(r.Context(), id)
}

func (a *API) binGet(w http.ResponseWriter, r *http.Request) error {
	b, err := a.bin(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderBin(b))
	return nil
}

func (a *API) binPatch(w http.ResponseWriter, r *http.Request) error {
	b, err := a.bin(r)
	if err != nil {
		return err
	}
	var in binIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	if err := in.apply(&b); err != nil {
		return err
	}
	b.UpdatedAt = a.now()
	if err := a.store.BinUpdate(r.Context(), b); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderBin(b))
	return nil
}

// binRotateToken gives the bin a new catch URL; the old one answers 404
// from then on.
func (a *API) binRotateToken(w http.ResponseWriter, r *http.Request) error {
	b, err := a.bin(r)
	if err != nil {
		return err
	}
	token, hash := inspector.NewToken()
	b.TokenHash, b.UpdatedAt = hash, a.now()
	if err := a.store.BinUpdate(r.Context(), b); err != nil {
		return err
	}
	out := renderBin(b)
	out.CatchURL = inspector.CatchURL(a.baseURL, token)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) binDelete(w http.ResponseWriter, r *http.Request) error {
	b, err := a.bin(r)
	if err != nil {
		return err
	}
	if err := a.store.BinDelete(r.Context(), b.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
