package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// PublishParams is one message to publish.
type PublishParams struct {
	Message     webhook.Message
	Idempotency *store.Idempotency
	// OnlyEndpoint, when set, delivers to that endpoint alone (send-example),
	// bypassing filterTypes and channels.
	OnlyEndpoint string
	// Inbound, when set, is the received request the message forwards,
	// committed with it: a provider's retry of a delivery already stored
	// fails with store.ErrDuplicate and leaves nothing.
	Inbound *inbound.Request
	// PayloadExpiresAt, when set, is when the payload goes (the message's
	// payloadRetentionPeriod); see store.MessageCreate.
	PayloadExpiresAt *time.Time
}

// Publish routes a message, commits it with its deliveries and, once the
// commit is durable, hands the deliveries to the dispatcher. It implements
// api.Engine.
func (e *Engine) Publish(ctx context.Context, p PublishParams) error {
	msg := p.Message
	targets, err := e.index.Route(ctx, msg.AppID, msg.EventType, msg.Channels, p.OnlyEndpoint)
	if err != nil {
		return err
	}
	if p.OnlyEndpoint != "" && len(targets) == 0 {
		return fmt.Errorf("endpoint %s: %w", p.OnlyEndpoint, store.ErrNotFound)
	}
	now := e.now()
	lease := store.Lease{Owner: e.cfg.NodeID, Token: 1, ExpiresAt: now.Add(e.cfg.LeaseDuration)}
	deliveries := make([]webhook.Delivery, len(targets))
	for i, t := range targets {
		deliveries[i] = webhook.Delivery{
			MsgID: msg.ID, EndpointID: t.ID, AppID: msg.AppID,
			Status: webhook.StatusPending, NextAttemptAt: &msg.CreatedAt,
			CreatedAt: msg.CreatedAt, UpdatedAt: msg.CreatedAt,
		}
	}
	pm := pendingPool.Get().(*pendingMessage)
	pm.item = store.MessageCreate{Message: msg, Deliveries: deliveries, Lease: lease, Idempotency: p.Idempotency, Inbound: p.Inbound,
		PayloadExpiresAt: p.PayloadExpiresAt}
	pm.targets = targets

	commitCtx, span := e.startCommitSpan(ctx, msg, len(deliveries))
	err = e.writer.submit(commitCtx.Done(), pm)
	pm.item, pm.targets = store.MessageCreate{}, nil
	pendingPool.Put(pm)
	parent := e.endCommitSpan(ctx, span, msg.ID, err)
	if errors.Is(err, errCallerGone) {
		return fmt.Errorf("publish: %w", ctx.Err())
	}
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("inbound delivery %q already received: %w", p.Inbound.DeliveryID, err)
		}
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("eventId %q already used: %w", msg.EventID, err)
		}
		return err
	}
	for _, t := range targets {
		e.dispatch.enqueue(job{
			appID: msg.AppID, endpointID: t.ID, msg: msg,
			token: lease.Token, leaseExpires: lease.ExpiresAt, trigger: webhook.TriggerScheduled,
			parent: parent,
		})
	}
	return nil
}

// Resend attempts a message again to one endpoint, now, as a manual
// trigger. It implements api.Engine.
func (e *Engine) Resend(ctx context.Context, appID, msgID, endpointID string) error {
	now := e.now()
	claim, err := e.store.DeliveryResend(ctx, store.DeliveryResendParams{
		AppID: appID, MsgID: msgID, EndpointID: endpointID, Now: now,
		Lease: store.Lease{Owner: e.cfg.NodeID, ExpiresAt: now.Add(e.cfg.LeaseDuration)},
	})
	if err != nil {
		return fmt.Errorf("resend: %w", err)
	}
	j := jobFromClaim(claim)
	if e.cfg.Tracer != nil {
		j.parent = trace.SpanContextFromContext(ctx)
	}
	e.dispatch.enqueue(j)
	return nil
}

// Recover re-queues an endpoint's failed deliveries and wakes the poller.
// It implements api.Engine.
func (e *Engine) Recover(ctx context.Context, p store.DeliveryRecoverParams) (int, error) {
	if p.Now.IsZero() {
		p.Now = e.now()
	}
	n, err := e.store.DeliveryRecover(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("recover: %w", err)
	}
	e.poll.wakeAt(p.Now)
	e.cluster.broadcast(store.Event{Kind: store.EventDeliveriesDue, At: p.Now})
	return n, nil
}

// ReplayMissing gives an endpoint the deliveries it lacks of its app's
// messages in a window (store.DeliveryReplay) and wakes the poller, as
// Recover does. It implements api.Engine.
func (e *Engine) ReplayMissing(ctx context.Context, p store.DeliveryReplayParams) (int, error) {
	if p.Now.IsZero() {
		p.Now = e.now()
	}
	n, err := e.store.DeliveryReplay(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("replay missing: %w", err)
	}
	if n > 0 {
		e.poll.wakeAt(p.Now)
		e.cluster.broadcast(store.Event{Kind: store.EventDeliveriesDue, At: p.Now})
	}
	return n, nil
}

// EndpointsChanged drops the app's endpoints from the routing index, here
// and on the other nodes. It implements api.Engine.
func (e *Engine) EndpointsChanged(appID string) {
	e.index.Invalidate(appID)
	e.cluster.broadcast(store.Event{Kind: store.EventEndpointsChanged, AppID: appID})
}
