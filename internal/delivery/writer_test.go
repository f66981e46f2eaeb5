package delivery

import (
	"testing"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

func TestSplitPostponements(t *testing.T) {
	// 40 postponements among 10 attempts' outcomes: the commit takes every
	// outcome but the postponements past the 32nd, and order is kept.
	var outs []store.Outcome
	for i := range 50 {
		outs = append(outs, store.Outcome{Postpone: i%5 != 0, Attempt: webhook.Attempt{MsgID: string(rune('A' + i))}})
	}
	now, later := splitPostponements(outs, nil, nil)
	if len(now) != 10+maxPostponesPerCommit || len(later) != 40-maxPostponesPerCommit {
		t.Fatalf("split %d outcomes into %d now and %d later, want %d and %d",
			len(outs), len(now), len(later), 10+maxPostponesPerCommit, 40-maxPostponesPerCommit)
	}
	postponed := 0
	for i, o := range now {
		if o.Postpone {
			postponed++
		}
		if i > 0 && now[i-1].Attempt.MsgID >= o.Attempt.MsgID {
			t.Errorf("now[%d] = %s after %s: order lost", i, o.Attempt.MsgID, now[i-1].Attempt.MsgID)
		}
	}
	if postponed != maxPostponesPerCommit {
		t.Errorf("%d postponements in this commit, want %d", postponed, maxPostponesPerCommit)
	}
	for _, o := range later {
		if !o.Postpone {
			t.Errorf("an attempt's outcome %s was left for later", o.Attempt.MsgID)
		}
	}
}
