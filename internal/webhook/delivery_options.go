package webhook

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Delivery formats: how a message's payload becomes the request body.
const (
	FormatJSON     = "json"     // the payload's bytes as received
	FormatForm     = "form"     // the payload flattened to x-www-form-urlencoded
	FormatTemplate = "template" // the output of a text/template
)

// Limits of an endpoint's delivery options.
const (
	MaxRetries        = 50
	MinTimeout        = time.Second
	MaxTemplateLength = 64 << 10
	MaxContentType    = 256
)

// DeliveryOptions say how deliveries to one endpoint are made. The zero
// value is the default: the payload as JSON, POST, the server's retry
// schedule and request timeout.
type DeliveryOptions struct {
	Format      string // "" means FormatJSON
	Template    string // the text/template source; with FormatTemplate only
	ContentType string // "" means the format's own
	Method      string // "" means POST
	// Retries is how many attempts may follow the first; nil means as
	// many as the server's retry schedule has steps.
	Retries *int
	// Timeout bounds one attempt; 0 means the server's request timeout.
	Timeout time.Duration
	// PassHeaders names the message's headers (Message.Headers: an
	// inbound request's, for its source's destinations) that deliveries
	// to the endpoint carry. A passed Content-Type replaces the format's;
	// the endpoint's custom headers win over the others.
	PassHeaders []string
}

// IsZero reports whether o holds no option, so that it is stored as NULL.
func (o DeliveryOptions) IsZero() bool {
	return o.Format == "" && o.Template == "" && o.ContentType == "" && o.Method == "" &&
		o.Retries == nil && o.Timeout == 0 && len(o.PassHeaders) == 0
}

// Equal reports whether o and p are the same options.
func (o DeliveryOptions) Equal(p DeliveryOptions) bool {
	return o.Format == p.Format && o.Template == p.Template && o.ContentType == p.ContentType &&
		o.Method == p.Method && (o.Retries == nil) == (p.Retries == nil) && (o.Retries == nil || *o.Retries == *p.Retries) &&
		o.Timeout == p.Timeout && slices.Equal(o.PassHeaders, p.PassHeaders)
}

// EffectiveFormat is the format deliveries use.
func (o DeliveryOptions) EffectiveFormat() string {
	if o.Format == "" {
		return FormatJSON
	}
	return o.Format
}

// EffectiveMethod is the HTTP method deliveries use.
func (o DeliveryOptions) EffectiveMethod() string {
	if o.Method == "" {
		return "POST"
	}
	return o.Method
}

// EffectiveContentType is the Content-Type deliveries carry.
func (o DeliveryOptions) EffectiveContentType() string {
	switch {
	case o.ContentType != "":
		return o.ContentType
	case o.Format == FormatForm:
		return "application/x-www-form-urlencoded"
	}
	return "application/json"
}

// OptionProblem is one invalid delivery option: the field it is about
// and what is wrong, for a validation error that names the field.
type OptionProblem struct {
	Field string
	Msg   string
}

// Validate checks o against the rules every entry point shares;
// maxTimeout is the server's request timeout, which a per-endpoint timeout
// may shorten but not exceed (leases are sized on the server's). Whether a
// template parses is the renderer's to say.
func (o DeliveryOptions) Validate(maxTimeout time.Duration) []OptionProblem {
	var out []OptionProblem
	add := func(field, format string, args ...any) {
		out = append(out, OptionProblem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	switch o.Format {
	case "", FormatJSON, FormatForm:
		if o.Template != "" {
			add("template", "template is only used with format template")
		}
	case FormatTemplate:
		if o.Template == "" {
			add("template", "template is required with format template")
		}
		if o.ContentType == "" {
			add("contentType", "contentType is required with format template")
		}
	default:
		add("format", "format must be json, form or template, got %q", o.Format)
	}
	if len(o.Template) > MaxTemplateLength {
		add("template", "template is longer than %d bytes", MaxTemplateLength)
	}
	if err := validateContentType(o.ContentType); err != nil {
		add("contentType", "%v", err)
	}
	switch o.Method {
	case "", "POST", "PUT", "PATCH":
	default:
		add("method", "method must be POST, PUT or PATCH, got %q", o.Method)
	}
	if o.Retries != nil && (*o.Retries < 0 || *o.Retries > MaxRetries) {
		add("retries", "retries must be between 0 and %d, got %d", MaxRetries, *o.Retries)
	}
	if o.Timeout != 0 && (o.Timeout < MinTimeout || o.Timeout > maxTimeout) {
		add("timeout", "timeout must be between %s and the server's request timeout %s, got %s", MinTimeout, maxTimeout, o.Timeout)
	}
	if len(o.PassHeaders) > MaxHeaders {
		add("passHeaders", "at most %d passed headers are allowed, not %d", MaxHeaders, len(o.PassHeaders))
	}
	for _, name := range o.PassHeaders {
		if err := ValidatePassHeader(name); err != nil {
			add("passHeaders", "%v", err)
		}
	}
	return out
}

// ValidatePassHeader checks the name of a header passed on from a
// message (DeliveryOptions.PassHeaders): the names a custom header may
// have, and Content-Type, which replaces the format's. What Hookline
// signs with (webhook-*, svix-*), the request's framing (Host,
// Content-Length, the hop-by-hop headers) and User-Agent are never
// passed on.
func ValidatePassHeader(name string) error {
	if strings.EqualFold(name, "Content-Type") {
		return nil
	}
	return ValidateHeader(name, "")
}

// validateContentType accepts a header value without control characters,
// the same rule as custom headers, so it can be sent as is.
func validateContentType(v string) error {
	if len(v) > MaxContentType {
		return fmt.Errorf("contentType is longer than %d characters", MaxContentType)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Errorf("contentType holds a control character")
		}
	}
	return nil
}
