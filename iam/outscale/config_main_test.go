package outscale_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/iamkit/iamkit/internal/chaindial"
)

// TestMain refuses, and reports, every dial of a default chain to an
// address that is not loopback, as in the other clouds' chain tests. (The
// OUTSCALE chain reads files and the environment only; the guard keeps it
// so.)
func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	code := m.Run()
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: a default-chain run dialled addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}
