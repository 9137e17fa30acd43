package nebius_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// LoadDefaultConfig "as if on a VM": the metadata emulator stands for
// metadata.nebius.internal and the IAM emulator for the API. A real
// program on a VM passes no option.
func ExampleLoadDefaultConfig() {
	reg := iamtest.NewRegistry()
	api, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer api.Close()
	md, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer md.Close()
	env := map[string]string{"IAMKIT_NEBIUS_METADATA_URL": md.TokenURL} // and no HOME: no ~/.nebius/config.yaml

	ctx := context.Background()
	cfg, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) {
		o.Getenv = func(k string) string { return env[k] }                // default: os.Getenv
		o.ClientOptions = []func(*nebius.Options){api.ClientOptions()}    // default: {service}.api.nebius.cloud:443
		o.MetadataTokenFile = filepath.Join(os.TempDir(), "no-such-file") // default: /mnt/cloud-metadata/token
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cfg.Close()
	fmt.Println(cfg.Source.Kind, cfg.Source.Detail)

	client, err := nebius.New(cfg.TokenSource, cfg.ClientOptions(), func(o *nebius.Options) { o.ProjectID = "project-e00vm" })
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	k, err := client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{
		Account: nebius.ServiceAccount(iamtest.DefaultNebiusMetadataServiceAccountID), Description: "from the VM",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.Description, k.Secret)
	// Output:
	// metadata the VM's service account
	// from the VM REDACTED
}

// A profile of ~/.nebius/config.yaml with a service account's credentials
// file: its key is exchanged at tokens.iam.<endpoint>, and its parent-id
// is the client's default project.
func ExampleLoadDefaultConfig_profile() {
	api, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer api.Close()
	sa, err := api.NewServiceAccount("project-e00example")
	if err != nil {
		log.Fatal(err)
	}
	home, _ := os.MkdirTemp("", "home")
	defer os.RemoveAll(home)
	_ = os.MkdirAll(filepath.Join(home, ".nebius"), 0o700)
	_ = os.WriteFile(filepath.Join(home, ".nebius", "sa-credentials.json"), []byte(sa.CredentialsJSON.Reveal()), 0o600)
	_ = os.WriteFile(filepath.Join(home, ".nebius", "config.yaml"), []byte(`default: prod
profiles:
  prod:
    endpoint: api.nebius.cloud
    auth-type: service account
    service-account-credentials-file-path: ~/.nebius/sa-credentials.json
    parent-id: project-e00example
`), 0o600)

	ctx := context.Background()
	cfg, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) {
		o.Getenv = func(k string) string { return map[string]string{"HOME": home}[k] }
		o.ClientOptions = []func(*nebius.Options){api.ClientOptions()}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cfg.Close()
	fmt.Println(cfg.Source.Kind, cfg.Source.Name, cfg.ParentID, cfg.Domain)

	client, err := nebius.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	page, err := client.AccessKeys().ListPage(ctx, nebius.ListRequest{}) // in project-e00example
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Items))
	// Output:
	// profile "prod" project-e00example api.nebius.cloud
	// 0
}

// With no credentials anywhere, the error lists every source and why it
// was skipped.
func ExampleLoadDefaultConfig_nothingFound() {
	_, err := nebius.LoadDefaultConfig(context.Background(), func(o *nebius.LoadOptions) {
		o.Getenv = func(string) string { return "" } // nothing set, no HOME
		o.SkipMetadata = true
	})
	fmt.Println(errors.Is(err, auth.ErrNoCredentials))
	for _, s := range strings.Split(strings.TrimSuffix(strings.SplitN(err.Error(), "(tried: ", 2)[1], ")"), "; ") {
		fmt.Println(s)
	}
	// Output:
	// true
	// env NEBIUS_IAM_TOKEN (not set)
	// profile ~/.nebius/config.yaml (no home directory ($HOME is not set))
	// metadata (skipped (LoadOptions.SkipMetadata))
	// token-file /mnt/cloud-metadata/token (skipped (LoadOptions.SkipMetadata))
}

// ImpersonatedTokens exchanges the caller's token for a service account's,
// which the caller has the right to impersonate.
func ExampleImpersonatedTokens() {
	api, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer api.Close()
	const me, deployer = "serviceaccount-e00me", "serviceaccount-e00deployer"
	api.AllowImpersonation(me, deployer) // in Nebius: a role on the deployer account
	mine, _ := auth.NewStaticTokenSource(iam.NewSecret(api.IssueToken(me, time.Hour)), time.Time{})

	tokens, err := nebius.ImpersonatedTokens(mine, deployer, api.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer tokens.Close()
	tok, err := tokens.AccessToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	sub, _ := api.Registry.ValidateToken(tok.Value.Reveal(), nebiustest.TokenIssuer, time.Now())
	fmt.Println(tok.Value, sub)
	// Output: REDACTED serviceaccount-e00deployer
}

// FederatedTokens exchanges an external OIDC JWT (here one of a test
// issuer; in a pod, a projected service-account token) for a service
// account's tokens, through federated credentials that trust its issuer.
func ExampleFederatedTokens() {
	api, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer api.Close()
	issuer, err := nebiustest.NewOIDCIssuer("https://oidc.cluster.example")
	if err != nil {
		log.Fatal(err)
	}
	const sa, pod = "serviceaccount-e00trainer", "system:serviceaccount:jobs:trainer"
	if err := api.AddFederatedCredentials(nebiustest.FederatedCredentials{
		ServiceAccountID: sa, IssuerURL: issuer.URL, FederatedSubjectID: pod, JWKSetJSON: issuer.JWKSetJSON(),
	}); err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "k8s")
	defer os.RemoveAll(dir)
	jwtFile := filepath.Join(dir, "token")
	jwt, _ := issuer.IssueJWT(pod, "nebius", time.Now(), time.Hour)
	_ = os.WriteFile(jwtFile, []byte(jwt.Reveal()), 0o600)

	tokens, err := nebius.FederatedTokens(sa, jwtFile, api.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer tokens.Close()
	tok, err := tokens.AccessToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	sub, _ := api.Registry.ValidateToken(tok.Value.Reveal(), nebiustest.TokenIssuer, time.Now())
	fmt.Println(tok.Value, sub)
	// Output: REDACTED serviceaccount-e00trainer
}
