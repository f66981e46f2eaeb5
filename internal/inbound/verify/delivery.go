package verify

import (
	"encoding/json"
	"strings"
)

// deliveryHeaders are the headers providers put their delivery ID in, in
// the order DeliveryID reads them. Each is constant across a provider's
// retries of one delivery, which is what makes it a deduplication key:
// Standard Webhooks' webhook-id ("the same when a message is retried"),
// Svix's svix-id, GitHub's X-GitHub-Delivery (a redelivery keeps it) and
// Shopify's X-Shopify-Webhook-Id.
var deliveryHeaders = []string{"webhook-id", "svix-id", "X-GitHub-Delivery", "X-Shopify-Webhook-Id"}

// maxDeliveryID bounds an ID kept for deduplication; a longer one is no
// provider's and is ignored rather than stored.
const maxDeliveryID = 255

// DeliveryID returns the provider's ID for the delivery req is one attempt
// of, or "" when it carries none: the first of webhook-id, svix-id,
// X-GitHub-Delivery and X-Shopify-Webhook-Id, or, for a request with a
// Stripe-Signature header, the event's "id" in the JSON body (Stripe sends
// no delivery header; a retry resends the same event). An ID over 255
// bytes or with control characters is ignored.
func DeliveryID(req Request) string {
	for _, h := range deliveryHeaders {
		if id := cleanID(req.Header.Get(h)); id != "" {
			return id
		}
	}
	if req.Header.Get("Stripe-Signature") != "" {
		var event struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(req.Body, &event) == nil {
			return cleanID(event.ID)
		}
	}
	return ""
}

func cleanID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxDeliveryID {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return ""
		}
	}
	return s
}
