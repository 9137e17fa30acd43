package yandex

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamkit/iamkit/iam"
)

// Limits from the API's proto validators (yandex-cloud/cloudapi).
const (
	maxIDLen          = 50
	maxDescriptionLen = 256
	maxScopes         = 100
	maxScopeLen       = 256
	maxPageSize       = 1000
	maxPageTokenLen   = 2000
	maxSessionNameLen = 64
	maxPolicyLen      = 2048
)

// MaxExpiresAt is the latest expiry the API accepts for an API key
// (validator range ends at 2105-12-31T23:59:59.999999999Z).
var MaxExpiresAt = time.Date(2105, 12, 31, 23, 59, 59, 999999999, time.UTC)

// Ephemeral access key durations the API accepts (proto validator
// 15m–8760h; the service also caps it at the caller's token lifetime).
const (
	MinEphemeralDuration = 15 * time.Minute
	MaxEphemeralDuration = 8760 * time.Hour
)

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)

func checkID(what, id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return invalidArg("", what+" is empty")
	case len(id) > maxIDLen:
		return invalidArg("", fmt.Sprintf("%s is %d characters long, the maximum is %d", what, len(id), maxIDLen))
	case strings.ContainsAny(id, "/?#%\\ \t\r\n"):
		return invalidArg("", fmt.Sprintf("%s %q contains characters an ID cannot have", what, truncateForError(id)))
	}
	return nil
}

func checkOptionalID(what, id string) error {
	if id == "" {
		return nil
	}
	return checkID(what, id)
}

func checkDescription(d string) error {
	if n := utf8.RuneCountInString(d); n > maxDescriptionLen {
		return invalidArg("", fmt.Sprintf("description is %d characters long, the maximum is %d", n, maxDescriptionLen))
	}
	if !utf8.ValidString(d) {
		return invalidArg("", "description is not valid UTF-8")
	}
	return nil
}

func checkScopes(scopes []string, min int) error {
	if len(scopes) < min {
		return invalidArg("", fmt.Sprintf("scopes: at least %d scope is required", min))
	}
	if len(scopes) > maxScopes {
		return invalidArg("", fmt.Sprintf("scopes: %d given, the maximum is %d", len(scopes), maxScopes))
	}
	seen := make(map[string]int, len(scopes))
	for i, s := range scopes {
		if strings.TrimSpace(s) == "" {
			return invalidArg("", fmt.Sprintf("scopes[%d] is empty", i))
		}
		if n := utf8.RuneCountInString(s); n > maxScopeLen {
			return invalidArg("", fmt.Sprintf("scopes[%d] is %d characters long, the maximum is %d", i, n, maxScopeLen))
		}
		if j, dup := seen[s]; dup {
			return invalidArg("", fmt.Sprintf("scopes[%d] %q duplicates scopes[%d]", i, truncateForError(s), j))
		}
		seen[s] = i
	}
	return nil
}

func checkExpiry(t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if !t.After(now) {
		return invalidArg("", fmt.Sprintf("expiresAt %s is not in the future (now is %s)",
			t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	if t.After(MaxExpiresAt) {
		return invalidArg("", fmt.Sprintf("expiresAt %s is after the latest allowed expiry %s",
			t.UTC().Format(time.RFC3339), MaxExpiresAt.Format(time.RFC3339)))
	}
	return nil
}

func checkPage(p PageRequest) error {
	if p.PageSize < 0 || p.PageSize > maxPageSize {
		return invalidArg("", fmt.Sprintf("pageSize %d is out of range 0–%d", p.PageSize, maxPageSize))
	}
	if len(p.PageToken) > maxPageTokenLen {
		return invalidArg("", fmt.Sprintf("pageToken is %d characters long, the maximum is %d", len(p.PageToken), maxPageTokenLen))
	}
	return nil
}

// withOp sets the Op of an *iam.Error made by the check functions.
func withOp(op string, err error) error {
	if e, ok := err.(*iam.Error); ok && e.Op == "" {
		e.Op = op
	}
	return err
}
