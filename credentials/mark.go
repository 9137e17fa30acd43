package credentials

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A key's mark is its Nebius or Yandex description, or its OUTSCALE tag:
//
//	<Policy.Description>.<instance>.<expiry>.<nonce>
//
// instance names the provider that created the key (ManagedOptions.Instance,
// or the random name recorded in its state file), expiry is when that provider stops using
// it (Unix seconds: the key's own expiry on Nebius and OUTSCALE, the end of
// its Lifetime for Yandex static keys, which do not expire), and nonce
// (12 hex digits) makes every create's mark unique, so that an OUTSCALE
// create whose answer was lost can be found by its tag. Keys marked with
// the bare Policy.Description come from earlier versions.
//
// Limits: Yandex descriptions take at most 256 characters; the Nebius and
// OUTSCALE references give none for descriptions and tags. Marks stay
// within 64 (Description) + 1 + 32 (instance) + 1 + 12 (expiry) + 1 + 12
// (nonce) = 123 characters, and what the provider adds uses only
// [A-Za-z0-9_.-].

const (
	maxDescriptionLen = 64
	maxInstanceLen    = 32
	nonceBytes        = 6
	// maxMarkUnix bounds the expiry field (9999-12-31T23:59:59Z).
	maxMarkUnix = 253402300799
)

// keyMark is what a key's mark says.
type keyMark struct {
	// legacy: the bare Policy.Description (no instance, no expiry).
	legacy   bool
	instance string
	expiry   time.Time
}

// newMark returns a unique mark for a key that instance creates, to be used
// until expiry.
func newMark(desc, instance string, expiry time.Time) string {
	var b [nonceBytes]byte
	_, _ = rand.Read(b[:])
	return desc + "." + instance + "." + strconv.FormatInt(expiry.Unix(), 10) + "." + hex.EncodeToString(b[:])
}

// parseMark reads s as a mark of the family desc (Policy.Description). ok
// is false for a key of another family, or with no mark.
func parseMark(s, desc string) (m keyMark, ok bool) {
	if s == desc {
		return keyMark{legacy: true}, true
	}
	rest, found := strings.CutPrefix(s, desc+".")
	if !found {
		return keyMark{}, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 || validInstance(parts[0]) != nil || !isHex(parts[2], 2*nonceBytes) {
		return keyMark{}, false
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || sec <= 0 || sec > maxMarkUnix {
		return keyMark{}, false
	}
	return keyMark{instance: parts[0], expiry: time.Unix(sec, 0).UTC()}, true
}

// HasMarkShape reports whether description has the shape of the mark a
// ManagedProvider writes on its keys, of any family (any
// Policy.Description): <family>.<instance>.<expiry>.<nonce>, the instance
// 1 to 32 of [A-Za-z0-9_-], the expiry 1 to 12 decimal digits, the nonce 12
// lower-case hex digits. Tools that create keys by hand (iamkit keys) use
// it to refuse to give a key a description a managed provider would take
// for its own.
func HasMarkShape(description string) bool {
	parts := strings.Split(description, ".")
	n := len(parts)
	if n < 4 || strings.Join(parts[:n-3], ".") == "" {
		return false
	}
	expiry := parts[n-2]
	if expiry == "" || len(expiry) > 12 || strings.Trim(expiry, "0123456789") != "" {
		return false
	}
	return validInstance(parts[n-3]) == nil && isHex(parts[n-1], 2*nonceBytes)
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validInstance checks an instance name: 1 to 32 of [A-Za-z0-9_-].
func validInstance(s string) error {
	if s == "" || len(s) > maxInstanceLen {
		return fmt.Errorf("instance %q must be 1 to %d characters long", s, maxInstanceLen)
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("instance %q may contain only letters, digits, '-' and '_'", s)
		}
	}
	return nil
}

// validDescription checks Policy.Description: it must fit the clouds'
// limits once the provider has added instance, expiry and nonce.
func validDescription(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("Description is blank")
	case !utf8.ValidString(s):
		return fmt.Errorf("Description is not valid UTF-8")
	case utf8.RuneCountInString(s) > maxDescriptionLen:
		return fmt.Errorf("Description is %d characters long, the maximum is %d (the provider adds up to 59 more for its mark)", utf8.RuneCountInString(s), maxDescriptionLen)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("Description %q contains a control character", s)
		}
	}
	return nil
}

// randomInstance names a provider that was given no Instance: 12 random
// hex digits. With a state file it is recorded there (before the first
// key is created) and kept by every later process that uses the file;
// without one, the provider's keys are its own for its lifetime only.
func randomInstance() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
