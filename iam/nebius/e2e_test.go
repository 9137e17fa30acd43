package nebius_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// TestEndToEnd runs the whole flow on the emulators: a service account's
// credentials → signed JWT → token exchange → CRUD; then Bootstrap uploads
// a new key, and the token source it returns works too.
func TestEndToEnd(t *testing.T) {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg; o.AsyncPolls = 1 })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "bootstrap.json")
	if err != nil {
		t.Fatal(err)
	}
	src, err := nebiusauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = tokens.URL })
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c, err := nebius.New(src, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)

	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID), Description: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if s3, ok := reg.S3Key(k.AccessKeyID); !ok || !s3.Secret.Equal(k.Secret) {
		t.Fatal("minted key not registered for S3")
	}
	if tokens.Calls("") != 1 {
		t.Fatalf("exchanges = %d, want 1 (the token is cached)", tokens.Calls(""))
	}

	// Bootstrap a second authorized key and use its token source.
	path := filepath.Join(t.TempDir(), "credentials.json")
	res, err := c.AuthPublicKeys().Bootstrap(ctx, nebius.BootstrapRequest{
		ServiceAccountID: sa.ID,
		KeyBits:          2048,
		Description:      "bootstrap",
		CredentialsPath:  path,
		TokenOptions:     []func(*auth.ServiceAccountOptions){func(o *auth.ServiceAccountOptions) { o.Endpoint = tokens.URL }},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Tokens.Close()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, %v", fi, err)
	}
	loaded, err := nebiusauth.LoadCredentialsFile(path)
	if err != nil || loaded.KeyID != res.PublicKey.ID || loaded.ServiceAccountID != sa.ID {
		t.Fatalf("loaded %v, %v", loaded, err)
	}
	if err := nebius.CheckCredentials(loaded, res.PublicKey); err != nil {
		t.Fatal(err)
	}
	if err := nebius.CheckCredentials(key, res.PublicKey); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("mismatched kid: %v", err)
	}
	if _, err := c.AuthPublicKeys().Bootstrap(ctx, nebius.BootstrapRequest{ServiceAccountID: sa.ID, CredentialsPath: path}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("existing file: %v", err)
	}
	c2, err := nebius.New(res.Tokens, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.AccessKeys().Get(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	// Deactivating the new key makes its JWTs fail the exchange.
	if _, err := c.AuthPublicKeys().Deactivate(ctx, res.PublicKey.ID); err != nil {
		t.Fatal(err)
	}
	if pk, _ := reg.PublicKey(res.PublicKey.ID); !pk.Disabled {
		t.Fatal("deactivated key still enabled")
	}
	if err := c.AccessKeys().Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.S3Key(k.AccessKeyID); ok {
		t.Fatal("deleted key still accepted by S3")
	}
}
