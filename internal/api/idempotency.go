package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
)

// maxIdempotencyKey bounds the Idempotency-Key header's length.
const maxIdempotencyKey = 256

type idempotencyKey struct{}

// idempotencyState carries a request's scoped Idempotency-Key to the
// handler. A handler that creates something stores the key in the same
// transaction (respond) and marks it used; otherwise the wrapper stores
// the response after a success.
type idempotencyState struct {
	key  string
	used bool
}

// idempotent makes a POST honour Idempotency-Key: a repeat of a key gets
// the first response again, byte for byte, without acting twice. Keys are
// scoped to the token's principal, so two apps never share one.
func (a *API) idempotent(fn func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return fn(w, r)
		}
		if len(key) > maxIdempotencyKey {
			return errBadRequest("invalid_idempotency_key", "Idempotency-Key must be at most 256 characters")
		}
		p := auth.PrincipalFrom(r.Context())
		scoped := "admin:" + key
		if !p.Admin() {
			scoped = "app:" + p.AppID + ":" + key
		}
		rec, err := a.store.IdempotencyGet(r.Context(), scoped)
		if err == nil {
			replay(w, rec)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		st := &idempotencyState{key: scoped}
		cw := &captureWriter{ResponseWriter: w}
		if err := fn(cw, r.WithContext(context.WithValue(r.Context(), idempotencyKey{}, st))); err != nil {
			return err
		}
		if !st.used && cw.status >= 200 && cw.status < 300 {
			err := a.store.IdempotencyPut(r.Context(), store.Idempotency{Key: scoped, StatusCode: cw.status, Body: cw.body.Bytes(), CreatedAt: a.now()})
			if err != nil && !errors.Is(err, store.ErrIdempotencyKeyUsed) {
				a.logger.WarnContext(r.Context(), "store idempotency key", "err", err)
			}
		}
		return nil
	}
}

func replay(w http.ResponseWriter, rec store.Idempotency) {
	w.Header().Set("Idempotent-Replayed", "true")
	if len(rec.Body) == 0 {
		w.WriteHeader(rec.StatusCode)
		return
	}
	writeRaw(w, rec.StatusCode, rec.Body)
}

// respond encodes v, then calls write with the idempotency record to store
// in the same transaction as what write creates, then answers. If a
// concurrent request with the same key won, its response is replayed.
func (a *API) respond(w http.ResponseWriter, r *http.Request, status int, v any, write func(idem *store.Idempotency) error) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var idem *store.Idempotency
	st, _ := r.Context().Value(idempotencyKey{}).(*idempotencyState)
	if st != nil {
		idem = &store.Idempotency{Key: st.key, StatusCode: status, Body: body, CreatedAt: a.now()}
		st.used = true
	}
	if err := write(idem); err != nil {
		if st != nil && errors.Is(err, store.ErrIdempotencyKeyUsed) {
			rec, gerr := a.store.IdempotencyGet(r.Context(), st.key)
			if gerr != nil {
				return gerr
			}
			replay(w, rec)
			return nil
		}
		return err
	}
	writeRaw(w, status, body)
	return nil
}

// captureWriter keeps a copy of the response for the idempotency record.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
