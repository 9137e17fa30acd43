package nebiusauth_test

import (
	"testing"

	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

// The fuzz target checks that the parser never panics and that an error
// never echoes key material (the seeds under testdata/fuzz plant a
// "CANARY…" line in PEM bodies). Run it with, for example:
//
//	go test ./auth/nebiusauth -run '^$' -fuzz FuzzParseCredentials -fuzztime 10s

func FuzzParseCredentials(f *testing.F) {
	f.Add([]byte(`{"subject-credentials":{"alg":"RS256","kid":"k","iss":"s","sub":"s","private-key":"-----BEGIN PRIVATE KEY-----\n` + authtest.CanaryLine + `\n-----END PRIVATE KEY-----\n"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := nebiusauth.ParseCredentials(data, "fuzz.json")
		if err == nil {
			if key == nil || key.KeyID == "" || key.ServiceAccountID == "" || key.PrivateKey() == nil {
				t.Fatalf("accepted an incomplete key: %v", key)
			}
			return
		}
		authtest.CheckNoEcho(t, data, err)
	})
}
