package iamtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// A test that needs a Nebius bearer token can mint one directly; other
// emulators sharing the Registry accept it. Faults make the exchange fail
// on demand.
func ExampleNewNebiusTokenServer() {
	emu, err := iamtest.NewNebiusTokenServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()

	tok := emu.IssueToken("serviceaccount-e00xyz", time.Hour)
	sub, ok := emu.Registry.ValidateToken(tok, "nebius", time.Now())
	fmt.Println(strings.HasPrefix(tok, "v1."), sub, ok)

	emu.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: http.StatusServiceUnavailable, RetryAfter: "1"})
	resp, err := http.PostForm(emu.URL, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), emu.Calls(iamtest.NebiusTokenPath))
	// Output:
	// true serviceaccount-e00xyz true
	// 503 1 1
}

// The Yandex emulator verifies a PS256 JWT against the registered public
// key and answers as Yandex Cloud does. ServiceAccountOptions points a
// token source at it.
func ExampleNewYandexTokenServer() {
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
	ts, err := yandexauth.ServiceAccount(key, emu.ServiceAccountOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	sub, ok := emu.Registry.ValidateToken(tok.Value.Reveal(), "yandex", time.Now())
	fmt.Println(strings.HasPrefix(tok.Value.Reveal(), "t1."), sub, ok, emu.Calls(iamtest.YandexTokenPath))
	// Output: true ajesa true 1
}
