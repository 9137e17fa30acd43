package iamtest_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// The Yandex metadata emulator serves a VM's service-account token on the
// real path, to requests with the real header; point a program at it with
// YC_METADATA_ADDR=<Addr>.
func ExampleNewYandexMetadataServer() {
	md, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.ServiceAccountID = "ajevmsa" })
	if err != nil {
		log.Fatal(err)
	}
	defer md.Close()

	req, _ := http.NewRequest("GET", "http://"+md.Addr+iamtest.YandexMetadataTokenPath, nil)
	req.Header.Set("Metadata-Flavor", "Google")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		log.Fatal(err)
	}
	sub, ok := md.Registry.ValidateToken(tok.AccessToken, "yandex", time.Now())
	fmt.Println(resp.StatusCode, strings.HasPrefix(tok.AccessToken, "t1."), tok.ExpiresIn > 43000, tok.TokenType, sub, ok)
	// Output: 200 true true Bearer ajevmsa true
}
