package chaindial

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/internal/loopback"
)

// Hook sees the network and address of every dial before it happens; a
// non-nil error refuses the dial (the caller gets it, wrapped), and nothing
// is sent.
type Hook func(network, addr string) error

var hook atomic.Pointer[Hook]

// SetHook installs h (nil removes the hook) and returns a function that
// puts the previous hook back. Only tests call it.
func SetHook(h Hook) (restore func()) {
	var p *Hook
	if h != nil {
		p = &h
	}
	old := hook.Swap(p)
	return func() { hook.Store(old) }
}

// DialContext returns a dial function that passes the address to the hook
// (if any) and then dials it with a connect timeout of timeout (0: none
// beyond ctx).
func DialContext(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h := hook.Load(); h != nil {
			if err := (*h)(network, addr); err != nil {
				return nil, &net.OpError{Op: "dial", Net: network, Err: err}
			}
		}
		return d.DialContext(ctx, network, addr)
	}
}

// Transport returns a new transport (a clone of http.DefaultTransport)
// that dials through [DialContext] with the given connect timeout. With
// proxy false it never uses a proxy: a metadata service is link-local, and
// a proxy from HTTP_PROXY must not receive its requests (nor the tokens
// they answer with).
func Transport(connectTimeout time.Duration, proxy bool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = DialContext(connectTimeout)
	if !proxy {
		t.Proxy = nil
	}
	return t
}

// Guard installs a hook that refuses every address whose host is not
// loopback (no packet is sent, no name is resolved) and records it. The
// returned function removes the hook and returns the refused addresses, in
// order. A TestMain calls Guard before m.Run and fails the suite when the
// list is not empty.
func Guard() (stop func() []string) {
	var (
		mu      sync.Mutex
		refused []string
	)
	restore := SetHook(func(network, addr string) error {
		if loopback.IsAddr(addr) {
			return nil
		}
		mu.Lock()
		refused = append(refused, network+" "+addr)
		mu.Unlock()
		return fmt.Errorf("chaindial: %s is not a loopback address: refused in tests", addr)
	})
	return func() []string {
		restore()
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), refused...)
	}
}
