package iamtest

import (
	"fmt"
	"net"

	"github.com/iamkit/iamkit/internal/loopback"
)

// DefaultAddr is the listen address of this package's emulators when
// their options leave Addr empty: a free port on 127.0.0.1.
const DefaultAddr = "127.0.0.1:0"

// listen opens addr, a loopback host:port, for the emulator named kind.
// The emulators accept test keys and tokens anyone can read, so they
// listen on loopback only (see internal/loopback for the rule).
func listen(kind, addr string) (net.Listener, error) {
	if err := loopback.CheckAddr(addr); err != nil {
		return nil, fmt.Errorf("iamtest: %s emulator: option Addr: %v; the emulator accepts test credentials anyone can read, so it listens on 127.0.0.1, ::1 or localhost only", kind, err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("iamtest: %s emulator: listen on %s: %w", kind, addr, err)
	}
	return l, nil
}
