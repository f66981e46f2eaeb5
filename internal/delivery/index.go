package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hookline/hookline/internal/delivery/render"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointLister is the part of the store the index reads.
type endpointLister interface {
	EndpointList(ctx context.Context, p store.EndpointListParams) ([]webhook.Endpoint, error)
}

// indexTTL bounds how long an app's endpoints are trusted without a
// reload, so a change made by another node is seen within it even if its
// notification is lost.
const indexTTL = time.Minute

// Index keeps each app's endpoints in memory so that ingest routes a
// message without a query, and senders find URL, headers and keys at once.
// The API invalidates an app when its endpoints change.
type Index struct {
	store endpointLister
	now   func() time.Time

	mu   sync.RWMutex
	apps map[string]*appTargets
	gen  map[string]uint64 // bumped by Invalidate; a load started earlier is discarded
}

type appTargets struct {
	loaded  time.Time
	targets []*target
	byID    map[string]*target
}

// target is an endpoint with its signing keys decoded and its delivery
// template compiled once, when the index loads it, not per attempt.
type target struct {
	webhook.Endpoint
	key     []byte
	oldKeys []oldKey
	// render makes the bodies; nil when the delivery options do not
	// compile (saved by a version with other rules), and then renderErr
	// says why, and every attempt fails with it.
	render    *render.Renderer
	renderErr error
}

type oldKey struct {
	key       []byte
	expiresAt time.Time
}

// NewIndex returns an empty index reading from s.
func NewIndex(s endpointLister, now func() time.Time) *Index {
	return &Index{store: s, now: now, apps: make(map[string]*appTargets), gen: make(map[string]uint64)}
}

// Invalidate drops what the index knows of an app; the next lookup reloads.
func (x *Index) Invalidate(appID string) {
	x.mu.Lock()
	delete(x.apps, appID)
	x.gen[appID]++
	x.mu.Unlock()
}

// InvalidateAll drops everything, e.g. when another node's changes may have
// been missed.
func (x *Index) InvalidateAll() {
	x.mu.Lock()
	for id := range x.apps {
		x.gen[id]++
	}
	clear(x.apps)
	x.mu.Unlock()
}

// app returns an app's targets, loading them if needed.
func (x *Index) app(ctx context.Context, appID string) (*appTargets, error) {
	now := x.now()
	x.mu.RLock()
	a, ok := x.apps[appID]
	gen := x.gen[appID]
	x.mu.RUnlock()
	if ok && now.Sub(a.loaded) < indexTTL {
		return a, nil
	}
	eps, err := x.store.EndpointList(ctx, store.EndpointListParams{AppID: appID})
	if err != nil {
		return nil, fmt.Errorf("load endpoints of %s: %w", appID, err)
	}
	a = &appTargets{loaded: now, targets: make([]*target, 0, len(eps)), byID: make(map[string]*target, len(eps))}
	for _, ep := range eps {
		t, err := newTarget(ep)
		if err != nil {
			return nil, err
		}
		a.targets = append(a.targets, t)
		a.byID[ep.ID] = t
	}
	x.mu.Lock()
	if x.gen[appID] == gen {
		x.apps[appID] = a
	}
	x.mu.Unlock()
	return a, nil
}

func newTarget(ep webhook.Endpoint) (*target, error) {
	key, err := signature.DecodeSecret(ep.Secret)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s secret: %w", ep.ID, err)
	}
	t := &target{Endpoint: ep, key: key}
	// One endpoint's options that no longer compile must not stop its
	// app's other endpoints from loading: its attempts fail with the
	// reason instead (request.go).
	if t.render, err = render.New(ep.Delivery); err != nil {
		t.renderErr = fmt.Errorf("endpoint %s delivery options: %w", ep.ID, err)
	}
	for _, old := range ep.OldSecrets {
		k, err := signature.DecodeSecret(old.Key)
		if err != nil {
			return nil, fmt.Errorf("endpoint %s old secret: %w", ep.ID, err)
		}
		t.oldKeys = append(t.oldKeys, oldKey{key: k, expiresAt: old.ExpiresAt})
	}
	return t, nil
}

// Route returns the endpoints of appID that receive a message of eventType
// on channels, or only the endpoint onlyID when it is set.
func (x *Index) Route(ctx context.Context, appID, eventType string, channels []string, onlyID string) ([]*target, error) {
	a, err := x.app(ctx, appID)
	if err != nil {
		return nil, err
	}
	if onlyID != "" {
		if t, ok := a.byID[onlyID]; ok {
			return []*target{t}, nil
		}
		return nil, nil
	}
	var out []*target
	for _, t := range a.targets {
		if t.Receives(eventType, channels) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Target returns one endpoint, or nil when it no longer exists.
func (x *Index) Target(ctx context.Context, appID, endpointID string) (*target, error) {
	a, err := x.app(ctx, appID)
	if err != nil {
		return nil, err
	}
	return a.byID[endpointID], nil
}

// sign returns the webhook-signature header value: the current key's
// signature, then one per rotated-out key still within its grace period,
// space-separated as Standard Webhooks specifies.
func (t *target) sign(msgID string, timestamp int64, body []byte, now time.Time) string {
	buf := make([]byte, 0, 64*(1+len(t.oldKeys)))
	buf = signature.AppendSignature(buf, t.key, msgID, timestamp, body)
	for _, old := range t.oldKeys {
		if now.Before(old.expiresAt) {
			buf = append(buf, ' ')
			buf = signature.AppendSignature(buf, old.key, msgID, timestamp, body)
		}
	}
	return string(buf)
}
