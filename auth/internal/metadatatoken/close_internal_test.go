package metadatatoken

import (
	"io"
	"testing"

	"github.com/iamkit/iamkit/iam"
)

// TestExchangerIsCloser: the metadata exchanger owns its HTTP transport,
// so it is an io.Closer, which the auth.Cache of NewSource closes with
// itself (as it closes the providers' token exchangers).
func TestExchangerIsCloser(t *testing.T) {
	x := newExchanger(Config{Provider: iam.Nebius, Package: "test", URL: "http://127.0.0.1:1/token"})
	cl, ok := any(x).(io.Closer)
	if !ok {
		t.Fatalf("the metadata exchanger %T is not an io.Closer: auth.Cache.Close leaves its connection pool open", x)
	}
	if err := cl.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
