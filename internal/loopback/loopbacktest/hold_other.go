//go:build !unix

package loopbacktest

import "net"

// hold, where sockets cannot be bound without listening through package
// syscall, falls back to a port that was free a moment ago: a dial there
// is refused unless another server is given the port meanwhile.
func hold(bool) (addr string, release func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr = l.Addr().String()
	l.Close()
	return addr, func() {}, nil
}
