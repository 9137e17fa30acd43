package outscale_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// Issue 12, parity with nebius.Options.AttemptTimeout: a stalled server
// holds each attempt AttemptTimeout at most; a read is retried after it,
// and the call ends with ErrUnavailable without the caller's context.
func TestStalledServerCallEnds(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk, func(o *outscale.Options) {
		o.AttemptTimeout = 50 * time.Millisecond
		o.MaxAttempts = 3
	})
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "ReadAccessKeys", Times: -1})
	errc := make(chan error, 1)
	go func() {
		_, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(20 * time.Second):
		t.Fatal("the call on a stalled server is still blocked after 20s")
	}
	if !errors.Is(err, iam.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable (and not the caller's deadline)", err)
	}
	if !strings.Contains(err.Error(), "attempt timeout of 50ms") {
		t.Errorf("err %q does not say the attempt timed out", err)
	}
	if n := srv.Calls("ReadAccessKeys"); n != 3 {
		t.Errorf("calls = %d, want 3 (each timed-out attempt of a read retried)", n)
	}
}

// A negative AttemptTimeout leaves the caller's context alone to bound a
// call.
func TestAttemptTimeoutCanBeDisabled(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk, func(o *outscale.Options) { o.AttemptTimeout = -1; o.MaxAttempts = 1 })
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "ReadAccessKeys"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "attempt timeout") {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
}

// The default attempt timeout is httpx's 30s, also with a client
// certificate or RootCAs (the client's own TLS transport), and an
// HTTPClient's own Timeout is the bound when AttemptTimeout is unset.
func TestAttemptTimeoutDefaults(t *testing.T) {
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stall.Close()
	defer close(release)
	newC := func(optFns ...func(*outscale.Options)) *outscale.Client {
		c, err := outscale.New(append([]func(*outscale.Options){func(o *outscale.Options) {
			o.Endpoint, o.Region = stall.URL, "eu-west-2"
			o.AccessKey, o.SecretKey = "AKIDSTALL", iam.NewSecret("stall-secret")
			o.MaxAttempts = 1
		}}, optFns...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := newC(func(o *outscale.Options) { o.HTTPClient = &http.Client{Timeout: 40 * time.Millisecond} })
	_, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
	if err == nil || !strings.Contains(err.Error(), "attempt timeout of 40ms") {
		t.Errorf("HTTPClient.Timeout 40ms: err = %v, want the attempt timeout of 40ms", err)
	}
	c = newC(func(o *outscale.Options) {
		o.HTTPClient = &http.Client{Timeout: time.Hour}
		o.AttemptTimeout = 30 * time.Millisecond
	})
	_, err = c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
	if err == nil || !strings.Contains(err.Error(), "attempt timeout of 30ms") {
		t.Errorf("AttemptTimeout over HTTPClient.Timeout: err = %v, want the attempt timeout of 30ms", err)
	}
	// The default: the caller's deadline (100ms) comes first, and the
	// error is the caller's, not an attempt timeout shorter than 30s.
	for name, fn := range map[string]func(*outscale.Options){
		"default client":   nil,
		"own TLS settings": func(o *outscale.Options) { o.RootCAs = x509.NewCertPool() },
	} {
		c = newC(fn)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err = c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "attempt timeout") {
			t.Errorf("%s: err = %v, want the caller's deadline", name, err)
		}
	}
}
