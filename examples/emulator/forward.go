package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// forwarder listens on a chosen loopback address and relays every TCP
// connection, byte for byte, to one emulator. The emulators of iam/iamtest
// listen on 127.0.0.1 and a free port they pick themselves; the forwarder
// gives each a fixed, documented address. Being a plain TCP relay, it leaves
// everything above TCP alone: HTTP Host headers (which SigV4 signs) and
// gRPC's HTTP/2 pass through unchanged.
type forwarder struct {
	ln     net.Listener
	target string

	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

// listenForward listens on addr and relays connections to target.
func listenForward(addr, target string) (*forwarder, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	f := &forwarder{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

// Addr returns the "host:port" the forwarder listens on.
func (f *forwarder) Addr() string { return f.ln.Addr().String() }

func (f *forwarder) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient accept error (too many open files): back off
			// briefly instead of spinning.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		f.wg.Add(1)
		go f.relay(c)
	}
}

// track records conns so that Close can end them; it reports false once the
// forwarder is closed.
func (f *forwarder) track(conns ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	for _, c := range conns {
		f.conns[c] = struct{}{}
	}
	return true
}

func (f *forwarder) untrack(conns ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range conns {
		delete(f.conns, c)
	}
}

func (f *forwarder) relay(client net.Conn) {
	defer f.wg.Done()
	defer client.Close()
	upstream, err := net.DialTimeout("tcp", f.target, 5*time.Second)
	if err != nil {
		return
	}
	defer upstream.Close()
	if !f.track(client, upstream) {
		return
	}
	defer f.untrack(client, upstream)

	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(upstream, client)
		closeWrite(upstream)
	}()
	_, _ = io.Copy(client, upstream)
	closeWrite(client)
	<-done
}

// closeWrite half-closes c, so that the peer sees the end of the stream
// while answers may still flow the other way.
func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}

// Close stops listening, ends every relayed connection and waits for the
// relaying goroutines to return.
func (f *forwarder) Close() {
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	_ = f.ln.Close()
	f.wg.Wait()
}
