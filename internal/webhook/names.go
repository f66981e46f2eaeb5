package webhook

import (
	"errors"
	"fmt"
	"strings"
)

// The checks of names and free text that the API and the dashboard's
// forms share, worded as Svix words them. Each returns the one problem
// it finds, nil when there is none.

// ValidateName checks a required display name (an app's): not empty,
// and free of the control characters Svix refuses (ValidateText).
func ValidateName(s string) error {
	if s == "" {
		return errors.New("must be at least one character")
	}
	return ValidateText(s)
}

// ValidateText checks free text (a name, a description): free of the
// control characters 0x00-0x08 that Svix refuses.
func ValidateText(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= 0x08 }) {
		return errors.New("Control characters 0x00-0x08 not allowed.")
	}
	return nil
}

// ValidateLimited checks Svix's limited string (uids, feature flags):
// 1-256 of [a-zA-Z0-9-_.] (ValidUID).
func ValidateLimited(s string) error {
	if !ValidUID(s) {
		return fmt.Errorf("must be 1-%d characters of a-z, A-Z, 0-9, '-', '_' and '.'", MaxUIDLength)
	}
	return nil
}

// ValidateUIDPrefix checks that the uid of an object whose IDs start
// with kind does not start with kind too, so that a uid can never be
// taken for an ID (Svix's invalid_uid_prefix; UIDHasIDPrefix).
func ValidateUIDPrefix(kind Prefix, uid string) error {
	if UIDHasIDPrefix(kind, uid) {
		return fmt.Errorf("Uids are not allowed to have the same prefix as the ID (%q). Prefix with _?", kind)
	}
	return nil
}

// ValidateEventTypeName checks an event type's name: 1-256 of
// [a-zA-Z0-9-_.] (ValidUID).
func ValidateEventTypeName(name string) error {
	if !ValidUID(name) {
		return fmt.Errorf("event type names must be 1-%d characters of a-z, A-Z, 0-9, '-', '_' and '.'", MaxEventTypeLength)
	}
	return nil
}
