package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/iamkit/iamkit/auth"
)

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

func ExampleParseNebiusCredentials() {
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
	key, err := auth.ParseNebiusCredentials(data, "credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key) // never prints the private key
	fmt.Println(key.PrivateKey().N.BitLen(), "bits")
	// Output:
	// ServiceAccountKey{KeyID: "publickey-e00example", ServiceAccountID: "serviceaccount-e00example", Source: "credentials.json", PrivateKey: REDACTED}
	// 2048 bits
}

func ExampleParseYandexKey() {
	// The key.json "yc iam key create --output key.json" writes.
	data, _ := json.Marshal(map[string]string{
		"id":                 "ajeexamplekey",
		"service_account_id": "ajeexamplesa",
		"created_at":         "2025-05-28T16:17:17.721526532Z",
		"key_algorithm":      "RSA_2048",
		"private_key":        "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajeexamplekey>\n" + newPKCS8PEM(),
	})
	key, err := auth.ParseYandexKey(data, "key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	fmt.Printf("%+v\n", key)
	// Output:
	// ajeexamplekey ajeexamplesa
	// ServiceAccountKey{KeyID: "ajeexamplekey", ServiceAccountID: "ajeexamplesa", Source: "key.json", PrivateKey: REDACTED}
}

func ExampleParseYandexKeyFile() {
	data, err := os.ReadFile("testdata/keys/yandex-key.json")
	if err != nil {
		log.Fatal(err)
	}
	f, err := auth.ParseYandexKeyFile(data, "key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Key.KeyID, f.KeyAlgorithm, f.CreatedAt.Format("2006-01-02"))
	// Output:
	// ajektestkey0001 RSA_2048 2025-05-28
}

func ExampleLoadNebiusCredentialsFile() {
	key, err := auth.LoadNebiusCredentialsFile("testdata/keys/nebius-credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	// Output:
	// publickey-e00test0001 serviceaccount-e00test0001
}

func ExampleLoadYandexKeyFile() {
	key, err := auth.LoadYandexKeyFile("testdata/keys/yandex-key.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID, key.ServiceAccountID)
	// Output:
	// ajektestkey0001 ajetestsa0001
}

func ExampleLoadPrivateKeyFile() {
	// A private.pem made with "openssl genrsa", and the IDs the cloud gave
	// its public half.
	key, err := auth.LoadPrivateKeyFile("testdata/keys/rsa2048-pkcs1.pem", "publickey-e00abc", "serviceaccount-e00xyz")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key)
	// Output:
	// ServiceAccountKey{KeyID: "publickey-e00abc", ServiceAccountID: "serviceaccount-e00xyz", Source: "testdata/keys/rsa2048-pkcs1.pem", PrivateKey: REDACTED}
}

func ExampleParsePrivateKeyPEM() {
	for _, name := range []string{"rsa2048-pkcs8.pem", "rsa2048-encrypted-pkcs8.pem", "ec-p256-pkcs8.pem", "rsa2048-public.pem"} {
		data, err := os.ReadFile("testdata/keys/" + name)
		if err != nil {
			log.Fatal(err)
		}
		key, err := auth.ParsePrivateKeyPEM(data, name)
		switch {
		case err == nil:
			fmt.Println(name, "RSA", key.N.BitLen())
		case errors.Is(err, auth.ErrEncryptedKey):
			fmt.Println(err)
		case errors.Is(err, auth.ErrNotRSA), errors.Is(err, auth.ErrPublicKeyGiven):
			fmt.Println(err)
		}
	}
	// Output:
	// rsa2048-pkcs8.pem RSA 2048
	// auth: rsa2048-encrypted-pkcs8.pem: encrypted keys are not supported, decrypt with: openssl pkey -in encrypted.pem -out private.pem
	// auth: ec-p256-pkcs8.pem: found an ECDSA P-256 private key where an RSA key is required
	// auth: rsa2048-public.pem: found a "PUBLIC KEY" PEM block but no private key: a public key or certificate was given where a private key was expected
}

func ExampleNewServiceAccountKey() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	key, err := auth.NewServiceAccountKey("publickey-e00abc", "serviceaccount-e00xyz", pk)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key)

	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, err = auth.NewServiceAccountKey("publickey-e00abc", "serviceaccount-e00xyz", small)
	fmt.Println(errors.Is(err, auth.ErrKeyTooSmall), err)
	// Output:
	// ServiceAccountKey{KeyID: "publickey-e00abc", ServiceAccountID: "serviceaccount-e00xyz", PrivateKey: REDACTED}
	// true auth: RSA key has 1024 bits, at least 2048 are required
}
