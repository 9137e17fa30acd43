package nebius_test

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// Issue 11, item 13, for the gRPC exchange: a transport failure of
// TokenExchangeService/Exchange says its cause once, with the host, and
// matches ErrUnavailable (the HTTP exchangers' test is
// TestExchangeErrorsSayTheirCause in auth/internal/exchange).
func TestTokenExchangerTransportErrorsSayTheirCause(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.EnableHTTP2 = true                           // offer h2, so that the handshake gets as far as the certificate
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	refused := loopbacktest.Refused(t)
	for _, tc := range []struct {
		name, addr string
		plaintext  bool
		cause      string
	}{
		{"connection refused", refused, true, "connection refused"},
		{"untrusted TLS", tlsSrv.Listener.Addr().String(), false, "certificate signed by unknown authority"},
		{"gRPC to an HTTP/1 server", plain.Listener.Addr().String(), true, "looked like an HTTP/1.1 header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := nebius.NewTokenExchanger(func(o *nebius.Options) {
				o.TokenExchangeAddress, o.Plaintext, o.MaxAttempts = tc.addr, tc.plaintext, 1
			})
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			_, err = x.Exchange(ctxT(t), nebius.ExchangeRequest{SubjectToken: iam.NewSecret("a.b.c"), SubjectTokenType: nebius.TokenTypeJWT})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if n := strings.Count(msg, tc.cause); n != 1 {
				t.Errorf("%q says %q %d times, want once", msg, tc.cause, n)
			}
			if !strings.Contains(msg, tc.addr) {
				t.Errorf("%q does not name the address %s", msg, tc.addr)
			}
			if !errors.Is(err, iam.ErrUnavailable) {
				t.Errorf("%q does not match ErrUnavailable", msg)
			}
			if strings.Contains(msg, "a.b.c") {
				t.Errorf("%q holds the subject token", msg)
			}
		})
	}
}
