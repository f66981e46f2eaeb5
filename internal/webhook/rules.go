package webhook

import "strings"

// Limits shared by the API and the engine, from the Svix API v1 schema.
const (
	MaxUIDLength       = 256
	MaxEventTypeLength = 256
	MaxChannelLength   = 128
	MaxChannels        = 10
	MaxURLLength       = 65536
)

// ValidUID reports whether s is a valid uid, event type name, event id or
// feature flag: 1-256 of [a-zA-Z0-9-_.], as Svix requires.
func ValidUID(s string) bool {
	if len(s) == 0 || len(s) > MaxUIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !uidByte(s[i]) {
			return false
		}
	}
	return true
}

// UIDHasIDPrefix reports whether uid starts with the prefix of its kind's
// IDs ("app_" for an app): such a uid is refused, as Svix refuses it,
// because every path that takes an ID also takes a uid, and the two must
// never be confused.
func UIDHasIDPrefix(kind Prefix, uid string) bool {
	return kind != "" && strings.HasPrefix(uid, string(kind))
}

func uidByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.'
}

// ValidChannel reports whether s is a valid channel name: 1-128 of
// [a-zA-Z0-9-_.], as Svix's schema requires (EventChannel: its server
// checks the uid pattern, which has no ':' either).
func ValidChannel(s string) bool {
	return len(s) <= MaxChannelLength && ValidUID(s)
}
