package bench

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// receiver is the loopback endpoint every benchmark endpoint points at:
// endpoint k is http://127.0.0.1:PORT/e/k. It answers 204 at once and
// records, per endpoint and message ID (the webhook-id header), how often
// the message arrived, when it first did and the send time its payload
// carries.
type receiver struct {
	srv  *http.Server
	base string

	unique atomic.Int64 // first arrivals, for progress and the wait

	mu       sync.Mutex
	arrivals map[arrivalKey]*arrival
}

type arrivalKey struct {
	endpoint int
	msgID    string
}

type arrival struct {
	count  int
	first  time.Time
	sentAt time.Time // zero when the payload had none
}

// startReceiver listens on a free loopback port only: the benchmark must
// not open a port other machines can reach.
func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("receiver: listen: %w", err)
	}
	r := &receiver{
		base:     "http://" + ln.Addr().String(),
		arrivals: map[arrivalKey]*arrival{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /e/{k}", r.handle)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// endpointURL is the URL of endpoint k.
func (r *receiver) endpointURL(k int) string { return r.base + "/e/" + strconv.Itoa(k) }

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	k, err := strconv.Atoi(req.PathValue("k"))
	id := req.Header.Get("webhook-id")
	body, readErr := io.ReadAll(req.Body)
	if err != nil || id == "" || readErr != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var sentAt time.Time
	if ns := sentAtOf(body); ns > 0 {
		sentAt = time.Unix(0, ns)
	}
	if benchID := benchIDOf(body); benchID != "" {
		// A forwarded inbound request: known by the ID its sender gave it.
		id = benchID
	}
	key := arrivalKey{endpoint: k, msgID: id}
	r.mu.Lock()
	a := r.arrivals[key]
	if a == nil {
		r.arrivals[key] = &arrival{count: 1, first: at, sentAt: sentAt}
		r.unique.Add(1)
	} else {
		a.count++
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// snapshot copies the arrivals, so that the tally can run while late
// duplicates still come in.
func (r *receiver) snapshot() map[arrivalKey]arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[arrivalKey]arrival, len(r.arrivals))
	for k, a := range r.arrivals {
		out[k] = *a
	}
	return out
}

func (r *receiver) close() { _ = r.srv.Close() }

// sentAtOf reads the send time the benchmark's payloads start with,
// {"sentAt":N,...}, or 0. It scans rather than decodes: the receiver runs
// on the cores it measures, and should cost them as little as it can.
func sentAtOf(body []byte) int64 {
	const prefix = `{"sentAt":`
	if !bytes.HasPrefix(body, []byte(prefix)) {
		return 0
	}
	digits := body[len(prefix):]
	end := bytes.IndexByte(digits, ',')
	if end < 0 {
		return 0
	}
	n, err := strconv.ParseInt(string(digits[:end]), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
