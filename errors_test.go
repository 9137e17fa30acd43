package iamkit_test

import (
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
)

// TestSentinelTexts checks the one prefix style of the exported sentinel
// errors: "<package>: <phrase>", except the iam kinds, which are only shown
// inside an *iam.Error that names the provider and the call, and read as
// the bare kind.
func TestSentinelTexts(t *testing.T) {
	prefixed := map[string][]error{
		"auth: ": {auth.ErrCacheClosed, auth.ErrEmptyKey, auth.ErrMalformedKey, auth.ErrEncryptedKey, auth.ErrNotRSA,
			auth.ErrPublicKeyGiven, auth.ErrKeyTooSmall, auth.ErrMissingField, auth.ErrInvalidField,
			auth.ErrNoCredentials},
		"credentials: ": {iamcreds.ErrClosed},
		"httpx: ":       {httpx.ErrResponseTooLarge},
	}
	for prefix, errs := range prefixed {
		for _, err := range errs {
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || strings.Count(msg, ": ") != 1 {
				t.Errorf("sentinel %q does not read %q<phrase>", msg, prefix)
			}
		}
	}
	for _, err := range []error{iam.ErrNotFound, iam.ErrAlreadyExists, iam.ErrPermissionDenied, iam.ErrUnauthenticated,
		iam.ErrThrottled, iam.ErrInvalidArgument, iam.ErrFailedPrecondition, iam.ErrUnavailable} {
		if msg := err.Error(); strings.Contains(msg, ":") {
			t.Errorf("iam kind sentinel %q has a prefix", msg)
		}
	}
}
