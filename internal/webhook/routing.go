package webhook

import "slices"

// Receives reports whether endpoint e should get a delivery of a message of
// eventType on channels. Svix's rules: a disabled endpoint gets nothing; an
// empty filterTypes means every event type; an endpoint with channels gets
// only messages that share one of them, one without channels gets all.
func (e *Endpoint) Receives(eventType string, channels []string) bool {
	if e.Disabled {
		return false
	}
	if len(e.FilterTypes) > 0 && !slices.Contains(e.FilterTypes, eventType) {
		return false
	}
	if len(e.Channels) == 0 {
		return true
	}
	for _, c := range channels {
		if slices.Contains(e.Channels, c) {
			return true
		}
	}
	return false
}
