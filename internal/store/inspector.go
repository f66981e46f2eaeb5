package store

import (
	"context"
	"time"

	"github.com/hookline/hookline/internal/inspector"
)

// Bins is what the store keeps of the request inspector: bins and the
// requests they captured. Part of Store.
type Bins interface {
	// BinCreate stores a bin; ErrConflict if its ID or token hash exists.
	BinCreate(ctx context.Context, b inspector.Bin) error
	// BinGet returns a bin by ID.
	BinGet(ctx context.Context, id string) (inspector.Bin, error)
	// BinGetByTokenHash finds a bin by the SHA-256 hash of its catch
	// token: an equality lookup on an index, never a comparison of the
	// secret itself.
	BinGetByTokenHash(ctx context.Context, hash []byte) (inspector.Bin, error)
	// BinList lists bins by ID.
	BinList(ctx context.Context, p BinListParams) ([]inspector.Bin, error)
	// BinUpdate writes every field of the bin named by b.ID but its
	// CreatedAt (the token hash too: a rotation); ErrNotFound if none.
	BinUpdate(ctx context.Context, b inspector.Bin) error
	// BinDelete deletes a bin and its captures; ErrNotFound if none.
	BinDelete(ctx context.Context, id string) error

	// CaptureCreate stores a captured request; ErrNotFound if its bin is
	// gone. With TrimTo set, the bin's captures past its TrimTo newest go
	// in the same transaction, at most TrimChunk of them.
	CaptureCreate(ctx context.Context, p CaptureCreateParams) error
	// CaptureGet returns one capture of a bin, with its body.
	CaptureGet(ctx context.Context, binID, id string) (inspector.Capture, error)
	// CaptureList lists a bin's captures by ID (newest first by default),
	// filtered as p says; Body is left nil unless WithBody.
	CaptureList(ctx context.Context, p CaptureListParams) ([]inspector.Capture, error)
	// CapturePurge deletes, of one bin, the captures received before
	// Before and those past its Keep newest, at most Limit, and returns
	// how many it deleted.
	CapturePurge(ctx context.Context, p CapturePurgeParams) (int, error)
}

// TrimChunk is the most captures CaptureCreate trims at once, so that a
// bin whose Keep was lowered is trimmed over several captures, never in
// one long transaction.
const TrimChunk = 100

// BinListParams pages the bins by ID.
type BinListParams struct {
	Page Page
}

// CaptureCreateParams stores Capture and, when TrimTo > 0, trims its bin
// to its TrimTo newest captures.
type CaptureCreateParams struct {
	Capture inspector.Capture
	TrimTo  int
}

// CaptureListParams selects a bin's captures. Empty filters match all.
type CaptureListParams struct {
	BinID string
	Page  Page
	// Method matches exactly (the caller upper-cases it).
	Method string
	// Path is a substring of the path below the bin.
	Path string
	// Text is found in the headers (names and values, ignoring ASCII
	// case) or in the body (exact bytes).
	Text string
	// Since and Until bound ReceivedAt: at or after Since, before Until.
	Since    time.Time
	Until    time.Time
	WithBody bool
}

// CapturePurgeParams names what CapturePurge deletes of BinID: captures
// received before Before (zero: none for age), and those past its Keep
// newest (0: none for count), at most Limit (required).
type CapturePurgeParams struct {
	BinID  string
	Before time.Time
	Keep   int
	Limit  int
}
