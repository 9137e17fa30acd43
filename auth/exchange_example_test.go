package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// The Nebius exchanger against the in-process emulator; on the real cloud
// leave Endpoint unset and load the key with auth.LoadNebiusCredentialsFile.
func ExampleNewNebiusExchanger() {
	emu := iamtest.NewNebiusTokenServer()
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
	signer, err := auth.NewNebiusSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	x := auth.NewNebiusExchanger(signer, func(o *auth.NebiusExchangerOptions) {
		o.Endpoint = emu.URL
	})
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

// The Yandex exchanger against the in-process emulator; on the real cloud
// leave Endpoint unset and load the key with auth.LoadYandexKeyFile.
func ExampleNewYandexExchanger() {
	emu := iamtest.NewYandexTokenServer()
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
	signer, err := auth.NewYandexSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	x := auth.NewYandexExchanger(signer, func(o *auth.YandexExchangerOptions) {
		o.Endpoint = emu.URL
	})
	tok, err := x.Exchange(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token:", tok.Value, "type:", tok.Type, "lifetime:", time.Until(tok.Expiry).Round(time.Minute))
	// Output: token: REDACTED type: Bearer lifetime: 12h0m0s
}
