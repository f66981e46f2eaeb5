package store

import (
	"context"
	"errors"
	"time"

	"github.com/hookline/hookline/internal/inbound"
)

// ErrDuplicate: a verified inbound request names a delivery ID that an
// earlier verified request of its source already stored (a provider's
// retry). It is returned wrapped together with ErrConflict, and nothing of
// the item was written: the receiver answers the sender 2xx, as it did
// the first time, and forwards nothing. It may keep the retry, to be
// seen, with InboundRequestCreate and DuplicateOf set to the first
// request's ID (InboundRequestList with DeliveryID finds it).
var ErrDuplicate = errors.New("duplicate delivery")

// Sources is what the store keeps of inbound sources and the requests
// they received. Store embeds it.
type Sources interface {
	// SourceCreate stores a new source; ErrConflict if its ID or token
	// hash exists.
	SourceCreate(ctx context.Context, src inbound.Source) error
	// SourceGet returns a source by ID.
	SourceGet(ctx context.Context, id string) (inbound.Source, error)
	// SourceGetByTokenHash finds a source by the hash of its ingest token
	// (webhook.HashToken), an exact match on an index: the receiving
	// path's lookup, which leaks nothing of other tokens.
	SourceGetByTokenHash(ctx context.Context, hash []byte) (inbound.Source, error)
	// SourceList pages the sources by ID.
	SourceList(ctx context.Context, p SourceListParams) ([]inbound.Source, error)
	// SourceUpdate writes every field of a source but its token hash and
	// created time (SourceTokenSet writes the hash, so that an edit and a
	// rotation never undo each other); ErrNotFound if there is none.
	SourceUpdate(ctx context.Context, src inbound.Source) error
	// SourceTokenSet replaces a source's token hash (a rotation): the old
	// token stops working at once. ErrNotFound if there is no source.
	SourceTokenSet(ctx context.Context, p SourceTokenSetParams) error
	// SourceDelete deletes a source and every request it received;
	// ErrNotFound if there is none.
	SourceDelete(ctx context.Context, id string) error
	// SourceSecretsCheck opens one source secret stored sealed, if any,
	// with the store's key: ErrEncryptionKey when the store has none or
	// another, as EndpointSecretsCheck does for endpoints.
	SourceSecretsCheck(ctx context.Context) error
	// SourceSecretsSeal seals, with the store's key, every source secret
	// still stored in plain text (encryption turned on for an existing
	// database), each only if it still holds what was read, and returns
	// how many it sealed; without a key it does nothing.
	SourceSecretsSeal(ctx context.Context) (int, error)

	// InboundRequestCreate stores one received request alone (one that
	// failed verification, a provider's retry marked DuplicateOf, or a
	// verified one that forwards nothing). ErrNotFound if its source is
	// gone; ErrDuplicate (with ErrConflict) if it is verified, not marked
	// DuplicateOf, and its delivery ID is taken. A request that causes
	// messages is stored with them instead, as MessageCreate.Inbound.
	InboundRequestCreate(ctx context.Context, req inbound.Request) error
	// InboundRequestGet returns one request of a source, body included.
	InboundRequestGet(ctx context.Context, sourceID, id string) (inbound.Request, error)
	// InboundRequestList pages a source's requests by ID, newest first
	// by default.
	InboundRequestList(ctx context.Context, p InboundRequestListParams) ([]inbound.Request, error)
	// InboundRequestPurge deletes, of every source, at most p.Limit of
	// the oldest requests received before p.Before, in one transaction,
	// and returns how many: a retention loop calls it until it returns
	// fewer than p.Limit, so no one transaction holds the writer long.
	InboundRequestPurge(ctx context.Context, p InboundRequestPurgeParams) (int, error)
}

// InboundRequestPurgeParams bounds InboundRequestPurge. Limit must be 1
// or more.
type InboundRequestPurgeParams struct {
	Before time.Time
	Limit  int
}

// SourceListParams pages the sources by ID.
type SourceListParams struct {
	Page Page
}

// SourceTokenSetParams gives source ID the token hash Hash.
type SourceTokenSetParams struct {
	ID        string
	Hash      []byte
	UpdatedAt time.Time
}

// InboundRequestListParams pages a source's requests by ID.
type InboundRequestListParams struct {
	SourceID string
	Page     Page
	// DeliveryID, when set, keeps the requests with that delivery ID
	// (what a provider's retry repeats).
	DeliveryID string
	// VerifiedOnly keeps the requests that passed verification: with
	// DeliveryID, ascending and a limit of 1, the request that first
	// brought a delivery (an earlier one that failed holds no claim).
	VerifiedOnly bool
	// WithBody reads the bodies; false leaves Body nil to save I/O.
	WithBody bool
}
