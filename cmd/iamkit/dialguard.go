//go:build iamkit_dialguard

package main

import (
	"fmt"
	"os"

	"github.com/iamkit/iamkit/internal/chaindial"
)

// exitDialRefused is the exit code of a test build that refused a dial.
const exitDialRefused = 97

// The test build (go build -tags iamkit_dialguard, as the tests of this
// package build it) refuses every dial through the chains' dialer to an
// address that is not loopback — metadata services, token exchanges, the
// clouds' APIs — and exits 97 naming them, so that a test that forgot an
// endpoint fails instead of reaching a real cloud.
func init() {
	stop := chaindial.Guard()
	finish = func(code int) int {
		if refused := stop(); len(refused) > 0 {
			fmt.Fprintf(os.Stderr, "iamkit (test build): refused dials to addresses that are not loopback: %q\n", refused)
			return exitDialRefused
		}
		return code
	}
}
