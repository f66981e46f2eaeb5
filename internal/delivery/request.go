package delivery

import (
	"time"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/webhook"
)

// request builds the signed HTTP request that delivers msg to t at now:
// every attempt, every retry and every ping is built here, so what a ping
// checks is what a delivery sends. Today that is the payload as received,
// POSTed as JSON; the error is for bodies that can fail to build.
func (t *target) request(msg webhook.Message, now time.Time, timeout time.Duration) (send.Request, error) {
	ts := now.Unix()
	body := msg.Payload
	if body == nil {
		body = []byte("{}") // the content was expunged; deliver an empty object
	}
	return send.Request{
		URL: t.URL, Body: body, Headers: t.Headers,
		MsgID: msg.ID, Timestamp: ts, Signature: t.sign(msg.ID, ts, body, now),
		Timeout: timeout,
	}, nil
}
