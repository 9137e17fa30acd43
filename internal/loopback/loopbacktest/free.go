package loopbacktest

import "net"

// freeMoment returns a 127.0.0.1 port that was free a moment ago, and a
// release that does nothing.
func freeMoment() (addr string, release func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr = l.Addr().String()
	l.Close()
	return addr, func() {}, nil
}
