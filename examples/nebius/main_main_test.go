package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/iamkit/iamkit/internal/chaindial"
)

// TestMain refuses, and reports, every dial of the default chain to an
// address that is not loopback: no test of the example may reach a
// metadata service or a real cloud.
func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	code := m.Run()
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: tests dialled addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}
