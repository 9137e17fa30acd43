package e2e

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxy forwards TCP connections from a loopback port to target; Cut drops
// every connection and refuses new ones (a replica cut off from etcd),
// Restore lets them through again.
type proxy struct {
	l      net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
	// restoredAt is when Restore was called; contactAt when the first
	// bytes from etcd reached the replica after it.
	restoredAt, contactAt time.Time
	wg                    sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return "http://" + p.l.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		if !cut {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *proxy) serve(c net.Conn) {
	defer p.wg.Done()
	u, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		p.drop(c)
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		u.Close()
		p.drop(c)
		return
	}
	p.conns[u] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(u, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(contactWriter{c, p}, u); done <- struct{}{} }()
	<-done
	p.drop(c)
	p.drop(u)
	<-done
}

// contactWriter notes the first bytes etcd sends after a Restore.
type contactWriter struct {
	w net.Conn
	p *proxy
}

func (w contactWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	if !w.p.restoredAt.IsZero() && w.p.contactAt.IsZero() {
		w.p.contactAt = time.Now()
	}
	w.p.mu.Unlock()
	return w.w.Write(b)
}

func (p *proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// Cut drops every connection and refuses new ones.
func (p *proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	p.restoredAt, p.contactAt = time.Time{}, time.Time{}
	conns := p.conns
	p.conns = map[net.Conn]bool{}
	p.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

// Restore lets connections through again.
func (p *proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.restoredAt = time.Now()
	p.mu.Unlock()
}

// contact returns when etcd's first bytes reached the replica after the
// Restore (zero: not yet).
func (p *proxy) contact() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.contactAt
}

func (p *proxy) close() {
	p.l.Close()
	p.Cut()
	p.wg.Wait()
}
