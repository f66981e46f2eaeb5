// Package storecopy copies what one Hookline store holds into another
// through the store.Store interface: the configuration (apps, event types,
// endpoints with their secrets, tokens as stored, hashed, inbound sources
// with their verification secrets and token hashes, the inspector's bins
// with their token hashes) and the pending
// work (messages that still have unfinished deliveries, with those
// deliveries, unleased). Finished history (successful and failed
// deliveries, attempt logs, the requests sources received, the requests
// bins caught) stays behind:
// it is only ever read, and copying
// it would make the move take as long as the history is old.
//
// `hookline migrate --from sqlite://DIR --database-url postgres://...`
// uses it to move a single node onto PostgreSQL (FromSQLite).
package storecopy

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/seal"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// ErrNotEmpty is returned by Copy when the destination already holds apps
// and Options.Force is not set. Nothing was written.
var ErrNotEmpty = errors.New("the destination database already holds apps")

// pageSize is how many rows one list call reads.
const pageSize = 500

// Options tune Copy.
type Options struct {
	// Force copies into a destination that already holds apps. Rows that
	// exist there (same ID, UID or name) are skipped and counted as such,
	// so a copy that stopped half-way can be run again.
	Force bool
	// Progress receives one line per kind as it is copied, and a running
	// count of messages. Nil discards them.
	Progress io.Writer
	// Batch is how many messages go into one transaction of the
	// destination; zero means 500.
	Batch int
	// Secrets is the encryption key of endpoint secrets at rest (nil:
	// none) for FromSQLite, which opens both stores with it: the source's
	// encrypted values are decrypted as they are read and the
	// destination's encrypted as they are written, so both hold the same
	// values, encrypted with the same key.
	Secrets *seal.Key
}

// Count is what happened to the rows of one kind.
type Count struct {
	Copied  int
	Skipped int // existed in the destination already (Force)
}

func (c Count) String() string {
	if c.Skipped == 0 {
		return fmt.Sprintf("%d copied", c.Copied)
	}
	return fmt.Sprintf("%d copied, %d already there", c.Copied, c.Skipped)
}

// Summary is what Copy did, kind by kind.
type Summary struct {
	Apps       Count
	EventTypes Count
	Endpoints  Count
	Tokens     Count
	Sources    Count
	Bins       Count
	// Messages are those with at least one unfinished delivery;
	// Deliveries are those unfinished deliveries.
	Messages   Count
	Deliveries Count
	// FinishedLeft counts the deliveries not copied because they were
	// finished (success or fail): the history that stays in the source.
	FinishedLeft int64
}

// copier is one run of Copy.
type copier struct {
	dst, src store.Store
	opts     Options
	sum      Summary
}

// Copy copies src into dst: apps, event types, endpoints, tokens, then the
// messages with unfinished deliveries. It refuses with ErrNotEmpty when
// dst holds apps, unless opts.Force. The source must not change meanwhile
// (FromSQLite holds the data directory's lock); the copy is not one
// transaction, so after a failure run it again with Force.
func Copy(ctx context.Context, dst, src store.Store, opts Options) (Summary, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Batch <= 0 {
		opts.Batch = pageSize
	}
	if !opts.Force {
		apps, err := dst.AppList(ctx, store.AppListParams{Page: store.Page{Limit: 1, Order: store.Ascending}})
		if err != nil {
			return Summary{}, fmt.Errorf("check destination: %w", err)
		}
		if len(apps) > 0 {
			return Summary{}, fmt.Errorf("%w (app %s, for one)", ErrNotEmpty, apps[0].ID)
		}
	}
	c := &copier{dst: dst, src: src, opts: opts}
	steps := []struct {
		name string
		run  func(context.Context) error
		n    *Count
	}{
		{"apps", c.apps, &c.sum.Apps},
		{"event types", c.eventTypes, &c.sum.EventTypes},
		{"endpoints", c.endpoints, &c.sum.Endpoints},
		{"tokens", c.tokens, &c.sum.Tokens},
		{"inbound sources", c.sources, &c.sum.Sources},
		{"inspector bins", c.bins, &c.sum.Bins},
		{"messages with unfinished deliveries", c.messages, &c.sum.Messages},
	}
	for _, st := range steps {
		if err := st.run(ctx); err != nil {
			return c.sum, fmt.Errorf("copy %s: %w", st.name, err)
		}
		c.printf("%s: %s\n", st.name, st.n)
	}
	c.printf("unfinished deliveries: %s (unleased: the new server claims them when due)\n", c.sum.Deliveries)
	c.printf("finished deliveries not copied (history, with its attempts, stays in the source): %d\n", c.sum.FinishedLeft)
	return c.sum, nil
}

