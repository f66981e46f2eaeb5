package api

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"

	"github.com/hookline/hookline/internal/store"
)

// Lists that show message content (the message list, an endpoint's
// attempted messages) would otherwise hold every row's payload at once: 250
// rows of up to the body limit (1 MiB by default) each, then as much again
// while the answer is encoded, for every request in flight. A tenant can
// post such messages and list them. So such a list reads its rows without
// content, then their payloads a few at a time, nearest the iterator
// first, until the page's budget is spent: the page is cut there (done is
// false and the iterators continue after the last row shown, which is
// legal Svix pagination). And the payloads held by all the lists of the
// process share one bound, contentGate.
const (
	// DefaultPageContentBytes is the payload bytes one page shows at most
	// (but always one row).
	DefaultPageContentBytes = 16 << 20
	// DefaultContentInFlight is what the content lists of the process may
	// hold at once, counted as contentCopies times their payloads.
	DefaultContentInFlight = 128 << 20
	// contentCopies is how many times a listed payload is held until the
	// response is written: as read, in its row's encoding, in
	// json.Marshal's buffer (grown by doubling), and in the body.
	contentCopies = 4
	// maxContentChunk is the most payloads read in one query.
	maxContentChunk = 16
)

// contentGate bounds the payloads the content lists of a process hold.
type contentGate struct {
	sem      *semaphore.Weighted
	capacity int64
	page     int64 // a page's payload budget
	maxRow   int64 // the largest payload a row is expected to have: the body limit
}

func newContentGate(page, inFlight, maxRow int64) *contentGate {
	if page <= 0 {
		page = DefaultPageContentBytes
	}
	if inFlight <= 0 {
		inFlight = DefaultContentInFlight
	}
	return &contentGate{sem: semaphore.NewWeighted(inFlight), capacity: inFlight, page: page, maxRow: maxRow}
}

// contentFiller is the fillFunc of a content list: msgID names the message
// whose payload a row shows, set gives it to the row.
//
// Payloads are read in chunks of as many rows as the budget left holds at
// the body limit each (1 to maxContentChunk), so that what a page holds
// passes its budget by at most one row's payload. Before each chunk the
// request reserves that much in the gate, and gives back what the
// payloads did not take once they are read. The first reservation waits
// (until the client gives up); later ones do not: when the gate is full,
// the page is cut at the rows it has, so that no request waits while
// holding part of the gate.
func contentFiller[In any](a *API, appID string, msgID func(In) string, set func(*In, []byte)) fillFunc[In] {
	g := a.content
	return func(ctx context.Context, rows []In, back bool) ([]In, func(), error) {
		var held int64
		release := func() {
			if held > 0 {
				g.sem.Release(held)
			}
		}
		// at is the i-th row in walk order (nearest the iterator first).
		at := func(i int) *In {
			if back {
				return &rows[len(rows)-1-i]
			}
			return &rows[i]
		}
		var loaded int64
		n := 0 // rows filled, in walk order
	chunks:
		for n < len(rows) {
			chunk := int(min(max((g.page-loaded)/g.maxRow, 1), maxContentChunk, int64(len(rows)-n)))
			need := min(int64(chunk)*g.maxRow*contentCopies, g.capacity)
			if held == 0 {
				if err := g.sem.Acquire(ctx, need); err != nil {
					return nil, nil, fmt.Errorf("waiting to list content: %w", err)
				}
			} else if !g.sem.TryAcquire(need) {
				break
			}
			held += need
			ids := make([]string, chunk)
			for i := range chunk {
				ids[i] = msgID(*at(n + i))
			}
			ms, err := a.store.MessageList(ctx, store.MessageListParams{AppID: appID, IDs: ids, WithContent: true, Page: store.Page{Limit: chunk}})
			if err != nil {
				release()
				return nil, nil, err
			}
			payloads := make(map[string][]byte, len(ms))
			for _, m := range ms {
				payloads[m.ID] = m.Payload
			}
			var took int64
			for i := range chunk {
				p := payloads[ids[i]]
				if n > 0 && loaded+int64(len(p)) > g.page {
					g.giveBack(&held, need, took)
					break chunks
				}
				set(at(n), p)
				loaded += int64(len(p))
				took += int64(len(p))
				n++
			}
			g.giveBack(&held, need, took)
		}
		if back {
			return rows[len(rows)-n:], release, nil
		}
		return rows[:n], release, nil
	}
}

// giveBack returns to the gate what a reservation of need did not take
// for payloads of took bytes.
func (g *contentGate) giveBack(held *int64, need, took int64) {
	if unused := need - min(took*contentCopies, need); unused > 0 {
		g.sem.Release(unused)
		*held -= unused
	}
}
