package nebius_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

func TestErrorSentinels(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now())
	e := newEnv(t, func(o *nebiustest.Options) {
		o.Clock = clk
		o.Authorize = func(subject, method string) bool { return method != "AccessKeyService/DeleteByAwsId" }
	}, func(o *nebius.Options) { o.Clock = clk; o.MaxAttempts = 1 })
	ctx := ctxT(t)
	aks, apk := e.client.AccessKeys(), e.client.AuthPublicKeys()
	expiring, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID), ExpiresAt: clk.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aks.Deactivate(ctx, expiring.ID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	data := publicPEM(t, testKeys[1])
	if _, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{Account: nebius.ServiceAccount(e.sa.ID), Data: data}); err != nil {
		t.Fatal(err)
	}
	unauth, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "v1.bogus"}),
		e.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer unauth.Close()

	for _, tc := range []struct {
		name     string
		call     func() error
		kind     error
		code     codes.Code
		resource string
	}{
		{"not found", func() error { _, err := aks.Get(ctx, "accesskey-missing"); return err },
			iam.ErrNotFound, codes.NotFound, "accesskey-missing"},
		{"already exists", func() error {
			_, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{Account: nebius.ServiceAccount(e.sa.ID), Data: data})
			return err
		}, iam.ErrAlreadyExists, codes.AlreadyExists, "publickey-"},
		{"permission denied", func() error { return aks.DeleteByAwsID(ctx, expiring.AccessKeyID) },
			iam.ErrPermissionDenied, codes.PermissionDenied, e.sa.ID},
		{"unauthenticated", func() error { _, err := unauth.AccessKeys().Get(ctx, "accesskey-x"); return err },
			iam.ErrUnauthenticated, codes.Unauthenticated, ""},
		{"throttled", func() error {
			e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429, Match: "AccessKeyService/List"})
			_, err := aks.ListPage(ctx, nebius.ListRequest{})
			return err
		}, iam.ErrThrottled, codes.ResourceExhausted, ""},
		{"invalid argument (server)", func() error { _, err := aks.ListPage(ctx, nebius.ListRequest{PageToken: "nope"}); return err },
			iam.ErrInvalidArgument, codes.InvalidArgument, ""},
		{"failed precondition", func() error { _, err := aks.Activate(ctx, expiring.ID); return err },
			iam.ErrFailedPrecondition, codes.FailedPrecondition, expiring.ID},
		{"unavailable", func() error {
			e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: "AccessKeyService/Get"})
			_, err := aks.Get(ctx, expiring.ID)
			return err
		}, iam.ErrUnavailable, codes.Unavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ie *iam.Error
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want *iam.Error", err, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
			if ie.Provider != iam.Nebius || codes.Code(ie.GRPCCode) != tc.code || ie.Op == "" || ie.Message == "" {
				t.Errorf("err = %+v", ie)
			}
			if !strings.HasPrefix(ie.RequestID, "emu-req-") {
				t.Errorf("RequestID = %q", ie.RequestID)
			}
			if tc.resource != "" && !strings.HasPrefix(ie.ResourceID, tc.resource) {
				t.Errorf("ResourceID = %q, want %q…", ie.ResourceID, tc.resource)
			}
			if tc.code != codes.Unauthenticated && ie.Code == "" {
				t.Errorf("no ServiceError code in %+v", ie)
			}
			if strings.Contains(err.Error(), e.token) || strings.Contains(fmt.Sprintf("%+v", ie), e.token) {
				t.Fatal("token in error text")
			}
		})
	}
}

