package render

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"
)

// A template rendering holds the payload decoded and the values its
// template makes. Both are bounded for one rendering: the values by the
// run's budget, the decoded payload by MaxDecodedPayload, estimated from
// the payload's bytes before decoding (decoded JSON takes up to about 60
// times its size: a 1 MiB list of one-key objects takes 57 MiB). But an
// endpoint makes up to 32 attempts at once and an app may have any number
// of endpoints, so the bound of one rendering would be multiplied by
// however many a tenant can have in flight. A Gate bounds them together:
// a rendering waits for its share of the gate before decoding anything.
const (
	// MaxDecodedPayload bounds the estimated size of one decoded payload:
	// a 1 MiB payload of records (30 MiB estimated, 13 MiB measured)
	// passes, a 1 MiB list of small objects (80 to 170 MiB estimated) does
	// not.
	MaxDecodedPayload = 48 << 20
	// runReserve is what one execution may hold besides the payload: its
	// values, as much again in fmt's and encoding's buffers on the way,
	// and the output.
	runReserve = 2*maxTemplateAlloc + 2*MaxTemplateOutput
	// MinGate is the smallest gate: one rendering of the largest payload.
	MinGate = MaxDecodedPayload + runReserve
)

// Gate bounds the memory all the renderings (templates and forms) of a
// process hold at once. It is safe for concurrent use. A nil Gate bounds
// each rendering alone.
type Gate struct {
	sem *semaphore.Weighted
}

// NewGate makes a gate of capacity bytes, at least MinGate.
func NewGate(capacity int64) (*Gate, error) {
	if capacity < MinGate {
		return nil, fmt.Errorf("render: a gate of %d bytes cannot hold one rendering of %d", capacity, MinGate)
	}
	return &Gate{sem: semaphore.NewWeighted(capacity)}, nil
}

// enterTemplate waits until the gate can hold a template rendering of
// payload, and returns what lets the next one in. A payload too large to
// decode is an error at once, as is the caller giving up.
func (g *Gate) enterTemplate(ctx context.Context, payload []byte) (leave func(), err error) {
	decoded := decodeCost(payload)
	if decoded > MaxDecodedPayload {
		return nil, fmt.Errorf("template: the payload would take about %d MiB decoded, more than the %d MiB a template may use", decoded>>20, MaxDecodedPayload>>20)
	}
	return g.enter(ctx, decoded+runReserve)
}

// enterForm is enterTemplate for a form: flattening streams the payload,
// but holds the decoder's buffer (up to twice the longest string), the
// string and its escaping, and the body.
func (g *Gate) enterForm(ctx context.Context, payload []byte) (leave func(), err error) {
	need := 4*int64(len(payload)) + 2*MaxFormBody
	if need > MinGate {
		return nil, fmt.Errorf("form: the payload is larger than the %d MiB a form may be made of", (MinGate-2*MaxFormBody)/4>>20)
	}
	return g.enter(ctx, need)
}

func (g *Gate) enter(ctx context.Context, need int64) (leave func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	if err := g.sem.Acquire(ctx, need); err != nil {
		return nil, fmt.Errorf("waiting to render: %w", err)
	}
	return func() { g.sem.Release(need) }, nil
}

// Costs of decoding JSON into any, from measuring encoding/json: each
// value, object member or list item about 60 to 160 bytes (an interface,
// its boxed value, the slice or map slot and their growth), each object
// up to 250 more, and every byte of the payload about 6 (the decoder's
// buffer, grown by doubling to hold the whole payload, and the strings
// copied out of it). The estimate is above what was measured for every
// shape tried (TestDecodeCostBoundsDecoding).
const (
	byteCost   = 8
	itemCost   = 128
	objectCost = 256
)

// decodeCost estimates the bytes Data allocates to decode payload,
// counting the JSON's structure outside strings in one pass.
func decodeCost(payload []byte) int64 {
	var items, objects int64
	inString, escaped := false, false
	for _, c := range payload {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{':
			objects++
			items++
		case '[', ',', ':':
			items++
		}
	}
	return byteCost*int64(len(payload)) + itemCost*(items+1) + objectCost*objects
}
