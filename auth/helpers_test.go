package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

var (
	saKeyOnce sync.Once
	saKey     *rsa.PrivateKey
)

// testRSAKey returns a 2048-bit RSA key generated once per test binary.
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	saKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		saKey = k
	})
	return saKey
}

// registeredKey makes a service-account key and registers its public half
// with reg, as uploading it to the cloud would.
func registeredKey(t testing.TB, reg *iamtest.Registry, kid, sa string) *auth.ServiceAccountKey {
	t.Helper()
	k := testRSAKey(t)
	reg.PutPublicKey(iamtest.PublicKey{KeyID: kid, ServiceAccountID: sa, Key: &k.PublicKey})
	key, err := auth.NewServiceAccountKey(kid, sa, k)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
