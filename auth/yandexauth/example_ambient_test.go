package yandexauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"

	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
)

// MetadataTokenSource on a VM: here the metadata emulator stands for
// 169.254.169.254 (on a real VM leave Addr unset, or set YC_METADATA_ADDR).
func ExampleMetadataTokenSource() {
	md, err := iamtest.NewYandexMetadataServer()
	if err != nil {
		log.Fatal(err)
	}
	defer md.Close()

	ts, err := yandexauth.MetadataTokenSource(func(o *yandexauth.MetadataOptions) { o.Addr = md.Addr })
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	for range 3 {
		tok, err := ts.AccessToken(context.Background())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tok.Value, tok.Type)
	}
	fmt.Println("metadata requests:", md.Calls(iamtest.YandexMetadataTokenPath))
	// Output:
	// REDACTED Bearer
	// REDACTED Bearer
	// REDACTED Bearer
	// metadata requests: 1
}

// ProbeMetadata tells a VM from a laptop within the timeout, sending no
// request.
func ExampleProbeMetadata() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	nothing := l.Addr().String()
	l.Close() // nothing listens there now

	_, err := yandexauth.ProbeMetadata(context.Background(), func(o *yandexauth.MetadataOptions) { o.Addr = nothing })
	fmt.Println(errors.Is(err, yandexauth.ErrNoMetadataService))

	md, _ := iamtest.NewYandexMetadataServer()
	defer md.Close()
	url, err := yandexauth.ProbeMetadata(context.Background(), func(o *yandexauth.MetadataOptions) { o.Addr = md.Addr })
	fmt.Println(err, strings.TrimPrefix(url, md.URL))
	// Output:
	// true
	// <nil> /computeMetadata/v1/instance/service-accounts/default/token
}

func ExampleMetadataTokenURL() {
	noEnv := func(string) string { return "" }
	for _, addr := range []string{"", "127.0.0.1:8080"} {
		u, err := yandexauth.MetadataTokenURL(func(o *yandexauth.MetadataOptions) { o.Addr, o.Getenv = addr, noEnv })
		fmt.Println(u, err)
	}
	// Output:
	// http://169.254.169.254:80/computeMetadata/v1/instance/service-accounts/default/token <nil>
	// http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token <nil>
}

// LoadCLIConfig reads yc's config.yaml (DefaultCLIConfigFile gives its
// path): here a copy with three profiles.
func ExampleLoadCLIConfig() {
	c, err := yandexauth.LoadCLIConfig("testdata/yc/config.yaml")
	if err != nil {
		log.Fatal(err)
	}
	p, err := c.Profile("") // the current one
	if err != nil {
		log.Fatal(err)
	}
	kind, err := p.Credentials()
	fmt.Println(p.Name, p.FolderID, kind, err)
	fmt.Println(p.ServiceAccountKey.Key)
	for _, name := range []string{"vm", "oauth"} {
		kind, err := c.Profiles[name].Credentials()
		fmt.Printf("%s: %q %v\n", name, kind, err != nil)
	}
	// Output:
	// default b1gexamplefolder000 service-account-key <nil>
	// ServiceAccountKey{KeyID: "ajektestkey0001", ServiceAccountID: "ajetestsa0001", Source: "testdata/yc/config.yaml", PrivateKey: REDACTED}
	// vm: "instance-service-account" false
	// oauth: "" true
}

// ParseCLIConfig names the file, the profile and the property of what is
// wrong.
func ExampleParseCLIConfig() {
	_, err := yandexauth.ParseCLIConfig([]byte("current: p\nprofiles:\n  p:\n    folder-id: [a, b]\n"), "config.yaml")
	fmt.Println(err)
	// Output:
	// auth: config.yaml: profiles.p.folder-id: line 4: want a string, found a list
}

func ExampleDefaultCLIConfigFile() {
	path, err := yandexauth.DefaultCLIConfigFile(func(k string) string { return map[string]string{"HOME": "/home/me"}[k] })
	fmt.Println(filepath.ToSlash(path), err)
	// Output: /home/me/.config/yandex-cloud/config.yaml <nil>
}

// Credentials says why a profile iamkit cannot use is refused.
func ExampleCLIProfile_Credentials() {
	c, _ := yandexauth.ParseCLIConfig([]byte("profiles:\n  work:\n    federation-id: bpfexample\n"), "config.yaml")
	_, err := c.Profiles["work"].Credentials()
	fmt.Println(err)
	// Output:
	// yandexauth: config.yaml: profile "work" signs in through a federation (federation-id), a browser login that iamkit does not do: use a service-account key, or run "yc iam create-token" and pass the token in YC_IAM_TOKEN
}

