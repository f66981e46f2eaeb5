package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// BacklogEventType is the event type of the backlog messages; only the
// dead endpoint subscribes to it.
const BacklogEventType = "hookline.bench.backlog"

// backlog is a dead endpoint with deliveries piling up: it shows whether a
// large backlog costs memory (it must be paged in from the store, not held)
// and whether it slows the healthy endpoints of the measured run.
type backlog struct {
	endpointID string
}

// deadURL returns a loopback URL nothing listens on: a port taken from the
// kernel and closed again, so connections to it are refused at once, as
// with a crashed receiver.
func deadURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("backlog: pick a dead port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("backlog: pick a dead port: %w", err)
	}
	return "http://" + addr + "/dead", nil
}

// fillBacklog subscribes a dead endpoint to BacklogEventType and sends it
// cfg.Backlog messages as fast as the server accepts them, printing
// progress. Each message leaves one delivery pending (retrying) there.
func fillBacklog(ctx context.Context, api *apiClient, appID string, cfg Config, progress io.Writer) (*backlog, error) {
	et := map[string]any{"name": BacklogEventType, "description": "hookline bench backlog to a dead endpoint"}
	if err := api.do(ctx, http.MethodPost, "/event-type", et, nil, http.StatusCreated, http.StatusConflict); err != nil {
		return nil, fmt.Errorf("create backlog event type: %w", err)
	}
	url, err := deadURL()
	if err != nil {
		return nil, err
	}
	var ep struct {
		ID string `json:"id"`
	}
	in := map[string]any{"url": url, "filterTypes": []string{BacklogEventType}, "description": "hookline bench: dead endpoint"}
	if err := api.do(ctx, http.MethodPost, "/app/"+appID+"/endpoint", in, &ep, http.StatusCreated); err != nil {
		return nil, fmt.Errorf("create dead endpoint: %w", err)
	}
	s := newSendState(0)
	stop := startProgress(progress, "backlog", cfg.Backlog, 0, s, nil)
	s.run(ctx, newAPISender(api, appID), load{eventType: BacklogEventType, messages: cfg.Backlog, senders: cfg.Senders})
	stop()
	if n := s.failed.Load(); n > 0 {
		return nil, fmt.Errorf("backlog: %d of %d sends failed (first: %s)", n, cfg.Backlog, s.firstErr)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("backlog: %w", ctx.Err())
	}
	return &backlog{endpointID: ep.ID}, nil
}

// pending asks the server how many of the dead endpoint's deliveries are
// still waiting (pending or retrying).
func (b *backlog) pending(ctx context.Context, api *apiClient, appID string) (int64, error) {
	var st struct {
		Pending int64 `json:"pending"`
		Sending int64 `json:"sending"`
	}
	// The stats window is at most 28 days; the backlog is minutes old.
	since := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	path := "/app/" + appID + "/endpoint/" + b.endpointID + "/stats?since=" + since
	if err := api.do(ctx, http.MethodGet, path, nil, &st, http.StatusOK); err != nil {
		return 0, fmt.Errorf("backlog stats: %w", err)
	}
	return st.Pending + st.Sending, nil
}
