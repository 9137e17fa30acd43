package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
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

func ExampleNewNebiusSigner() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	// Usually: auth.LoadNebiusCredentialsFile("~/.nebius/<sa>-credentials.json").
	key, err := auth.NewServiceAccountKey("publickey-e00abc", "serviceaccount-e00xyz", pk)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := auth.NewNebiusSigner(key)
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

func ExampleNewYandexSigner() {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	// Usually: auth.LoadYandexKeyFile("key.json").
	key, err := auth.NewServiceAccountKey("ajeexamplekey", "ajeexamplesa", pk)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := auth.NewYandexSigner(key, func(o *auth.YandexSignerOptions) {
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
