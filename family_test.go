package iamkit_test

import (
	"context"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// emulator is one member of the emulator family, started on addr.
type emulator struct {
	name  string
	start func(addr string) (srv any, closeFn func(), err error)
}

// emulators are every emulator iamkit ships: the token servers, S3, the
// three API emulators and the two metadata servers.
var emulators = []emulator{
	{"iamtest.NebiusTokenServer", func(addr string) (any, func(), error) {
		s, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Addr = addr })
		return closer(s, err)
	}},
	{"iamtest.YandexTokenServer", func(addr string) (any, func(), error) {
		s, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Addr = addr })
		return closer(s, err)
	}},
	{"iamtest.S3Server", func(addr string) (any, func(), error) {
		s, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Addr = addr })
		return closer(s, err)
	}},
	{"iamtest.NebiusMetadataServer", func(addr string) (any, func(), error) {
		s, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) { o.Addr = addr })
		return closer(s, err)
	}},
	{"iamtest.YandexMetadataServer", func(addr string) (any, func(), error) {
		s, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Addr = addr })
		return closer(s, err)
	}},
	{"nebiustest.Server", func(addr string) (any, func(), error) {
		s, err := nebiustest.New(func(o *nebiustest.Options) { o.Addr = addr })
		return closer(s, err)
	}},
	{"yandextest.Server", func(addr string) (any, func(), error) {
		s, err := yandextest.New(func(o *yandextest.Options) { o.Addr = addr })
		return closer(s, err)
	}},
	{"outscaletest.Server", func(addr string) (any, func(), error) {
		s, err := outscaletest.New(func(o *outscaletest.Options) { o.Addr = addr })
		return closer(s, err)
	}},
}

// closer returns s with its Close as a func, or the constructor's error.
func closer[S interface{ Close() }](s S, err error) (any, func(), error) {
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// accessors returns the server's URL and Addr, read from the fields every
// member of the family has, failing t if the server names them otherwise
// or lacks the family's Calls and Close methods.
func accessors(t *testing.T, srv any) (u, addr string) {
	t.Helper()
	v := reflect.ValueOf(srv)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("%T: want a pointer to a server struct", srv)
	}
	for _, name := range []string{"URL", "Addr"} {
		f, ok := v.Elem().Type().FieldByName(name)
		if !ok || f.Type.Kind() != reflect.String || !f.IsExported() {
			t.Errorf("%T has no string field %s, the family's accessor", srv, name)
		}
		if _, ok := v.Type().MethodByName(name); ok {
			t.Errorf("%T has a method %s besides the field: one accessor form in the family", srv, name)
		}
	}
	for name, want := range map[string]reflect.Type{
		"Calls": reflect.TypeFor[func(string) int](),
		"Close": reflect.TypeFor[func()](),
	} {
		if m := v.MethodByName(name); !m.IsValid() || m.Type() != want {
			t.Errorf("%T has no method %s %v, the family's introspection", srv, name, want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return v.Elem().FieldByName("URL").String(), v.Elem().FieldByName("Addr").String()
}

// TestEmulatorFamily checks what every emulator shares: the Addr option
// (default and ":0" a free port on 127.0.0.1, a fixed loopback port
// listened on and reported as it is, a non-loopback or malformed address
// refused with an error naming the option), URL and Addr fields that say
// where it listens, and a Close after which none of its goroutines is
// left, also after it served a connection.
func TestEmulatorFamily(t *testing.T) {
	for _, e := range emulators {
		t.Run(e.name, func(t *testing.T) {
			for _, addr := range []string{"", "127.0.0.1:0"} {
				srv, closeFn, err := e.start(addr)
				if err != nil {
					t.Fatalf("Addr %q: %v", addr, err)
				}
				u, a := accessors(t, srv)
				closeFn()
				if host, port, _ := net.SplitHostPort(a); host != "127.0.0.1" || port == "0" || port == "" || !strings.Contains(u, a) {
					t.Errorf("Addr %q: URL %q, Addr %q; want a free port on 127.0.0.1 in both", addr, u, a)
				}
			}

			fixed := loopbacktest.Free(t)
			srv, closeFn, err := e.start(fixed)
			if err != nil {
				t.Fatalf("Addr %s: %v", fixed, err)
			}
			if u, a := accessors(t, srv); a != fixed || !strings.Contains(u, fixed) {
				t.Errorf("Addr %s: URL %q, Addr %q", fixed, u, a)
			}
			closeFn()

			for _, other := range []string{"localhost:0", "[::1]:0"} {
				srv, closeFn, err := e.start(other)
				if err != nil {
					if other == "[::1]:0" && strings.Contains(err.Error(), "listen") {
						continue // no IPv6 loopback on this machine
					}
					t.Errorf("Addr %q: %v", other, err)
					continue
				}
				if u, a := accessors(t, srv); !loopbackHostPort(a) || !strings.Contains(u, a) {
					t.Errorf("Addr %q: URL %q, Addr %q; want the loopback address listened on", other, u, a)
				}
				closeFn()
				closeFn() // a second Close is harmless
			}

			// Refused by the one loopback rule (internal/loopback), in its words.
			for bad, words := range map[string]string{
				"0.0.0.0:0":   `host "0.0.0.0" is not a loopback address`,
				":0":          `host "" is not a loopback address`,
				"192.0.2.1:0": `host "192.0.2.1" is not a loopback address`,
				"127.0.0.1":   `want host:port`,
			} {
				if _, closeFn, err := e.start(bad); err == nil {
					closeFn()
					t.Errorf("Addr %q accepted", bad)
				} else if !strings.Contains(err.Error(), "option Addr") || !strings.Contains(err.Error(), words) {
					t.Errorf("Addr %q: error %q does not name the option and say %q", bad, err, words)
				}
			}
		})
	}
}

// TestEmulatorFamilyCloseLeavesNoGoroutine starts each emulator, makes it
// serve one connection, and checks that Close leaves none of its
// goroutines (listener, connection handlers, timers).
func TestEmulatorFamilyCloseLeavesNoGoroutine(t *testing.T) {
	for _, e := range emulators {
		t.Run(e.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			srv, closeFn, err := e.start("")
			if err != nil {
				t.Fatal(err)
			}
			_, a := accessors(t, srv)
			tr := &http.Transport{}
			hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a+"/", nil)
			if resp, err := hc.Do(req); err == nil {
				_ = resp.Body.Close()
			}
			cancel()
			closeFn()
			tr.CloseIdleConnections()
			goleak.VerifyNone(t, ignore)
		})
	}
}

// loopbackHostPort reports whether a is a host:port on 127.0.0.1 or ::1
// with a port chosen (not 0).
func loopbackHostPort(a string) bool {
	host, port, err := net.SplitHostPort(a)
	return err == nil && (host == "127.0.0.1" || host == "::1") && port != "0" && port != ""
}
