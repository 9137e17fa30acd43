package nebiusauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// printJWT prints the decoded header and claims of a compact JWT.
func printJWT(jwt string) {
	parts := strings.Split(jwt, ".")
	for _, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(b))
	}
}

// newPKCS8PEM generates a 2048-bit RSA key and returns it as PKCS#8 PEM,
// as the clouds' CLIs write it.
func newPKCS8PEM() string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		log.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// ServiceAccount builds the whole pipeline (signer, exchanger, cache)
// for a service-account key. Here the key is registered with the token
// emulator; with a real key, leave Endpoint empty.
func ExampleServiceAccount() {
	emu, err := iamtest.NewNebiusTokenServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-e00example", ServiceAccountID: "serviceaccount-e00example", Key: &priv.PublicKey})
	key, err := auth.NewServiceAccountKey("publickey-e00example", "serviceaccount-e00example", priv)
	if err != nil {
		panic(err)
	}

	ts, err := nebiusauth.ServiceAccount(key, emu.ServiceAccountOptions())
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Type, tok.Value, time.Until(tok.Expiry).Round(time.Hour))
	// Output: Bearer REDACTED 12h0m0s
}

// EnvTokenSource serves the token in NEBIUS_IAM_TOKEN, as the Nebius
// CLI does.
func ExampleEnvTokenSource() {
	os.Setenv("NEBIUS_IAM_TOKEN", "v1.example-token")
	defer os.Unsetenv("NEBIUS_IAM_TOKEN")
	ts, err := nebiusauth.EnvTokenSource()
	if err != nil {
		panic(err)
	}
	tok, _ := ts.AccessToken(context.Background())
	fmt.Println(tok.Value, tok.Expiry.IsZero())
	// Output: REDACTED true
}

// The exchanger against the in-process emulator; on the real cloud
// leave Endpoint unset and load the key with LoadCredentialsFile.
func ExampleNewExchanger() {
	emu, err := iamtest.NewNebiusTokenServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()

	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	// The emulator knows the public key, as Nebius does once it is uploaded.
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-e00abc", ServiceAccountID: "serviceaccount-e00xyz", Key: &pk.PublicKey})

	key, err := auth.NewServiceAccountKey("publickey-e00abc", "serviceaccount-e00xyz", pk)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := nebiusauth.NewSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	x, err := nebiusauth.NewExchanger(signer, func(o *nebiusauth.ExchangerOptions) {
		o.Endpoint = emu.URL
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := x.Exchange(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token:", tok.Value, "type:", tok.Type, "lifetime:", time.Until(tok.Expiry).Round(time.Minute))

	// A key the service does not know is refused.
	emu.Registry.DeletePublicKey("publickey-e00abc")
	_, err = x.Exchange(context.Background())
	var e *iam.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, iam.ErrUnauthenticated), e.HTTPStatus, e.Code, e.Message)
	}
	// Output:
	// token: REDACTED type: Bearer lifetime: 12h0m0s
	// true 401 invalid_grant Key 'publickey-e00abc' was not found
}

func ExampleNewSigner() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	// Usually: nebiusauth.LoadCredentialsFile("~/.nebius/<sa>-credentials.json").
	key, err := auth.NewServiceAccountKey("publickey-e00abc", "serviceaccount-e00xyz", pk)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := nebiusauth.NewSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	jwt, err := signer.SignJWT(time.Unix(1_800_000_000, 0))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(jwt) // a JWT is a secret: it prints as REDACTED
	printJWT(jwt.Reveal())
	// Output:
	// REDACTED
	// {"alg":"RS256","kid":"publickey-e00abc","typ":"JWT"}
	// {"iss":"serviceaccount-e00xyz","sub":"serviceaccount-e00xyz","aud":"token-service.iam.new.nebiuscloud.net","iat":1800000000,"exp":1800000060}
}

func ExampleParseCredentials() {
	// The file "nebius iam auth-public-key generate --output" writes.
	data, _ := json.Marshal(map[string]any{
		"subject-credentials": map[string]string{
			"type":        "JWT",
			"alg":         "RS256",
			"private-key": newPKCS8PEM(),
			"kid":         "publickey-e00example",
			"iss":         "serviceaccount-e00example",
			"sub":         "serviceaccount-e00example",
		},
	})
	key, err := nebiusauth.ParseCredentials(data, "credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key) // never prints the private key
	fmt.Println(key.PrivateKey().N.BitLen(), "bits")
	// Output:
	// ServiceAccountKey{KeyID: "publickey-e00example", ServiceAccountID: "serviceaccount-e00example", Source: "credentials.json", PrivateKey: REDACTED}
	// 2048 bits
}

func ExampleLoadCredentialsFile() {
	key, err := nebiusauth.LoadCredentialsFile("testdata/keys/nebius-credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	// Output:
	// publickey-e00test0001 serviceaccount-e00test0001
}

// MarshalCredentials writes the credentials file of a key, for example one
// generated locally whose public half was just uploaded; ParseCredentials
// (or LoadCredentialsFile) reads it back.
func ExampleMarshalCredentials() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	key, err := auth.NewServiceAccountKey("publickey-e00example", "serviceaccount-e00example", pk)
	if err != nil {
		log.Fatal(err)
	}
	data, err := nebiusauth.MarshalCredentials(key) // holds the private key: write it with mode 0600
	if err != nil {
		log.Fatal(err)
	}
	back, err := nebiusauth.ParseCredentials(data, "credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.KeyID, back.ServiceAccountID, back.PrivateKey().Equal(pk))
	// Output: publickey-e00example serviceaccount-e00example true
}
