package nebiusauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// A profile of ~/.nebius/config.yaml, as "nebius profile create" writes
// it: the default one, its credentials and its settings.
func ExampleParseCLIConfig() {
	cfg, err := nebiusauth.ParseCLIConfig([]byte(`default: prod
profiles:
  prod:
    endpoint: api.nebius.cloud
    auth-type: service account
    service-account-credentials-file-path: ~/.nebius/sa-credentials.json
    parent-id: project-e00example
`), "config.yaml", func(o *nebiusauth.CLIConfigOptions) { o.Home = "/home/me" })
	if err != nil {
		log.Fatal(err)
	}
	p, err := cfg.Profile("") // the default profile; $NEBIUS_PROFILE names another
	if err != nil {
		log.Fatal(err)
	}
	kind, err := p.Credentials()
	fmt.Println(p.Name, kind, err)
	fmt.Println(filepath.ToSlash(p.ServiceAccountCredentialsFilePath), p.ParentID)
	// Output:
	// prod service-account-credentials-file <nil>
	// /home/me/.nebius/sa-credentials.json project-e00example
}

// LoadCLIConfig reads the file at the path DefaultCLIConfigFile gives.
func ExampleLoadCLIConfig() {
	home, err := os.MkdirTemp("", "home")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)
	path, err := nebiusauth.DefaultCLIConfigFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	if err != nil {
		log.Fatal(err)
	}
	_ = os.MkdirAll(filepath.Dir(path), 0o700)
	_ = os.WriteFile(path, []byte("profiles:\n  only:\n    token-file: /var/run/nebius/token\n"), 0o600)

	cfg, err := nebiusauth.LoadCLIConfig(path)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := cfg.Profile("") // no "default": the only profile
	kind, _ := p.Credentials()
	fmt.Println(strings.TrimPrefix(path, home), p.Name, kind)
	// Output: /.nebius/config.yaml only token-file
}

// DefaultCLIConfigFile is ~/.nebius/config.yaml.
func ExampleDefaultCLIConfigFile() {
	path, err := nebiusauth.DefaultCLIConfigFile(func(k string) string { return map[string]string{"HOME": "/home/me"}[k] })
	fmt.Println(filepath.ToSlash(path), err)
	// Output: /home/me/.nebius/config.yaml <nil>
}

// Credentials checks the profile's service-account keys the way gosdk
// does, and says why a profile cannot be used.
func ExampleCLIProfile_Credentials() {
	cfg, _ := nebiusauth.ParseCLIConfig([]byte(`profiles:
  key:
    auth-type: service account
    service-account-id: serviceaccount-e00example
    public-key-id: publickey-e00example
    private-key-file-path: /etc/nebius/private.pem
  half:
    auth-type: service account
    service-account-id: serviceaccount-e00example
  browser:
    auth-type: federation
    federation-endpoint: auth.eu.nebius.com
`), "config.yaml")
	for _, name := range []string{"key", "half", "browser"} {
		p, _ := cfg.Profile(name)
		kind, err := p.Credentials()
		var bad *auth.KeyFileError
		if errors.As(err, &bad) {
			fmt.Println(name, "→", bad.Field+":", strings.SplitN(bad.Err.Error(), ":", 2)[0])
			continue
		}
		fmt.Println(name, "→", kind)
	}
	// Output:
	// key → private-key-file
	// half → profiles.half: incomplete service account configuration
	// browser → profiles.browser.auth-type: profile "browser" signs in through a federation (auth-type "federation", a browser login), which iamkit does not do
}

// ServiceAccountKey loads the key a profile names; nebius.LoadDefaultConfig
// then exchanges it at tokens.iam.<endpoint>.
func ExampleCLIProfile_ServiceAccountKey() {
	dir, _ := os.MkdirTemp("", "nebius")
	defer os.RemoveAll(dir)
	keyPEM := filepath.Join(dir, "private.pem")
	_ = os.WriteFile(keyPEM, []byte(newPKCS8PEM()), 0o600)
	cfg, _ := nebiusauth.ParseCLIConfig([]byte(`profiles:
  p:
    auth-type: service account
    service-account-id: serviceaccount-e00example
    public-key-id: publickey-e00example
    private-key-file-path: `+keyPEM+"\n"), "config.yaml")
	key, err := cfg.Profiles["p"].ServiceAccountKey()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	// Output: publickey-e00example serviceaccount-e00example
}

// TokenFileSource serves the token a file holds ("token-file" in a
// profile, /mnt/cloud-metadata/token on a VM), and reads it again when the
// file changes.
func ExampleTokenFileSource() {
	dir, _ := os.MkdirTemp("", "nebius")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "token")
	_ = os.WriteFile(path, []byte("v1.example-token\n"), 0o600)

	ts, err := nebiusauth.TokenFileSource(path)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Value, tok.Value.Reveal() == "v1.example-token", tok.Expiry.IsZero())
	// Output: REDACTED true true
}

// On a Nebius VM, MetadataTokenSource serves the attached service
// account's token; here the metadata emulator stands for
// metadata.nebius.internal.
func ExampleMetadataTokenSource() {
	md, err := iamtest.NewNebiusMetadataServer()
	if err != nil {
		log.Fatal(err)
	}
	defer md.Close()

	ts, err := nebiusauth.MetadataTokenSource(func(o *nebiusauth.MetadataOptions) {
		o.URL = md.TokenURL // on a VM: no option (or IAMKIT_NEBIUS_METADATA_URL)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	sub, _ := md.Registry.ValidateToken(tok.Value.Reveal(), "nebius", tok.Expiry.Add(-1))
	fmt.Println(tok.Value, sub)
	// Output: REDACTED serviceaccount-e00iamkitemulat0rvm0
}

// ProbeMetadata tells, within its timeout, whether a metadata service
// listens.
func ExampleProbeMetadata() {
	md, err := iamtest.NewNebiusMetadataServer()
	if err != nil {
		log.Fatal(err)
	}
	url := md.URL
	_, err = nebiusauth.ProbeMetadata(context.Background(), func(o *nebiusauth.MetadataOptions) { o.URL = url })
	fmt.Println(err)
	md.Close()
	_, err = nebiusauth.ProbeMetadata(context.Background(), func(o *nebiusauth.MetadataOptions) { o.URL = url })
	fmt.Println(errors.Is(err, nebiusauth.ErrNoMetadataService))
	// Output:
	// <nil>
	// true
}

// MetadataTokenURL says which URL the metadata source asks.
func ExampleMetadataTokenURL() {
	noEnv := func(o *nebiusauth.MetadataOptions) { o.Getenv = func(string) string { return "" } }
	u, _ := nebiusauth.MetadataTokenURL(noEnv)
	fmt.Println(u)
	u, _ = nebiusauth.MetadataTokenURL(noEnv, func(o *nebiusauth.MetadataOptions) { o.URL = "http://127.0.0.1:8080" })
	fmt.Println(u)
	// Output:
	// http://metadata.nebius.internal/v1/iam/sa/token
	// http://127.0.0.1:8080/v1/iam/sa/token
}
