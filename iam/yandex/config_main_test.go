package yandex_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/iamkit/iamkit/internal/chaindial"
)

// TestMain refuses, and reports, every dial of the default chain (its
// metadata probes and requests, its default HTTP client) to an address that
// is not loopback: no chain run in this package may send a packet to
// 169.254.169.254 or to a real cloud. A refused dial fails the suite even
// when the test that caused it passed.
func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	code := m.Run()
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: a default-chain run dialled addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}
