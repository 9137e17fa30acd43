package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/iamkit/iamkit/auth"
)

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
