package storecopy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// progressEvery is how many copied messages pass between progress lines.
const progressEvery = 10_000

// unfinished are the delivery states that still have work to do.
var unfinished = []webhook.MessageStatus{webhook.StatusPending, webhook.StatusSending}

// messages copies, app by app, every message that has an unfinished
// delivery, with its unfinished deliveries. The store has no list of
// unfinished deliveries across endpoints, so it walks each endpoint's
// pending and sending deliveries (an index scan on both backends) and
// reads each message's deliveries once, the first time it meets it.
func (c *copier) messages(ctx context.Context) error {
	var batch []store.MessageImport
	err := c.eachApp(ctx, func(a webhook.App) error {
		eps, err := c.src.EndpointList(ctx, store.EndpointListParams{AppID: a.ID})
		if err != nil {
			return err
		}
		// A message belongs to one app, so the set of those already
		// taken need only cover the app at hand.
		seen := map[string]bool{}
		for _, e := range eps {
			stats, err := c.src.EndpointStats(ctx, store.EndpointStatsParams{AppID: a.ID, EndpointID: e.ID})
			if err != nil {
				return fmt.Errorf("count deliveries of endpoint %s: %w", e.ID, err)
			}
			c.sum.FinishedLeft += stats.Success + stats.Fail
			for _, status := range unfinished {
				err := c.eachDelivery(ctx, a.ID, e.ID, status, func(m webhook.Message) error {
					if seen[m.ID] {
						return nil
					}
					seen[m.ID] = true
					item, err := c.item(ctx, m)
					if err != nil {
						return err
					}
					batch = append(batch, item)
					if len(batch) < c.opts.Batch {
						return nil
					}
					err = c.flush(ctx, batch)
					batch = batch[:0]
					return err
				})
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.flush(ctx, batch)
}

// eachDelivery calls fn with the message of every delivery of endpoint
// in status, by message ID.
func (c *copier) eachDelivery(ctx context.Context, appID, endpointID string, status webhook.MessageStatus, fn func(webhook.Message) error) error {
	err := each(func(p store.Page) ([]store.DeliveryWithMessage, error) {
		return c.src.DeliveryListByEndpoint(ctx, store.DeliveryListByEndpointParams{
			AppID: appID, EndpointID: endpointID, Status: &status, WithContent: true, Page: p,
		})
	}, func(d store.DeliveryWithMessage) string { return d.Delivery.MsgID },
		func(d store.DeliveryWithMessage) error { return fn(d.Message) })
	if err != nil {
		return fmt.Errorf("deliveries of endpoint %s: %w", endpointID, err)
	}
	return nil
}

// item is m with its unfinished deliveries, to every endpoint.
func (c *copier) item(ctx context.Context, m webhook.Message) (store.MessageImport, error) {
	it := store.MessageImport{Message: m}
	err := each(func(p store.Page) ([]store.DeliveryWithEndpoint, error) {
		return c.src.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{AppID: m.AppID, MsgID: m.ID, Page: p})
	}, func(d store.DeliveryWithEndpoint) string { return d.Delivery.EndpointID }, func(d store.DeliveryWithEndpoint) error {
		if slices.Contains(unfinished, d.Delivery.Status) {
			it.Deliveries = append(it.Deliveries, d.Delivery)
		}
		return nil
	})
	if err != nil {
		return it, fmt.Errorf("deliveries of message %s: %w", m.ID, err)
	}
	return it, nil
}

// flush writes batch in one transaction. With Force, a batch that meets a
// message already copied is written again one message at a time, skipping
// those that exist.
func (c *copier) flush(ctx context.Context, batch []store.MessageImport) error {
	if len(batch) == 0 {
		return nil
	}
	before := c.sum.Messages.Copied
	err := c.dst.MessageImport(ctx, batch)
	switch {
	case err == nil:
		for _, it := range batch {
			c.sum.Messages.Copied++
			c.sum.Deliveries.Copied += len(it.Deliveries)
		}
	case c.opts.Force && errors.Is(err, store.ErrConflict):
		for _, it := range batch {
			importErr := c.dst.MessageImport(ctx, []store.MessageImport{it})
			if err := c.created(&c.sum.Messages, "message "+it.Message.ID, importErr); err != nil {
				return err
			}
			if importErr == nil {
				c.sum.Deliveries.Copied += len(it.Deliveries)
			} else {
				c.sum.Deliveries.Skipped += len(it.Deliveries)
			}
		}
	default:
		return err
	}
	if after := c.sum.Messages.Copied; after/progressEvery > before/progressEvery {
		c.printf("messages: %d copied so far\n", after)
	}
	return nil
}
