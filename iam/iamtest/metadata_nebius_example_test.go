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

// The Nebius metadata emulator serves a VM's service-account token on the
// real path, to requests with the real header; point a program at it with
// IAMKIT_NEBIUS_METADATA_URL=<TokenURL>.
func ExampleNewNebiusMetadataServer() {
	md, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) {
		o.ServiceAccountID = "serviceaccount-e00vm"
	})
	if err != nil {
		log.Fatal(err)
	}
	defer md.Close()

	req, _ := http.NewRequest("GET", md.TokenURL, nil)
	req.Header.Set("Metadata", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string    `json:"access_token"`
		ExpiresAt   time.Time `json:"expires_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		log.Fatal(err)
	}
	sub, ok := md.Registry.ValidateToken(tok.AccessToken, "nebius", time.Now())
	fmt.Println(resp.StatusCode, strings.HasPrefix(tok.AccessToken, "v1."), time.Until(tok.ExpiresAt) > 11*time.Hour, sub, ok)
	// Output: 200 true true serviceaccount-e00vm true
}
