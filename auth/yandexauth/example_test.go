package yandexauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
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

// ServiceAccount does the same for a Yandex Cloud authorized key; it
// gets a new IAM token at least every hour, as Yandex recommends.
func ExampleServiceAccount() {
	emu, err := iamtest.NewYandexTokenServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "ajeexamplekey", ServiceAccountID: "ajeexamplesa", Key: &priv.PublicKey})
	key, _ := auth.NewServiceAccountKey("ajeexamplekey", "ajeexamplesa", priv)

	ts, err := yandexauth.ServiceAccount(key, emu.ServiceAccountOptions())
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	fmt.Println(tok.Value, err, emu.Calls(""))
	// Output: REDACTED <nil> 1
}

// The exchanger against the in-process emulator; on the real cloud
// leave Endpoint unset and load the key with LoadKeyFile.
func ExampleNewExchanger() {
	emu, err := iamtest.NewYandexTokenServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()

	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "ajekey", ServiceAccountID: "ajesa", Key: &pk.PublicKey})

	key, err := auth.NewServiceAccountKey("ajekey", "ajesa", pk)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := yandexauth.NewSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	x, err := yandexauth.NewExchanger(signer, func(o *yandexauth.ExchangerOptions) {
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
	// Output: token: REDACTED type: Bearer lifetime: 12h0m0s
}

func ExampleNewSigner() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	// Usually: yandexauth.LoadKeyFile("key.json").
	key, err := auth.NewServiceAccountKey("ajeexamplekey", "ajeexamplesa", pk)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := yandexauth.NewSigner(key, func(o *yandexauth.SignerOptions) {
		o.TTL = 5 * time.Minute
	})
	if err != nil {
		log.Fatal(err)
	}
	jwt, err := signer.SignJWT(time.Unix(1_800_000_000, 0))
	if err != nil {
		log.Fatal(err)
	}
	printJWT(jwt.Reveal())
	// Output:
	// {"alg":"PS256","kid":"ajeexamplekey","typ":"JWT"}
	// {"iss":"ajeexamplesa","aud":"https://iam.api.cloud.yandex.net/iam/v1/tokens","iat":1800000000,"exp":1800000300}
}

func ExampleParseKey() {
	// The key.json "yc iam key create --output key.json" writes.
	data, _ := json.Marshal(map[string]string{
		"id":                 "ajeexamplekey",
		"service_account_id": "ajeexamplesa",
		"created_at":         "2025-05-28T16:17:17.721526532Z",
		"key_algorithm":      "RSA_2048",
		"private_key":        "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajeexamplekey>\n" + newPKCS8PEM(),
	})
	key, err := yandexauth.ParseKey(data, "key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	fmt.Printf("%+v\n", key)
	// Output:
	// ajeexamplekey ajeexamplesa
	// ServiceAccountKey{KeyID: "ajeexamplekey", ServiceAccountID: "ajeexamplesa", Source: "key.json", PrivateKey: REDACTED}
}

func ExampleParseKeyFile() {
	data, err := os.ReadFile("testdata/keys/yandex-key.json")
	if err != nil {
		log.Fatal(err)
	}
	f, err := yandexauth.ParseKeyFile(data, "key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Key.KeyID, f.KeyAlgorithm, f.CreatedAt.Format("2006-01-02"))
	// Output:
	// ajektestkey0001 RSA_2048 2025-05-28
}

func ExampleLoadKeyFile() {
	key, err := yandexauth.LoadKeyFile("testdata/keys/yandex-key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	// Output:
	// ajektestkey0001 ajetestsa0001
}

// EnvTokenSource serves the IAM token in YC_IAM_TOKEN (or YC_TOKEN), as yc
// does; an OAuth token there is refused.
func ExampleEnvTokenSource() {
	os.Setenv("YC_IAM_TOKEN", "t1.example-token")
	defer os.Unsetenv("YC_IAM_TOKEN")
	ts, err := yandexauth.EnvTokenSource()
	if err != nil {
		panic(err)
	}
	tok, _ := ts.AccessToken(context.Background())
	fmt.Println(tok.Value, tok.Expiry.IsZero())
	// Output: REDACTED true
}

// MarshalKeyFile writes a key.json in yc's layout; ParseKeyFile (or
// LoadKeyFile) reads it back.
func ExampleMarshalKeyFile() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	key, err := auth.NewServiceAccountKey("ajeexamplekey", "ajeexamplesa", pk)
	if err != nil {
		log.Fatal(err)
	}
	data, err := yandexauth.MarshalKeyFile(&yandexauth.KeyFile{
		Key:          key,
		CreatedAt:    time.Date(2025, 5, 28, 16, 17, 17, 0, time.UTC),
		KeyAlgorithm: "RSA_2048",
	}) // holds the private key: write it with mode 0600
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(data[:strings.Index(string(data), `   "private_key"`)]))
	back, err := yandexauth.ParseKeyFile(data, "key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Key.KeyID, back.Key.PrivateKey().Equal(pk))
	// Output:
	// {
	//    "id": "ajeexamplekey",
	//    "service_account_id": "ajeexamplesa",
	//    "created_at": "2025-05-28T16:17:17Z",
	//    "key_algorithm": "RSA_2048",
	// ajeexamplekey true
}
