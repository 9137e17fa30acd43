package yandexauth_test

import (
	"testing"

	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

// The fuzz target checks that the parser never panics and that an error
// never echoes key material (the seeds under testdata/fuzz plant a
// "CANARY…" line in PEM bodies). Run it with, for example:
//
//	go test ./auth/yandexauth -run '^$' -fuzz FuzzParseKey -fuzztime 10s

func FuzzParseKey(f *testing.F) {
	f.Add([]byte(`{"id":"k","service_account_id":"s","private_key":"PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID \u003ck\u003e\n-----BEGIN PRIVATE KEY-----\n` + authtest.CanaryLine + `\n-----END PRIVATE KEY-----\n"}`))
	f.Add([]byte(`{"id":"k","user_account_id":"u","private_key":"-----BEGIN PRIVATE KEY-----\n` + authtest.CanaryLine + `\n-----END PRIVATE KEY-----\n"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := yandexauth.ParseKey(data, "fuzz.json")
		if err == nil {
			if key == nil || key.KeyID == "" || key.ServiceAccountID == "" || key.PrivateKey() == nil {
				t.Fatalf("accepted an incomplete key: %v", key)
			}
			return
		}
		authtest.CheckNoEcho(t, data, err)
	})
}