// TokenSource of a profile with a service-account key, exchanged at the
// token emulator (on the real cloud leave the Endpoint unset).
func ExampleCLIProfile_TokenSource() {
	c, err := yandexauth.LoadCLIConfig("testdata/yc/config.yaml")
	if err != nil {
		log.Fatal(err)
	}
	p := c.Profiles["default"]
	emu, err := iamtest.NewYandexTokenServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()
	k := p.ServiceAccountKey.Key
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: k.KeyID, ServiceAccountID: k.ServiceAccountID, Key: &k.PrivateKey().PublicKey})

	ts, err := p.TokenSource(func(o *yandexauth.CLITokenOptions) { o.ServiceAccount.Endpoint = emu.URL })
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	fmt.Println(tok.Value, err, emu.Calls(""))
	// Output: REDACTED <nil> 1
}

// LoadAPIKeyFile reads what "yc iam api-key create … > api_key.yaml"
// wrote; the secret never prints.
func ExampleLoadAPIKeyFile() {
	k, err := yandexauth.LoadAPIKeyFile("testdata/yc/api_key.yaml")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.ID, k.ServiceAccountID, k.Scopes, k.ExpiresAt.Format("2006-01-02"))
	fmt.Println(k.Secret)
	// Output:
	// ajeuo7ng2p6uexample0 ajetestsa0001 [yc.monitoring.read yc.postbox.send] 2026-01-01
	// REDACTED
}

func ExampleParseAPIKey() {
	_, err := yandexauth.ParseAPIKey([]byte("api_key:\n  id: aje1\n  expires_at: tomorrow\nsecret: AQVN…\n"), "api_key.yaml")
	fmt.Println(err)
	// Output: auth: api_key.yaml: api_key.expires_at: line 3: not an RFC 3339 time
}

// NewAPIKeyClient calls a service that takes API keys: here the Yandex
// emulator's API-key check, with a key created there.
func ExampleNewAPIKeyClient() {
	emu, err := yandextest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()
	key := createAPIKey(emu, "yc.postbox.send") // as "yc iam api-key create" does

	client := yandexauth.NewAPIKeyClient(key)
	for _, scope := range []string{"yc.postbox.send", "yc.monitoring.read"} {
		resp, err := client.Get(emu.URL + "/iamtest/v1/apiKeyCheck?scope=" + scope)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(scope, resp.StatusCode)
	}
	// Output:
	// yc.postbox.send 200
	// yc.monitoring.read 401
}

// NewAPIKeyTransport under a client of your own; the key goes as
// "Authorization: Api-Key", only to the origin addressed.
func ExampleNewAPIKeyTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		fmt.Fprint(w, scheme)
	}))
	defer srv.Close()
	key := &yandexauth.APIKey{Secret: iam.NewSecret("AQVNexample")}
	client := &http.Client{Transport: yandexauth.NewAPIKeyTransport(key, http.DefaultTransport)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK Api-Key
}

// LoadKeyFileFromEnv reads the key that YC_SERVICE_ACCOUNT_KEY_FILE names.
func ExampleLoadKeyFileFromEnv() {
	env := map[string]string{yandexauth.EnvServiceAccountKeyFile: "testdata/keys/yandex-key.json"}
	key, err := yandexauth.LoadKeyFileFromEnv(func(o *yandexauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID, key.Source)
	// Output: ajektestkey0001 ajetestsa0001 testdata/keys/yandex-key.json
}

// createAPIKey creates an API key with scope in emu, as the REST API does
// for "yc iam api-key create", and returns it as LoadAPIKeyFile would.
func createAPIKey(emu *yandextest.Server, scope string) *yandexauth.APIKey {
	sa := emu.ServiceAccountID()
	req, _ := http.NewRequest("POST", emu.URL+"/iam/v1/apiKeys", strings.NewReader(`{"scopes":["`+scope+`"]}`))
	req.Header.Set("Authorization", "Bearer "+emu.IssueToken(sa, 0))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		APIKey struct{ ID string }
		Secret string
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		log.Fatal(err)
	}
	return &yandexauth.APIKey{ID: created.APIKey.ID, ServiceAccountID: sa, Scopes: []string{scope}, Secret: iam.NewSecret(created.Secret)}
}
