package dialerr

import (
	"errors"
	"net"
)

// Is reports whether err (from http.Client.Do, a RoundTripper or a gRPC
// dial, wrapped or not) says the connection was never established, so the
// request was not sent. A DNS failure of the dial, "no such host"
// included, counts (see the package documentation).
func Is(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) {
		return false
	}
	return op.Op == "dial" || op.Op == "proxyconnect"
}
