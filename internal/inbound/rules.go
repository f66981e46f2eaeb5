package inbound

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/webhook"
)

// Problem is one thing wrong with a source: the field it is about, as a
// path of JSON names ("forward", "app", "eventType"), and what is wrong.
type Problem struct {
	Field []string
	Msg   string
}

func (p Problem) String() string { return strings.Join(p.Field, ".") + ": " + p.Msg }

// problems collects a source's problems.
type problems []Problem

func (ps *problems) add(msg string, field ...string) {
	*ps = append(*ps, Problem{Field: field, Msg: msg})
}

// Check returns every problem of s, a source with its defaults filled
// (WithDefaults), nil when there is none. The verification config is
// judged by verify.Config.Check, its problems under "verify".
func (s Source) Check() []Problem {
	var ps problems
	switch {
	case strings.TrimSpace(s.Name) == "":
		ps.add("must not be empty", "name")
	case len(s.Name) > MaxNameLength:
		ps.add(fmt.Sprintf("must be at most %d bytes", MaxNameLength), "name")
	default:
		if err := webhook.ValidateText(s.Name); err != nil {
			ps.add(err.Error(), "name")
		}
	}
	s.checkVerify(&ps)
	s.Response.check(&ps)
	if len(s.Methods) == 0 {
		ps.add("must name at least one method", "methods")
	}
	for i, m := range s.Methods {
		switch {
		case !slices.Contains(knownMethods, m):
			ps.add(fmt.Sprintf("%q is not one of %s", m, strings.Join(knownMethods, ", ")), "methods", fmt.Sprint(i))
		case slices.Index(s.Methods, m) < i:
			ps.add(fmt.Sprintf("%s is listed twice", m), "methods", fmt.Sprint(i))
		}
	}
	if s.BodyLimit < 1 || s.BodyLimit > MaxBodyLimit {
		ps.add(fmt.Sprintf("must be from 1 to %d bytes", MaxBodyLimit), "bodyLimit")
	}
	if s.RateLimit < 0 || s.RateLimit > MaxRateLimit {
		ps.add(fmt.Sprintf("must be from 0 (no limit) to %d requests per second", MaxRateLimit), "rateLimit")
	}
	s.Forward.check(&ps)
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// checkVerify adds the problems verify.Config.Check finds, each under
// "verify" and the setting's JSON name.
func (s Source) checkVerify(ps *problems) {
	err := s.Verify.Check()
	if err == nil {
		return
	}
	var fes verify.FieldErrors
	if !errors.As(err, &fes) {
		ps.add(err.Error(), "verify")
		return
	}
	for _, fe := range fes {
		ps.add(fe.Problem, "verify", fe.Field)
	}
}

func (r Response) check(ps *problems) {
	if r.Status < 200 || r.Status > 299 {
		ps.add("must be a 2xx status: another would tell the sender its request failed", "response", "status")
	}
	if len(r.Body) > MaxResponseBody {
		ps.add(fmt.Sprintf("must be at most %d bytes", MaxResponseBody), "response", "body")
	}
	if r.ContentType == "" || strings.ContainsFunc(r.ContentType, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		ps.add("must be a media type without control characters", "response", "contentType")
	}
}

func (f Forward) check(ps *problems) {
	if f.App != nil && len(f.Destinations) > 0 {
		ps.add("forward to an app or to destinations, not both", "forward")
	}
	if a := f.App; a != nil {
		if !webhook.ValidID(webhook.PrefixApp, a.AppID) {
			ps.add("must be an app ID (app_...)", "forward", "app", "appId")
		}
		set := 0
		for _, v := range []string{a.EventType, a.EventTypeHeader, a.EventTypeField} {
			if v != "" {
				set++
			}
		}
		if set != 1 {
			ps.add("set exactly one of eventType, eventTypeHeader and eventTypeField", "forward", "app")
		}
		if a.EventType != "" {
			if err := webhook.ValidateEventTypeName(a.EventType); err != nil {
				ps.add(err.Error(), "forward", "app", "eventType")
			}
		}
		if a.EventTypeHeader != "" && !validHeaderName(a.EventTypeHeader) {
			ps.add("must be an HTTP header name", "forward", "app", "eventTypeHeader")
		}
		if a.EventTypeField != "" && !validFieldPath(a.EventTypeField) {
			ps.add(fmt.Sprintf("must be a dot-separated JSON field path such as data.type, at most %d bytes", MaxFieldLength), "forward", "app", "eventTypeField")
		}
	}
	if len(f.Destinations) > MaxDestinations {
		ps.add(fmt.Sprintf("at most %d destinations", MaxDestinations), "forward", "destinations")
	}
	for i, d := range f.Destinations {
		at := []string{"forward", "destinations", fmt.Sprint(i)}
		if err := webhook.ValidateEndpointURL(d.URL); err != nil {
			ps.add(err.Error(), append(at, "url")...)
		}
		if len(d.Headers) > MaxPassHeaders {
			ps.add(fmt.Sprintf("at most %d headers", MaxPassHeaders), append(at, "headers")...)
		}
		for j, h := range d.Headers {
			switch err := webhook.ValidatePassHeader(h); {
			case !validHeaderName(h):
				ps.add("must be an HTTP header name", append(at, "headers", fmt.Sprint(j))...)
			case err != nil:
				// Hookline signs with its own webhook-* headers and owns the
				// request's framing: those are never passed on.
				ps.add(err.Error(), append(at, "headers", fmt.Sprint(j))...)
			}
		}
	}
}

// validHeaderName reports whether s is an HTTP field name (RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" || len(s) > MaxFieldLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validFieldPath reports whether s is a dot-separated path of non-empty
// JSON member names.
func validFieldPath(s string) bool {
	if s == "" || len(s) > MaxFieldLength {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
	}
	return webhook.ValidateText(s) == nil
}
