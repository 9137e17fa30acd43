//go:build unix

package loopbacktest

import (
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"
)

// hold binds a TCP socket to a port of 127.0.0.1 chosen by the kernel and
// does not listen on it.
//
// Without SO_REUSEADDR on it (shareable false), no other socket may bind
// that port while it is held. With it, a socket that asks for the port by
// number and sets SO_REUSEADDR too (as every listener of package net does
// on unix) may bind it and listen, since the held socket never listens;
// a socket asking for any port (port 0, or a dial's local port) is never
// given it, because the kernel hands out only ports nobody has bound.
//
// Only Linux lets a listener with SO_REUSEADDR alone share a port another
// socket has bound (darwin and the BSDs want SO_REUSEPORT, which package
// net does not set): elsewhere a shareable hold falls back to a port that
// was free a moment ago.
func hold(shareable bool) (addr string, release func(), err error) {
	if shareable && runtime.GOOS != "linux" {
		return freeMoment()
	}
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return "", nil, fmt.Errorf("socket: %w", err)
	}
	if shareable {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
			syscall.Close(fd)
			return "", nil, fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
		}
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return "", nil, fmt.Errorf("bind 127.0.0.1:0: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return "", nil, fmt.Errorf("getsockname: %w", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		syscall.Close(fd)
		return "", nil, fmt.Errorf("getsockname: %T, want an IPv4 address", sa)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(in4.Port)), func() { syscall.Close(fd) }, nil
}
