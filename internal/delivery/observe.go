package delivery

import (
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

// Observer is told what the engine does: what it committed, each attempt
// as it starts and ends, each claim, each change of an endpoint's circuit.
// The engine's health aggregation and operational events are observers;
// metrics (package telemetry) is another, given in Config.Observers.
//
// Calls are synchronous, from the goroutine that did the work, with plain
// values: an observer must return at once (a counter, a map update, a
// non-blocking send) and never do I/O, or it slows the engine down.
// Observers are called concurrently from many goroutines. Embed
// BaseObserver to implement only some of the methods.
type Observer interface {
	// MessageCommitted is called once per message of a commit, after the
	// commit is durable and before the API answers.
	MessageCommitted(MessageEvent)
	// Committed is called after each group commit, failed or not.
	Committed(CommitEvent)
	// AttemptStarted is called as an attempt is about to be sent.
	AttemptStarted(AttemptStart)
	// AttemptFinished is called when an attempt's outcome is known, before
	// it is handed to the writer. An attempt cut short by the engine's
	// hard stop is started but never finished.
	AttemptFinished(AttemptEvent)
	// Claimed is called after each claim of due deliveries by the poller.
	Claimed(ClaimEvent)
	// CircuitChanged is called when an endpoint's circuit opens (again,
	// after a failed probe) or closes.
	CircuitChanged(CircuitEvent)
}

// BaseObserver implements Observer and ignores everything.
type BaseObserver struct{}

func (BaseObserver) MessageCommitted(MessageEvent) {}
func (BaseObserver) Committed(CommitEvent)         {}
func (BaseObserver) AttemptStarted(AttemptStart)   {}
func (BaseObserver) AttemptFinished(AttemptEvent)  {}
func (BaseObserver) Claimed(ClaimEvent)            {}
func (BaseObserver) CircuitChanged(CircuitEvent)   {}

// MessageEvent is one committed message.
type MessageEvent struct {
	AppID, MsgID, EventType string
	CreatedAt               time.Time
	Deliveries              int // the endpoints it goes to
}

// CommitEvent is one group commit of the writer.
type CommitEvent struct {
	Messages   int // committed; refused ones (eventId reused...) are not counted
	Refused    int // messages the store refused one by one
	Deliveries int // delivery rows the committed messages created
	Outcomes   int // attempt outcomes and postponements written
	Duration   time.Duration
	Failed     bool // the whole transaction failed: nothing was written
}

// AttemptStart is an attempt about to be sent.
type AttemptStart struct {
	AppID, EndpointID, MsgID string
	Trigger                  webhook.TriggerType
	Attempt                  int           // 1 for the first attempt of the delivery
	SinceMessage             time.Duration // since the message was created (accepted)
}

// AttemptEvent is an attempt's outcome.
type AttemptEvent struct {
	AppID, EndpointID, MsgID, MsgEventID, AttemptID string
	Trigger                                         webhook.TriggerType
	Attempt                                         int // 1 for the first attempt of the delivery
	At                                              time.Time
	// Status is the attempt's: webhook.StatusSuccess or StatusFail.
	// DeliveryStatus is the delivery's after it: success, sending (a
	// retry is scheduled) or fail (retries used up, or 410 Gone).
	Status, DeliveryStatus webhook.MessageStatus
	// StatusCode is the response's, 0 when there was none (a transport
	// error, a timeout, or a request that could not be built).
	StatusCode int
	Response   string // the response text kept, or the error
	Duration   time.Duration
}

// ClaimEvent is one claim of due deliveries.
type ClaimEvent struct {
	Claimed  int
	Duration time.Duration
	Failed   bool
}

// CircuitEvent is a change of an endpoint's circuit (breaker.go).
type CircuitEvent struct {
	AppID, EndpointID string
	Opened            bool          // else closed
	Rest              time.Duration // how long it rests, when opened
}

// observers is the engine's list, called in order.
type observers []Observer

func (os observers) messageCommitted(ev MessageEvent) {
	for _, o := range os {
		o.MessageCommitted(ev)
	}
}

func (os observers) committed(ev CommitEvent) {
	for _, o := range os {
		o.Committed(ev)
	}
}

func (os observers) attemptStarted(ev AttemptStart) {
	for _, o := range os {
		o.AttemptStarted(ev)
	}
}

func (os observers) attemptFinished(ev AttemptEvent) {
	for _, o := range os {
		o.AttemptFinished(ev)
	}
}

func (os observers) claimed(ev ClaimEvent) {
	for _, o := range os {
		o.Claimed(ev)
	}
}

func (os observers) circuitChanged(ev CircuitEvent) {
	for _, o := range os {
		o.CircuitChanged(ev)
	}
}

// Queued is how many jobs wait in the dispatcher's per-endpoint queues of
// this node: due, claimed, not yet sent. Reading it costs an atomic load,
// so metrics read it on scrape rather than being told of every change.
func (e *Engine) Queued() int64 { return e.dispatch.queued.Load() }