// TestBadInputBeforeAnyCall checks that bad requests fail with a clear
// iam.ErrInvalidArgument and never reach the service.
func TestBadInputBeforeAnyCall(t *testing.T) {
	e := newEnv(t, nil)
	noProject, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.token}),
		e.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer noProject.Close()
	ctx := ctxT(t)
	aks, apk := e.client.AccessKeys(), e.client.AuthPublicKeys()
	sa := nebius.ServiceAccount(e.sa.ID)
	past := time.Now().Add(-time.Minute)
	privDER := "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"create: no project", func() error {
			_, err := noProject.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: sa})
			return err
		}, "ParentID is empty"},
		{"create: no account", func() error { _, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{}); return err }, "Account is required"},
		{"create: account without ID", func() error {
			_, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount("")})
			return err
		}, "account ID is empty"},
		{"create: expiry in the past", func() error {
			_, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: sa, ExpiresAt: past})
			return err
		}, "is not in the future"},
		{"create: unknown delivery mode", func() error {
			_, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: sa, SecretDeliveryMode: "EMAIL"})
			return err
		}, `unknown secret delivery mode "EMAIL"`},
		{"get: empty ID", func() error { _, err := aks.Get(ctx, ""); return err }, "ID is empty"},
		{"get by aws id: empty", func() error { _, err := aks.GetByAwsID(ctx, ""); return err }, "AWS access key ID is empty"},
		{"get secret: empty", func() error { _, err := aks.GetSecret(ctx, ""); return err }, "ID is empty"},
		{"delete: empty", func() error { return aks.Delete(ctx, "") }, "ID is empty"},
		{"activate: empty", func() error { _, err := aks.Activate(ctx, ""); return err }, "ID is empty"},
		{"deactivate: empty", func() error { _, err := aks.Deactivate(ctx, ""); return err }, "ID is empty"},
		{"delete by aws: empty", func() error { return aks.DeleteByAwsID(ctx, "") }, "AWS access key ID is empty"},
		{"activate by aws: empty", func() error { _, err := aks.ActivateByAwsID(ctx, ""); return err }, "AWS access key ID is empty"},
		{"deactivate by aws: empty", func() error { _, err := aks.DeactivateByAwsID(ctx, ""); return err }, "AWS access key ID is empty"},
		{"update: empty", func() error { _, err := aks.Update(ctx, nebius.UpdateAccessKeyRequest{}); return err }, "ID is empty"},
		{"list: no project", func() error { _, err := noProject.AccessKeys().ListPage(ctx, nebius.ListRequest{}); return err }, "ParentID is empty"},
		{"list: negative page", func() error { _, err := aks.ListPage(ctx, nebius.ListRequest{PageSize: -1}); return err }, "PageSize is negative"},
		{"list by account: no account", func() error {
			_, err := aks.ListByAccountPage(ctx, nebius.ListByAccountRequest{})
			return err
		}, "Account is required"},
		{"list iterator: no project", func() error {
			for _, err := range noProject.AccessKeys().List(ctx, nebius.ListRequest{}) {
				return err
			}
			return nil
		}, "ParentID is empty"},
		{"public key: no data", func() error {
			_, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{Account: sa})
			return err
		}, "Data (the public key PEM) is empty"},
		{"public key: a private key", func() error {
			_, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{Account: sa, Data: privDER})
			return err
		}, "never upload a private key"},
		{"public key: expiry in the past", func() error {
			_, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{Account: sa, Data: publicPEM(t, testKeys[2]), ExpiresAt: past})
			return err
		}, "is not in the future"},
		{"public key: get empty", func() error { _, err := apk.Get(ctx, ""); return err }, "ID is empty"},
		{"public key: update empty", func() error { _, err := apk.Update(ctx, nebius.UpdateAuthPublicKeyRequest{}); return err }, "ID is empty"},
		{"public key: delete empty", func() error { return apk.Delete(ctx, "") }, "ID is empty"},
		{"public key: list no account", func() error {
			_, err := apk.ListByAccountPage(ctx, nebius.ListByAccountRequest{Account: nebius.Account{Type: "robot"}})
			return err
		}, `unknown account type "robot"`},
		{"operation: empty", func() error { _, err := e.client.Operations().Get(ctx, ""); return err }, "operation ID is empty"},
		{"bootstrap: no SA", func() error {
			_, err := apk.Bootstrap(ctx, nebius.BootstrapRequest{})
			return err
		}, "ServiceAccountID is empty"},
		{"bootstrap: small key", func() error {
			_, err := apk.Bootstrap(ctx, nebius.BootstrapRequest{ServiceAccountID: e.sa.ID, KeyBits: 1024})
			return err
		}, "KeyBits 1024 is below 2048"},
		{"bootstrap: existing file", func() error {
			_, err := apk.Bootstrap(ctx, nebius.BootstrapRequest{ServiceAccountID: e.sa.ID, CredentialsPath: "errors_test.go"})
			return err
		}, "exists (set Overwrite to replace it)"},
		{"bootstrap: missing dir", func() error {
			_, err := apk.Bootstrap(ctx, nebius.BootstrapRequest{ServiceAccountID: e.sa.ID, CredentialsPath: "/nonexistent/dir/creds.json"})
			return err
		}, "directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, iam.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want invalid argument containing %q", err, tc.want)
			}
		})
	}
	// None of the above reached the emulator.
	total := 0
	for _, m := range []string{"Create", "Get", "GetSecret", "List", "ListByAccount", "Update", "Delete", "Activate", "Deactivate", "GetByAwsId", "DeleteByAwsId", "ActivateByAwsId", "DeactivateByAwsId"} {
		total += e.srv.Calls("AccessKeyService/"+m) + e.srv.Calls("AuthPublicKeyService/"+m) + e.srv.Calls("OperationService/"+m)
	}
	if total != 0 {
		t.Fatalf("%d calls reached the service", total)
	}
}

