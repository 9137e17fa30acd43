package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/iamkit/iamkit/internal/chaindial"
)

// TestMain refuses, and reports, every dial of the default chains the
// quickstart runs "as if on a VM" to an address that is not loopback: the
// metadata emulators stand for the metadata services, and no test may
// reach the real ones.
func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	code := m.Run()
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: a default-chain run dialled addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}
