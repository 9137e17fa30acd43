package nebiustest_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// TestAddr: the emulator listens where Options.Addr says, on loopback
// only, and reports the address in Addr and URL; an address in use is an
// error, not a panic.
func TestAddr(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.com:0", "no-port", ":0"} {
		srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Addr = bad })
		if err == nil {
			srv.Close()
			t.Errorf("Addr %q accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "nebiustest: option Addr") {
			t.Errorf("Addr %q: error %q does not name the option", bad, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Addr = l.Addr().String() }); err == nil {
		srv.Close()
		t.Errorf("Addr %s is in use, but New succeeded", l.Addr())
	}
	for _, good := range []string{"", "127.0.0.1:0", "localhost:0", "[::1]:0"} {
		srv, err := nebiustest.New(nil, func(o *nebiustest.Options) { o.Addr = good })
		if err != nil {
			if good == "[::1]:0" && strings.Contains(err.Error(), "listen") {
				continue // no IPv6 loopback on this machine
			}
			t.Errorf("Addr %q: %v", good, err)
			continue
		}
		if srv.URL != "dns:///"+srv.Addr || !strings.Contains(srv.Addr, ":") || strings.HasSuffix(srv.Addr, ":0") {
			t.Errorf("Addr %q: Addr %q, URL %q", good, srv.Addr, srv.URL)
		}
		srv.Close()
	}
	for name, fn := range map[string]func(*nebiustest.Options){
		"AsyncPolls":      func(o *nebiustest.Options) { o.AsyncPolls = -1 },
		"DefaultPageSize": func(o *nebiustest.Options) { o.DefaultPageSize = -1 },
	} {
		if srv, err := nebiustest.New(fn); err == nil || !strings.Contains(err.Error(), "option "+name) {
			if srv != nil {
				srv.Close()
			}
			t.Errorf("negative %s: %v", name, err)
		}
	}
}

// TestClientOptions: the options the emulator hands out reach it (address,
// plaintext) and carry its clock, so that the client checks expiries on
// the emulator's time.
func TestClientOptions(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(sa.ID, time.Hour)}),
		srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Address() != srv.Addr {
		t.Fatalf("client address %q, emulator %q", c.Address(), srv.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// An expiry an hour after the emulator's time is in the future for the
	// client too (in the past on the real clock).
	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID), ExpiresAt: clk.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !k.ExpiresAt.Equal(clk.Now().Add(time.Hour)) || srv.Calls("AccessKeyService/Create") != 1 {
		t.Fatalf("Create = %+v", k)
	}
}

// TestOptionsOutOfRange: every field New cannot honour is refused, naming
// it: a DefaultPageSize above the service's maximum page size (1000), a
// negative TokenLifetime, a Domain that is not a DNS name or has no TLS.
func TestOptionsOutOfRange(t *testing.T) {
	for want, fn := range map[string]func(*nebiustest.Options){
		"option DefaultPageSize 1001": func(o *nebiustest.Options) { o.DefaultPageSize = 1001 },
		"option TokenLifetime":        func(o *nebiustest.Options) { o.TokenLifetime = -time.Second },
		"option Domain \"a:1\"":       func(o *nebiustest.Options) { o.TLS, o.Domain = true, "a:1" },
		"needs TLS":                   func(o *nebiustest.Options) { o.Domain = "nebius.test" },
	} {
		if srv, err := nebiustest.New(fn); err == nil || !strings.Contains(err.Error(), want) {
			if srv != nil {
				srv.Close()
			}
			t.Errorf("%s: err = %v", want, err)
		}
	}
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.DefaultPageSize = 1000 })
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}
