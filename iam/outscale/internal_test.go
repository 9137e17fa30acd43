package outscale

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
)

func TestEmptyBodyHash(t *testing.T) {
	sum := sha256.Sum256(emptyBody)
	if got := hex.EncodeToString(sum[:]); got != emptyBodyHash {
		t.Fatalf("emptyBodyHash = %s, want %s", emptyBodyHash, got)
	}
}

func TestPlainPath(t *testing.T) {
	for base, want := range map[string]bool{
		"https://api.eu-west-2.outscale.com/api/v1": true,
		"http://127.0.0.1:1234/api/v1":              true,
		"https://proxy.example/osc%20api/v1":        false,
		"https://proxy.example/a+b/api/v1":          false,
	} {
		if got := plainPath(base); got != want {
			t.Errorf("plainPath(%q) = %v", base, got)
		}
	}
}

// TestNormalizeEndpointCleansPath: the endpoint's path loses its dot and
// empty segments, so that the path the client sends and signs is the one a
// server that normalizes paths before checking signatures computes too
// (the "-normalized" cases of the SigV4 suite).
func TestNormalizeEndpointCleansPath(t *testing.T) {
	for in, want := range map[string]string{
		"https://h//api//v1/":           "https://h/api/v1",
		"https://h/x/../api/v1":         "https://h/api/v1",
		"https://h/./api/./v1/.":        "https://h/api/v1",
		"h/api/v1":                      "https://h/api/v1",
		"https://h":                     "https://h/api/v1",
		"https://h//":                   "https://h/api/v1",
		"https://h/..":                  "https://h/api/v1",
		"http://127.0.0.1:1/osc%20api/": "http://127.0.0.1:1/osc%20api",
	} {
		got, err := NormalizeEndpoint(in, "")
		if err != nil || got != want {
			t.Errorf("NormalizeEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestEndpointErrorsHideUserInfo(t *testing.T) {
	for _, e := range []string{"ftp://user:hunter2@example.com", "https://user:hunter2@[::1", "user:hunter2@%zz"} {
		_, err := NormalizeEndpoint(e, "")
		if err == nil {
			t.Fatalf("%q: want an error", e)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("%q: error shows the password: %v", e, err)
		}
	}
}

func TestBasicAuthRefusedOverPlainHTTP(t *testing.T) {
	if err := checkBasicAuthTransport("http://api.eu-west-2.outscale.com/api/v1"); err == nil {
		t.Fatal("plain http to a remote host: want an error")
	}
	for _, ok := range []string{"https://api.eu-west-2.outscale.com/api/v1", "http://127.0.0.1:8080/api/v1", "http://localhost/api/v1", "http://[::1]:1/api/v1"} {
		if err := checkBasicAuthTransport(ok); err != nil {
			t.Fatalf("%s: %v", ok, err)
		}
	}
	_, err := New(func(o *Options) {
		o.Endpoint = "http://api.eu-west-2.outscale.com/api/v1"
		o.Login, o.Password = "me@example.com", iam.NewSecret("pw")
	})
	if err == nil || !strings.Contains(err.Error(), "in clear") {
		t.Fatalf("New with login over http: %v", err)
	}
}

// failingSigner is a signer whose credentials cannot sign.
type failingSigner struct{}

func (failingSigner) sign(*http.Request, string, time.Time) error {
	return errors.New("credentials cannot sign")
}

// TestSigningFailureIsUnauthenticated: when the credentials cannot sign a
// request, the call fails with iam.ErrUnauthenticated (the sentinel the
// other clients give when their token source fails), with the cause, and
// nothing is sent.
func TestSigningFailureIsUnauthenticated(t *testing.T) {
	var hits atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer hs.Close()
	c, err := New(func(o *Options) {
		o.Endpoint, o.AccessKey, o.SecretKey = hs.URL, "AK", iam.NewSecret("SK")
	})
	if err != nil {
		t.Fatal(err)
	}
	c.signer = failingSigner{}
	_, err = c.AccessKeys().List(context.Background(), ReadAccessKeysRequest{})
	var e *iam.Error
	if !errors.As(err, &e) || !errors.Is(err, iam.ErrUnauthenticated) || errors.Is(err, iam.ErrUnavailable) ||
		!strings.Contains(err.Error(), "credentials cannot sign") {
		t.Fatalf("err = %v, want *iam.Error matching ErrUnauthenticated with the cause", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
