package dialerr

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

func TestIsRealFailures(t *testing.T) {
	client := func(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
		tr := &http.Transport{DialContext: dial}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: 5 * time.Second}
	}
	var d net.Dialer
	// A resolver that cannot reach any DNS server: the dial fails in the
	// lookup, as a name that does not resolve does.
	noDNS := &net.Dialer{Resolver: &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server here")
	}}}

	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer reset.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsSrv.Close()

	for _, tt := range []struct {
		name string
		hc   *http.Client
		url  string
		want bool
	}{
		{"connection refused", client(d.DialContext), "http://" + loopbacktest.Refused(t) + "/", true},
		{"name does not resolve", client(noDNS.DialContext), "http://iam.example.test/", true},
		{"reset after sending", client(d.DialContext), reset.URL, false},
		{"untrusted certificate", client(d.DialContext), tlsSrv.URL, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.hc.Get(tt.url)
			if err == nil {
				resp.Body.Close()
				t.Fatal("request succeeded")
			}
			if got := Is(err); got != tt.want {
				t.Errorf("Is(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

func TestIsSynthetic(t *testing.T) {
	notFound := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"DNS not found", notFound, true},
		{"DNS not found in url.Error", &url.Error{Op: "Post", URL: "https://x.example/", Err: notFound}, true},
		{"DNS not found wrapped", fmt.Errorf("httpx Op: POST https://x.example/: %w", notFound), true},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, true},
		{"proxy unreachable", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"read reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, false},
		{"write broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: errors.New("broken pipe")}, false},
		{"bare DNS error", &net.DNSError{IsNotFound: true}, false},
		{"tls", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, false},
		{"context", context.Canceled, false},
		{"nil", nil, false},
	} {
		if got := Is(tt.err); got != tt.want {
			t.Errorf("%s: Is(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
