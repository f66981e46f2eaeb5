package bench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"
)

// Result is what one run measured. Durations are in seconds, latencies in
// milliseconds; the JSON names are stable for scripts.
type Result struct {
	// The run's shape.
	Messages int `json:"messages"`
	Senders  int `json:"senders"`
	// Inbound says the messages were sent as signed webhooks to a source's
	// ingest URL (bench --inbound).
	Inbound      bool    `json:"inbound,omitempty"`
	Endpoints    int     `json:"endpoints"`
	PayloadBytes int     `json:"payload_bytes"`
	Rate         float64 `json:"rate"` // offered msg/s; 0 = as fast as possible
	Machine      string  `json:"machine"`

	// Sending.
	Sent           int     `json:"sent"`
	Accepted       int     `json:"accepted"`
	Failed         int     `json:"failed"`
	FirstError     string  `json:"first_error,omitempty"`
	AcceptSeconds  float64 `json:"accept_seconds"` // first send to last 202
	AcceptedPerSec float64 `json:"accepted_per_sec"`

	// Delivery, counted per endpoint and accepted message.
	Expected         int     `json:"expected_deliveries"`
	Delivered        int     `json:"delivered"`
	Duplicates       int     `json:"duplicates"`       // arrivals after the first; must be 0
	Missing          int     `json:"missing"`          // expected but never arrived; must be 0
	DeliverySeconds  float64 `json:"delivery_seconds"` // first to last arrival
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`
	Latency          Latency `json:"latency_ms"` // send to first arrival
	TimedOut         bool    `json:"timed_out"`

	// The dead endpoint's backlog, when one was made: messages sent to it
	// before the run, and how many were still pending at the end.
	Backlog        int    `json:"backlog,omitempty"`
	BacklogPending *int64 `json:"backlog_pending,omitempty"`

	// The server's resources; nil when unknown.
	CPUSeconds   *float64 `json:"server_cpu_seconds"`
	PeakRSSBytes *int64   `json:"server_peak_rss_bytes"`
	UsageNote    string   `json:"server_usage_note"`

	// The bare net/http pair, with --baseline only: its figures, and
	// accepted msg/s and deliveries/s as fractions of its ceilings.
	Baseline            *Baseline `json:"baseline,omitempty"`
	AcceptedOfCeiling   *float64  `json:"accepted_of_ceiling,omitempty"`
	DeliveriesOfCeiling *float64  `json:"deliveries_of_ceiling,omitempty"`
}

// setBaseline attaches b and the fractions of its ceilings.
func (r *Result) setBaseline(b Baseline) {
	r.Baseline = &b
	if b.CeilingMsgPerSec > 0 {
		f := r.AcceptedPerSec / b.CeilingMsgPerSec
		r.AcceptedOfCeiling = &f
	}
	if b.CeilingDeliveriesPerSec > 0 {
		f := r.DeliveriesPerSec / b.CeilingDeliveriesPerSec
		r.DeliveriesOfCeiling = &f
	}
}

// Latency is send-to-arrival latency in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// OK reports whether every accepted message arrived exactly once at every
// endpoint and every send was accepted.
func (r Result) OK() bool {
	return r.Failed == 0 && r.Missing == 0 && r.Duplicates == 0 && r.Accepted == r.Messages
}

// tally turns the senders' and the receiver's records into a Result.
func tally(cfg Config, s *sendState, arrivals map[arrivalKey]arrival, acceptDur time.Duration) Result {
	r := Result{
		Messages: cfg.Messages, Senders: cfg.Senders, Endpoints: cfg.Endpoints, Inbound: cfg.Inbound,
		PayloadBytes: cfg.PayloadBytes, Rate: cfg.Rate,
		Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		Sent:    int(s.sent.Load()), Accepted: len(s.accepted), Failed: int(s.failed.Load()),
		FirstError: s.firstErr,
	}
	r.Expected = r.Accepted * cfg.Endpoints
	if acceptDur > 0 {
		r.AcceptSeconds = acceptDur.Seconds()
		r.AcceptedPerSec = float64(r.Accepted) / r.AcceptSeconds
	}
	var first, last time.Time
	lat := make([]time.Duration, 0, r.Expected)
	for _, id := range s.accepted {
		for k := range cfg.Endpoints {
			a, ok := arrivals[arrivalKey{endpoint: k, msgID: id}]
			if !ok {
				r.Missing++
				continue
			}
			r.Delivered++
			if first.IsZero() || a.first.Before(first) {
				first = a.first
			}
			if a.first.After(last) {
				last = a.first
			}
			if !a.sentAt.IsZero() {
				lat = append(lat, a.first.Sub(a.sentAt))
			}
		}
	}
	// Duplicates count every extra arrival, of accepted messages or not.
	for _, a := range arrivals {
		r.Duplicates += a.count - 1
	}
	if d := last.Sub(first); d > 0 {
		r.DeliverySeconds = d.Seconds()
		r.DeliveriesPerSec = float64(r.Delivered) / r.DeliverySeconds
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.Latency = Latency{
			P50: ms(percentile(lat, 0.50)), P95: ms(percentile(lat, 0.95)),
			P99: ms(percentile(lat, 0.99)), Max: ms(lat[len(lat)-1]),
		}
	}
	return r
}

// percentile is the nearest-rank percentile of sorted, non-empty d.
func percentile(d []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(d))+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Format writes the result as a table for people.
func (r Result) Format(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	offered := "as fast as accepted"
	if r.Rate > 0 {
		offered = fmt.Sprintf("%g msg/s", r.Rate)
	}
	fmt.Fprintf(tw, "run\t%s, %s, %s, %d-byte payload, offered %s\n",
		plural(r.Messages, "message"), plural(r.Senders, "sender"), plural(r.Endpoints, "endpoint"), r.PayloadBytes, offered)
	if r.Inbound {
		fmt.Fprintf(tw, "mode\tinbound: each message a signed webhook to a source's ingest URL, verified, stored and forwarded\n")
	}
	fmt.Fprintf(tw, "machine\t%s\n", r.Machine)
	fmt.Fprintf(tw, "accepted\t%d of %d in %.2fs: %.0f msg/s\n", r.Accepted, r.Messages, r.AcceptSeconds, r.AcceptedPerSec)
	if r.Failed > 0 {
		fmt.Fprintf(tw, "failed sends\t%d (first: %s)\n", r.Failed, r.FirstError)
	}
	fmt.Fprintf(tw, "delivered\t%d of %d in %.2fs (first to last arrival): %.0f deliveries/s\n",
		r.Delivered, r.Expected, r.DeliverySeconds, r.DeliveriesPerSec)
	fmt.Fprintf(tw, "latency\tp50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms (send to arrival)\n",
		r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max)
	fmt.Fprintf(tw, "duplicates\t%d\n", r.Duplicates)
	missing := fmt.Sprint(r.Missing)
	if r.TimedOut {
		missing += " (timed out waiting)"
	}
	fmt.Fprintf(tw, "missing\t%s\n", missing)
	if r.Backlog > 0 {
		pending := "unknown"
		if r.BacklogPending != nil {
			pending = fmt.Sprint(*r.BacklogPending)
		}
		fmt.Fprintf(tw, "backlog\t%d messages sent to a dead endpoint first; %s deliveries still pending there at the end\n", r.Backlog, pending)
	}
	if r.CPUSeconds != nil && r.PeakRSSBytes != nil {
		fmt.Fprintf(tw, "server CPU\t%.2f s\n", *r.CPUSeconds)
		fmt.Fprintf(tw, "server peak RSS\t%.1f MiB\n", float64(*r.PeakRSSBytes)/(1<<20))
		fmt.Fprintf(tw, "\t(%s)\n", r.UsageNote)
	} else {
		fmt.Fprintf(tw, "server CPU, RSS\t%s\n", r.UsageNote)
	}
	if b := r.Baseline; b != nil {
		fmt.Fprintf(tw, "bare HTTP\t%d of %d requests in %.2fs: %.0f req/s (net/http client and server on 127.0.0.1, %d senders, %d-byte bodies)\n",
			b.Completed, b.Requests, b.Seconds, b.RequestsPerSec, b.Senders, b.BodyBytes)
		if b.Failed > 0 {
			fmt.Fprintf(tw, "bare HTTP failed\t%d (first: %s)\n", b.Failed, b.FirstError)
		}
		fmt.Fprintf(tw, "ceiling\t%.0f msg/s, %.0f deliveries/s (%d requests per message: ingest and %s)\n",
			b.CeilingMsgPerSec, b.CeilingDeliveriesPerSec, b.RequestsPerMessage, deliveries(b.RequestsPerMessage-1))
		if r.AcceptedOfCeiling != nil {
			fmt.Fprintf(tw, "hookline\t%.0f msg/s = %.0f%% of the bare-HTTP ceiling %.0f msg/s\n",
				r.AcceptedPerSec, 100**r.AcceptedOfCeiling, b.CeilingMsgPerSec)
		}
		if r.DeliveriesOfCeiling != nil {
			fmt.Fprintf(tw, "\t%.0f deliveries/s = %.0f%% of the bare-HTTP ceiling %.0f deliveries/s\n",
				r.DeliveriesPerSec, 100**r.DeliveriesOfCeiling, b.CeilingDeliveriesPerSec)
		}
	}
	return tw.Flush()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func deliveries(n int) string {
	if n == 1 {
		return "1 delivery"
	}
	return fmt.Sprintf("%d deliveries", n)
}