func TestNewValidation(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})
	for _, tc := range []struct {
		name string
		ts   oauth2.TokenSource
		opt  func(*nebius.Options)
		want string
	}{
		{"no token source", nil, func(*nebius.Options) {}, "a token source is required"},
		{"plaintext to a remote host", ts, func(o *nebius.Options) { o.Plaintext = true }, "plaintext is allowed only for loopback"},
		{"plaintext to a LAN host", ts, func(o *nebius.Options) { o.Plaintext = true; o.Address = "10.0.0.1:443" }, "plaintext is allowed only for loopback"},
		{"bad address", ts, func(o *nebius.Options) { o.Address = "no-port" }, "must be host:port"},
		{"bad domain", ts, func(o *nebius.Options) { o.Domain = "a b" }, "option Domain \"a b\" is not an API domain"},
		{"negative attempts", ts, func(o *nebius.Options) { o.MaxAttempts = -1 }, "option MaxAttempts -1 is negative"},
		{"negative base delay", ts, func(o *nebius.Options) { o.BaseDelay = -1 }, "option BaseDelay"},
		{"negative max delay", ts, func(o *nebius.Options) { o.MaxDelay = -1 }, "option MaxDelay"},
		{"negative poll interval", ts, func(o *nebius.Options) { o.PollInterval = -1 }, "option PollInterval"},
		{"negative max poll interval", ts, func(o *nebius.Options) { o.MaxPollInterval = -1 }, "option MaxPollInterval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := nebius.New(tc.ts, tc.opt)
			if err == nil {
				c.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestNilOptionFunctionsSkipped: nil option functions are skipped by New
// and NewKeyManager, as by every iamkit constructor.
func TestNilOptionFunctionsSkipped(t *testing.T) {
	e := newEnv(t, nil)
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.token}), nil, e.srv.ClientOptions(), nil,
		func(o *nebius.Options) { o.ProjectID = e.sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := nebius.NewKeyManager(c, nebius.ServiceAccount(e.sa.ID), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessKeys().ListPage(ctxT(t), nebius.ListRequest{}); err != nil {
		t.Fatal(err)
	}
}

// failingSource is a token source that cannot get a token.
type failingSource struct{ err error }

func (f failingSource) Token() (*oauth2.Token, error) { return nil, f.err }

// TestTokenSourceFailure: a token source that fails gives an *iam.Error of
// kind iam.ErrUnauthenticated that wraps the source's error (and its own
// kind), as in every iamkit client, and no call is made.
func TestTokenSourceFailure(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		err  error
		also error
	}{
		{errors.New("exchange refused"), nil},
		{&iam.Error{Provider: iam.Nebius, Op: "token exchange", Kind: iam.ErrUnavailable, Message: "503"}, iam.ErrUnavailable},
	} {
		c, err := nebius.New(failingSource{tc.err}, e.srv.ClientOptions())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AccessKeys().Get(ctxT(t), "accesskey-x")
		c.Close()
		var ie *iam.Error
		if !errors.As(err, &ie) || ie.Kind != iam.ErrUnauthenticated || !errors.Is(err, iam.ErrUnauthenticated) ||
			!errors.Is(err, tc.err) || !strings.Contains(err.Error(), "could not get an access token") {
			t.Errorf("err = %v (kind %v), want kind %v wrapping %v", err, ie.Kind, iam.ErrUnauthenticated, tc.err)
		}
		if tc.also != nil && !errors.Is(err, tc.also) {
			t.Errorf("err = %v does not match the cause's kind %v", err, tc.also)
		}
	}
	if n := e.srv.Calls("AccessKeyService/Get"); n != 0 {
		t.Fatalf("%d calls made without a token", n)
	}
}
