package iamtest_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/iamkit/iamkit/internal/chaindial"
)

// TestMain refuses, and reports, every dial of the metadata sources to an
// address that is not loopback: no test of this package may send a packet
// to 169.254.169.254 or to a real cloud.
func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	code := m.Run()
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: tests dialled addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}
