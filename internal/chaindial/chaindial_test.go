package chaindial

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHookSeesAndRefusesBeforeDialling(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var (
		mu   sync.Mutex
		seen []string
	)
	refused := errors.New("refused by the test")
	restore := SetHook(func(network, addr string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, network+" "+addr)
		if addr == "metadata.invalid:80" {
			return refused
		}
		return nil
	})
	defer restore()

	dial := DialContext(time.Second)
	c, err := dial(context.Background(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// A refused address is never looked up: the error is the hook's, not
	// a DNS error for the .invalid name.
	_, err = dial(context.Background(), "tcp", "metadata.invalid:80")
	if !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the hook's refusal", err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		t.Fatalf("the name was resolved: %v", err)
	}
	want := []string{"tcp " + srv.Listener.Addr().String(), "tcp metadata.invalid:80"}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("hook saw %q, want %q", seen, want)
	}

	restore()
	restore = func() {}
	if hook.Load() != nil {
		t.Fatal("restore did not remove the hook")
	}
}

func TestTransportProxy(t *testing.T) {
	if Transport(time.Second, false).Proxy != nil {
		t.Fatal("a transport without proxy has a Proxy function")
	}
	if Transport(time.Second, true).Proxy == nil {
		t.Fatal("a transport with proxy has no Proxy function")
	}
	// The transport dials through the hook.
	var n int
	restore := SetHook(func(string, string) error { n++; return errors.New("no") })
	defer restore()
	c := &http.Client{Transport: Transport(time.Second, false)}
	if _, err := c.Get("http://127.0.0.1:1/"); err == nil || n != 1 {
		t.Fatalf("err %v, hook calls %d; want an error and 1", err, n)
	}
}

func TestGuardRefusesAndRecordsNonLoopback(t *testing.T) {
	stop := Guard()
	dial := DialContext(time.Second)
	for _, addr := range []string{"169.254.169.254:80", "metadata.nebius.internal:80"} {
		if _, err := dial(context.Background(), "tcp", addr); err == nil || !strings.Contains(err.Error(), "refused in tests") {
			t.Fatalf("%s: err = %v, want the guard's refusal", addr, err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c, err := dial(context.Background(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("loopback refused: %v", err)
	}
	c.Close()
	got := stop()
	if want := []string{"tcp 169.254.169.254:80", "tcp metadata.nebius.internal:80"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("refused %q, want %q", got, want)
	}
	if hook.Load() != nil {
		t.Fatal("stop left the hook installed")
	}
}
