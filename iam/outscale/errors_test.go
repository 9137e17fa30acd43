package outscale_test

import (
	"context"
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

func TestErrorSentinels(t *testing.T) {
	srv, clk := newEmulator(t)
	ctx := context.Background()
	root := rootClient(t, srv, clk, func(o *outscale.Options) { o.MaxAttempts = 1 })
	user := srv.AddUser("alice")
	alice := newClient(t, srv, clk, user.AccessKey, user.SecretKey)

	fault := func(code string, status int) func() error {
		return func() error {
			srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: code, Status: status})
			_, err := root.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
			return err
		}
	}
	tests := []struct {
		name   string
		call   func() error
		kind   error
		code   string
		status int
	}{
		{"throttled whole platform", fault("6", 0), iam.ErrThrottled, "6", 503},
		{"throttled per account", fault("24", 0), iam.ErrThrottled, "24", 429},
		{"throttled per call", fault("25", 0), iam.ErrThrottled, "25", 429},
		{"conflict", fault("9011", 409), iam.ErrAlreadyExists, "9011", 409},
		{"access keys not found", fault("4000", 400), iam.ErrNotFound, "4000", 400},
		{"no such key", func() error {
			return root.AccessKeys().Delete(ctx, "ABCDEFGHIJ0123456789")
		}, iam.ErrNotFound, "5027", 400},
		{"no such user", func() error {
			_, err := root.UserAccessKeys("nobody").List(ctx, outscale.ReadAccessKeysRequest{})
			return err
		}, iam.ErrNotFound, "5075", 400},
		{"EIM key must be inactive", func() error {
			return root.UserAccessKeys("alice").Delete(ctx, user.AccessKey)
		}, iam.ErrFailedPrecondition, "6000", 409},
		{"EIM user reads another user's keys", func() error {
			_, err := alice.UserAccessKeys("bob").List(ctx, outscale.ReadAccessKeysRequest{})
			return err
		}, iam.ErrPermissionDenied, "5", 401},
		{"EIM user changes the policy", func() error {
			_, err := alice.APIAccessPolicy().Update(ctx, outscale.UpdateAPIAccessPolicyRequest{})
			return err
		}, iam.ErrPermissionDenied, "5", 401},
		{"expiry beyond policy (server side)", func() error {
			srv.SetAPIAccessPolicy(3600)
			defer srv.SetAPIAccessPolicy(0)
			_, err := root.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{ExpirationDate: outscale.NewDate(t0.Add(2 * time.Hour))})
			return err
		}, iam.ErrInvalidArgument, "4047", 400},
		{"missing parameter", func() error {
			srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "7000", Status: 400})
			_, err := root.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
			return err
		}, iam.ErrInvalidArgument, "7000", 400},
		{"bad signature", func() error {
			c := newClient(t, srv, clk, srv.Root.AccessKey, iam.NewSecret(strings.Repeat("z", 40)))
			_, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
			return err
		}, iam.ErrUnauthenticated, "1", 401},
		{"unknown access key", func() error {
			c := newClient(t, srv, clk, "ZZZZZZZZZZZZZZZZZZZZ", iam.NewSecret(strings.Repeat("z", 40)))
			_, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
			return err
		}, iam.ErrUnauthenticated, "1", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *iam.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *iam.Error", err, err)
			}
			if !errors.Is(err, tt.kind) || e.Code != tt.code || e.HTTPStatus != tt.status {
				t.Errorf("err = %v; want kind %v, code %s, http %d", err, tt.kind, tt.code, tt.status)
			}
			if e.Provider != iam.Outscale || e.Op == "" || e.RequestID == "" || e.Message == "" {
				t.Errorf("incomplete error: %+v", e)
			}
		})
	}
}

// TestErrorBodies covers the fallbacks: problem+json, then raw text, with
// size limits and secret scrubbing.
func TestErrorBodies(t *testing.T) {
	const secret = "SECRETSECRETSECRETSECRETSECRETSECRET0000"
	tests := []struct {
		name        string
		contentType string
		status      int
		body        string
		kind        error
		wantMsg     string
	}{
		{"osc numeric code", "application/json", 400, `{"Errors":[{"Code":4078,"Type":"InvalidParameterValue","Details":"bad"}],"ResponseContext":{"RequestId":"r1"}}`, iam.ErrInvalidArgument, "InvalidParameterValue: bad"},
		{"problem+json", "application/problem+json", 404, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no key"}`, iam.ErrNotFound, "Not Found: no key"},
		{"raw text", "text/plain", 502, "bad gateway " + secret, iam.ErrUnavailable, "bad gateway REDACTED"},
		{"raw huge", "text/html", 500, strings.Repeat("x", 10000), iam.ErrUnavailable, "truncated"},
		{"empty", "", 403, "", iam.ErrPermissionDenied, "Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer hs.Close()
			c, err := outscale.New(func(o *outscale.Options) {
				o.Endpoint = hs.URL
				o.AccessKey, o.SecretKey = "AK", iam.NewSecret(secret)
				o.MaxAttempts = 1
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
			var e *iam.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.kind) || e.HTTPStatus != tt.status {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(e.Message, tt.wantMsg) || len(e.Message) > 600 || strings.Contains(err.Error(), secret) {
				t.Errorf("message %q (len %d)", redactForLog(e.Message), len(e.Message))
			}
		})
	}
}

func redactForLog(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func TestClientSideValidation(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	_, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{ExpirationDate: outscale.NewDate(t0.Add(-time.Minute))})
	if !errors.Is(err, iam.ErrInvalidArgument) || !strings.Contains(err.Error(), "ExpirationDate") {
		t.Errorf("past expiry: %v", err)
	}
	_, err = c.AccessKeys().Update(ctx, outscale.UpdateAccessKeyRequest{})
	if !errors.Is(err, iam.ErrInvalidArgument) || !strings.Contains(err.Error(), "ID (the access key ID) is required") {
		t.Errorf("update without id: %v", err)
	}
	err = c.AccessKeys().Delete(ctx, "")
	if !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("delete without id: %v", err)
	}
	if n := srv.Calls(""); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}