func (c *copier) printf(format string, args ...any) {
	fmt.Fprintf(c.opts.Progress, format, args...)
}

// created counts the result of one create: copied, skipped when it exists
// and Force is set, or the error.
func (c *copier) created(n *Count, what string, err error) error {
	switch {
	case err == nil:
		n.Copied++
		return nil
	case c.opts.Force && errors.Is(err, store.ErrConflict):
		n.Skipped++
		return nil
	case errors.Is(err, store.ErrConflict):
		// The destination held no apps but has this row (an event type,
		// say). The caller can offer Force.
		return fmt.Errorf("%s exists in the destination already: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// each pages through a list ordered by key, ascending, calling fn with
// every row.
func each[T any](list func(store.Page) ([]T, error), key func(T) string, fn func(T) error) error {
	page := store.Page{Limit: pageSize, Order: store.Ascending}
	for {
		rows, err := list(page)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < page.Limit {
			return nil
		}
		page.After = key(rows[len(rows)-1])
	}
}

// eachApp calls fn with every app of the source, by ID.
func (c *copier) eachApp(ctx context.Context, fn func(webhook.App) error) error {
	return each(func(p store.Page) ([]webhook.App, error) {
		return c.src.AppList(ctx, store.AppListParams{Page: p})
	}, func(a webhook.App) string { return a.ID }, fn)
}

func (c *copier) apps(ctx context.Context) error {
	return c.eachApp(ctx, func(a webhook.App) error {
		return c.created(&c.sum.Apps, "app "+a.ID, c.dst.AppCreate(ctx, store.AppCreateParams{App: a}))
	})
}

func (c *copier) eventTypes(ctx context.Context) error {
	return each(func(p store.Page) ([]webhook.EventType, error) {
		return c.src.EventTypeList(ctx, store.EventTypeListParams{Page: p, IncludeArchived: true})
	}, func(et webhook.EventType) string { return et.Name }, func(et webhook.EventType) error {
		err := c.dst.EventTypeCreate(ctx, store.EventTypeCreateParams{EventType: et})
		return c.created(&c.sum.EventTypes, "event type "+et.Name, err)
	})
}

func (c *copier) endpoints(ctx context.Context) error {
	return c.eachApp(ctx, func(a webhook.App) error {
		// A zero limit lists all of an app's endpoints: they are few.
		eps, err := c.src.EndpointList(ctx, store.EndpointListParams{AppID: a.ID})
		if err != nil {
			return err
		}
		for _, e := range eps {
			err := c.dst.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: e})
			if err := c.created(&c.sum.Endpoints, "endpoint "+e.ID, err); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *copier) tokens(ctx context.Context) error {
	toks, err := c.src.TokenList(ctx, store.TokenListParams{})
	if err != nil {
		return err
	}
	for _, tok := range toks {
		if err := c.created(&c.sum.Tokens, "token "+tok.ID, c.dst.TokenCreate(ctx, tok)); err != nil {
			return err
		}
	}
	return nil
}

// sources copies the inbound sources, their token hashes and secrets as
// they are (a source's ingest URL keeps working); what they received is
// history, and stays.
func (c *copier) sources(ctx context.Context) error {
	return each(func(p store.Page) ([]inbound.Source, error) {
		return c.src.SourceList(ctx, store.SourceListParams{Page: p})
	}, func(src inbound.Source) string { return src.ID }, func(src inbound.Source) error {
		return c.created(&c.sum.Sources, "source "+src.ID, c.dst.SourceCreate(ctx, src))
	})
}

// bins copies the inspector's bins with their token hashes (a catch URL
// keeps working); what they caught is history, and stays.
func (c *copier) bins(ctx context.Context) error {
	return each(func(p store.Page) ([]inspector.Bin, error) {
		return c.src.BinList(ctx, store.BinListParams{Page: p})
	}, func(b inspector.Bin) string { return b.ID }, func(b inspector.Bin) error {
		return c.created(&c.sum.Bins, "bin "+b.ID, c.dst.BinCreate(ctx, b))
	})
}
