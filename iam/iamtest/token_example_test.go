package iamtest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
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
	emu := iamtest.NewNebiusTokenServer()
	defer emu.Close()

	tok := emu.IssueToken("serviceaccount-e00xyz")
	sub, ok := emu.Registry.ValidateToken(tok, "nebius", time.Now())
	fmt.Println(strings.HasPrefix(tok, "v1."), sub, ok)

	emu.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: http.StatusServiceUnavailable, RetryAfter: "1"})
	resp, err := http.PostForm(emu.URL, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), emu.Exchanges())
	// Output:
	// true serviceaccount-e00xyz true
	// 503 1 1
}

// The Yandex emulator verifies a PS256 JWT against the registered public
// key and answers as Yandex Cloud does.
func ExampleNewYandexTokenServer() {
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
	signer, err := yandexauth.NewSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	jwt, err := signer.SignJWT(time.Now())
	if err != nil {
		log.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"jwt": jwt.Reveal()})
	resp, err := http.Post(emu.URL, "application/json", strings.NewReader(string(body)))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ IAMToken, ExpiresAt string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		log.Fatal(err)
	}
	sub, ok := emu.Registry.ValidateToken(out.IAMToken, "yandex", time.Now())
	fmt.Println(resp.StatusCode, strings.HasPrefix(out.IAMToken, "t1."), sub, ok)
	// Output: 200 true ajesa true
}
