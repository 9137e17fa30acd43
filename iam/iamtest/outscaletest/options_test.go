package outscaletest_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestAddr: the emulator listens where Options.Addr says, on loopback
// only, and reports the address in Addr and URL.
func TestAddr(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "127.0.0.1", "[::]:0"} {
		srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Addr = bad })
		if err == nil {
			srv.Close()
			t.Errorf("Addr %q accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "outscaletest: option Addr") {
			t.Errorf("Addr %q: error %q does not name the option", bad, err)
		}
	}
	// A port taken by another listener is an error, not a panic.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Addr = l.Addr().String() }); err == nil {
		srv.Close()
		t.Errorf("Addr %s is in use, but New succeeded", l.Addr())
	}

	for _, good := range []string{"", "127.0.0.1:0", "localhost:0"} {
		srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Addr = good })
		if err != nil {
			t.Errorf("Addr %q: %v", good, err)
			continue
		}
		u, _ := url.Parse(srv.URL)
		if u.Host != srv.Addr || !strings.HasSuffix(srv.URL, "/api/v1") {
			t.Errorf("Addr %q: Addr %q, URL %q", good, srv.Addr, srv.URL)
		}
		c, err := outscale.New(srv.ClientOptions(srv.Root))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
			t.Errorf("Addr %q: %v", good, err)
		}
		srv.Close()
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for name, fn := range map[string]func(*outscaletest.Options){
		"MaxKeysPerUser":                func(o *outscaletest.Options) { o.MaxKeysPerUser = -1 },
		"MaxAccessKeyExpirationSeconds": func(o *outscaletest.Options) { o.MaxAccessKeyExpirationSeconds = -1 },
	} {
		if srv, err := outscaletest.New(fn); err == nil || !strings.Contains(err.Error(), name) {
			if srv != nil {
				srv.Close()
			}
			t.Errorf("%s negative: err = %v", name, err)
		}
	}
	// Nil option functions are skipped.
	srv, err := outscaletest.New(nil, func(o *outscaletest.Options) { o.Region = "us-east-2" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}

// TestClientOptions: the options the emulator hands out reach it over
// TLS, with its clock (a fake one here, far from the real time, which the
// signature check would refuse otherwise), in its region, with an access
// key or with login and password.
func TestClientOptions(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	srv := newServer(t, func(o *outscaletest.Options) {
		o.Clock, o.TLS, o.Region, o.StrictScope = clk, true, "us-east-2", true
		o.Password = iam.NewSecret("root-password-123")
	})
	defer srv.Close()
	ctx := context.Background()

	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatalf("access key over TLS: %v", err)
	}
	basic := srv.Root
	basic.AccessKey, basic.SecretKey = "", iam.Secret{}
	b, err := outscale.New(srv.ClientOptions(basic))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatalf("login/password over TLS: %v", err)
	}
	rs := srv.Requests()
	if len(rs) != 2 || rs[0].Auth != "AWS4-HMAC-SHA256" || rs[0].Region != "us-east-2" || rs[0].Date != "20260318T100000Z" || rs[1].Auth != "Basic" {
		t.Errorf("requests %+v", rs)
	}
	// Options after it win.
	wrong, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) { o.SecretKey = iam.NewSecret(strings.Repeat("x", 40)) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Errorf("overridden secret: %v", err)
	}
}

// TestCalls counts per call, faults included, and all calls for "".
func TestCalls(t *testing.T) {
	srv := newServer(t)
	defer srv.Close()
	c, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) { o.BaseDelay = 1 })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "6", Match: "ReadAccessKeys"})
	if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIAccessPolicy().Get(ctx); err != nil {
		t.Fatal(err)
	}
	if got := [3]int{srv.Calls("ReadAccessKeys"), srv.Calls("ReadApiAccessPolicy"), srv.Calls("")}; got != [3]int{2, 1, 3} {
		t.Errorf("Calls = %v, want [2 1 3]", got)
	}
	srv.ResetRequests()
	if n := srv.Calls(""); n != 0 {
		t.Errorf("after ResetRequests: %d", n)
	}
}
