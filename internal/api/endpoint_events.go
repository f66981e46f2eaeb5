package api

import (
	"context"
	"errors"

	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/store"
)

// applyEndpoint makes an endpoint change through the one write path
// (which also tells the engine), giving its errors the API's answers: an
// invariant broken is a 422 at the field, a UID taken a clear 409.
func (a *API) applyEndpoint(ctx context.Context, c endpoint.Change) error {
	err := a.endpoints.Apply(ctx, c)
	var invalid *endpoint.InvalidError
	if errors.As(err, &invalid) {
		var probs problems
		probs.add(invalid.Err.Error(), invalid.Field)
		return probs.err()
	}
	if errors.Is(err, store.ErrConflict) {
		return errConflict("An endpoint with that id or uid already exists in this application")
	}
	return err
}
