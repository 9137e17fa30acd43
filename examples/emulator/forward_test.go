package main

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// TestForwarderRelaysAndCloses relays both ways, passes a half-close on,
// and ends open connections on Close without waiting for the peers.
func TestForwarderRelaysAndCloses(t *testing.T) {
	upstream, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	go func() { // ends when upstream is closed
		for {
			c, err := upstream.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Echo until the client half-closes, then say goodbye.
				_, _ = io.Copy(c, c)
				_, _ = c.Write([]byte("bye\n"))
			}()
		}
	}()

	f, err := listenForward("127.0.0.1:0", upstream.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	// Echo and half-close.
	c1, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if _, err := c1.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c1)
	if line, err := r.ReadString('\n'); err != nil || line != "hello\n" {
		t.Fatalf("echo = %q, %v", line, err)
	}
	if err := c1.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err != nil || string(rest) != "bye\n" {
		t.Fatalf("after half-close: %q, %v", rest, err)
	}

	// An idle open connection does not hold Close up.
	c2, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(c2).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { f.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on an open connection")
	}
	_ = c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open after Close")
	}
	if _, err := net.Dial("tcp", f.Addr()); err == nil {
		t.Error("still listening after Close")
	}
}

// TestForwarderUpstreamDown: a connection to an emulator that is gone is
// closed, not left hanging.
func TestForwarderUpstreamDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	f, err := listenForward("127.0.0.1:0", dead)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read = %v, want EOF", err)
	}
}
