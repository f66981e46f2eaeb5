package api

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointSecretOut is Svix's EndpointSecretOut.
type endpointSecretOut struct {
	Key string `json:"key"`
}

// endpointSecretRotateIn is Svix's EndpointSecretRotateIn.
type endpointSecretRotateIn struct {
	Key                *string `json:"key"`
	GracePeriodSeconds *int64  `json:"gracePeriodSeconds"`
}

func (a *API) endpointSecretGet(w http.ResponseWriter, r *http.Request) error {
	return writeEndpoint(a, w, r, func(ep webhook.Endpoint) endpointSecretOut { return endpointSecretOut{Key: ep.Secret} })
}

// endpointSecretRotate replaces the secret with the given key or a new
// one; the old secret keeps signing for gracePeriodSeconds (default
// webhook.SecretGrace), not at all with 0.
func (a *API) endpointSecretRotate(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	var in endpointSecretRotateIn
	// The body's one field is optional; an empty body means "generate".
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeBytes(body, &in); err != nil {
			return err
		}
	}
	var probs problems
	if in.Key != nil && !signature.ValidSecret(*in.Key) {
		probs.add(`key must match ^(whsec_)?[a-zA-Z0-9+/=]{32,100}$ and be valid base64`, "key")
	}
	grace := webhook.SecretGrace
	if g := in.GracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
		if *g < 0 || grace > webhook.MaxSecretGrace {
			probs.add("Duration must be between 0 and 7 days", "gracePeriodSeconds")
		}
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	var next string
	if in.Key != nil {
		next = normalizeSecret(*in.Key)
	} else if next, err = signature.GenerateSecret(); err != nil {
		return err
	}
	now, before := a.now(), ep
	if err := rotateSecret(&ep, next, now, grace); err != nil {
		return err
	}
	ep.UpdatedAt = now
	if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Update, App: app, Before: &before, After: ep}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateSecret is webhook's rotation rule with the API's answer to a
// rotation too many (Svix's limit_reached).
func rotateSecret(ep *webhook.Endpoint, next string, now time.Time, grace time.Duration) error {
	if err := ep.RotateSecret(next, now, grace); errors.Is(err, webhook.ErrTooManyRotations) {
		return errBadRequest("limit_reached", err.Error())
	} else if err != nil {
		return err
	}
	return nil
}
