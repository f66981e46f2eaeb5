package webhook

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The rules of an endpoint's settings, shared by every caller of the
// endpoint write path (the API and the dashboard): each Validate function
// returns nil or an error whose text a user can act on, and says nothing
// of where the value came from (a JSON field, a form input).

// Limits of an endpoint, from the Svix API v1 schema.
const (
	// MaxRateLimit is the largest rate limit of an app or endpoint:
	// Svix's fields are uint16.
	MaxRateLimit = 65535
	// MaxVersion is the largest endpoint version (a uint16 in Svix).
	MaxVersion = 65535
)

// Svix's secret rotation rules: a rotated-out secret keeps signing for
// SecretGrace unless the rotation says otherwise (0 to MaxSecretGrace; 0
// stops it at once), and at most MaxOldSecrets may be doing so at once.
const (
	SecretGrace    = 24 * time.Hour
	MaxSecretGrace = 7 * 24 * time.Hour
	MaxOldSecrets  = 10
)

// ErrTooManyRotations: a rotation would leave more than MaxOldSecrets old
// secrets signing. Wait for one to expire, or rotate with no grace.
var ErrTooManyRotations = fmt.Errorf("You can only rotate a key %d times; please wait for old keys to expire.", MaxOldSecrets)

// ValidateRateLimit checks a rate limit that is set.
func ValidateRateLimit(n int64) error {
	if n < 1 || n > MaxRateLimit {
		return fmt.Errorf("rate limit must be between 1 and %d if set", MaxRateLimit)
	}
	return nil
}

// ValidateVersion checks an endpoint version.
func ValidateVersion(n int64) error {
	if n < 1 || n > MaxVersion {
		return fmt.Errorf("version must be between 1 and %d", MaxVersion)
	}
	return nil
}

// ValidateChannelCount checks how many channels an endpoint lists, when
// it lists any (none means every message).
func ValidateChannelCount(n int) error {
	if n < 1 || n > MaxChannels {
		return fmt.Errorf("Channels must have at least 1 and at most %d items, or be set to null.", MaxChannels)
	}
	return nil
}

// ValidateChannel checks one channel name (ValidChannel, in words).
func ValidateChannel(c string) error {
	if !ValidChannel(c) {
		return fmt.Errorf("channels must be 1-%d characters of a-z, A-Z, 0-9, '-', '_' and '.'", MaxChannelLength)
	}
	return nil
}

// MissingEventTypes is the error of filter types naming event types that
// do not exist or are archived (Svix refuses both).
func MissingEventTypes(names []string) error {
	return errors.New("The following event types don't exist: " + strings.Join(names, ", "))
}

// Dedupe drops repeated items, keeping the first of each: an endpoint's
// filter types and channels are sets, as in Svix.
func Dedupe(items []string) []string {
	out := make([]string, 0, len(items))
	for _, s := range items {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// RotateSecret makes next the endpoint's secret and keeps the current one
// signing until now+grace (not at all when grace is 0). Expired old
// secrets are dropped; more than MaxOldSecrets live ones is
// ErrTooManyRotations, and the endpoint is left as it was.
func (ep *Endpoint) RotateSecret(next string, now time.Time, grace time.Duration) error {
	live := make([]OldSecret, 0, len(ep.OldSecrets)+1)
	if grace > 0 {
		live = append(live, OldSecret{Key: ep.Secret, ExpiresAt: now.Add(grace)})
	}
	for _, old := range ep.OldSecrets {
		if old.ExpiresAt.After(now) {
			live = append(live, old)
		}
	}
	if len(live) > MaxOldSecrets {
		return ErrTooManyRotations
	}
	ep.Secret = next
	ep.OldSecrets = live
	return nil
}

// MergeHeaders applies a partial change to stored custom headers: set
// replaces (or, with a nil value, removes) each header it names, del
// removes more; names match whatever spelling is stored, since HTTP
// header names are case-insensitive. stored is not changed.
func MergeHeaders(stored map[string]string, set map[string]*string, del []string) map[string]string {
	merged := maps.Clone(stored)
	if merged == nil {
		merged = make(map[string]string, len(set))
	}
	remove := func(name string) {
		for k := range merged {
			if strings.EqualFold(k, name) {
				delete(merged, k)
			}
		}
	}
	for _, name := range del {
		remove(name)
	}
	for name, v := range set {
		remove(name)
		if v != nil {
			merged[name] = *v
		}
	}
	return merged
}
