package dashboard

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

// endpointDetails is an endpoint as its page shows it: the URL redacted
// (webhook.RedactURL, as the logs show it), sensitive header values
// masked, delivery options at their effective values.
type endpointDetails struct {
	ID   string
	UID  string
	Name string
	// Named is false when Name is the ID standing in for a description.
	Named       bool
	URL         string
	Description string
	EventTypes  []string
	Channels    []string
	RateLimit   string
	Headers     []headerShown
	Format      string
	ContentType string
	Method      string
	Template    string
	Retries     string
	Timeout     string
	Disabled    bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// headerShown is a custom header on a page: a sensitive one's value is
// never shown (Masked).
type headerShown struct {
	Name   string
	Value  string
	Masked bool
}

// formatLabels name the delivery formats as the pages show them.
var formatLabels = map[string]string{
	webhook.FormatJSON:     "JSON: the payload as sent",
	webhook.FormatForm:     "Form: the payload as form fields",
	webhook.FormatTemplate: "Template: a body you write",
}

// detailsOf is ep as its page shows it.
func (d *Dashboard) detailsOf(ep webhook.Endpoint) endpointDetails {
	name, named := endpointName(ep)
	o := ep.Delivery
	det := endpointDetails{
		ID: ep.ID, UID: ep.UID, Name: name, Named: named, URL: webhook.RedactURL(ep.URL),
		Description: ep.Description, EventTypes: ep.FilterTypes, Channels: ep.Channels,
		RateLimit: "Unlimited", Headers: headersShown(ep.Headers),
		Format: formatLabels[o.EffectiveFormat()], ContentType: o.EffectiveContentType(), Method: o.EffectiveMethod(),
		Template: o.Template, Retries: d.retriesText(o.Retries), Timeout: d.timeoutText(o.Timeout),
		Disabled: ep.Disabled, CreatedAt: ep.CreatedAt, UpdatedAt: ep.UpdatedAt,
	}
	if ep.RateLimit != nil {
		det.RateLimit = fmt.Sprintf("%d per second", *ep.RateLimit)
	}
	return det
}

// headersShown lists headers by name, sensitive values masked.
func headersShown(headers map[string]string) []headerShown {
	out := make([]headerShown, 0, len(headers))
	for _, name := range slices.SortedFunc(maps.Keys(headers), func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	}) {
		h := headerShown{Name: name, Value: headers[name]}
		if webhook.SensitiveHeader(name) {
			h.Value, h.Masked = "", true
		}
		out = append(out, h)
	}
	return out
}

// retriesText is an endpoint's retries in words: its own, or the
// server's schedule.
func (d *Dashboard) retriesText(n *int) string {
	if n == nil {
		return fmt.Sprintf("%d (the server's schedule)", d.retries)
	}
	return fmt.Sprint(*n)
}

// timeoutText is an endpoint's timeout in words: its own, or the
// server's.
func (d *Dashboard) timeoutText(t time.Duration) string {
	if t == 0 {
		return d.requestTimeout.String() + " (the server's)"
	}
	return t.String()
}
