package iamtest_test

import (
	"testing"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// startS3 starts an S3 emulator that the test closes when it ends.
func startS3(t testing.TB, optFns ...func(*iamtest.S3Options)) *iamtest.S3Server {
	t.Helper()
	srv, err := iamtest.NewS3Server(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// startNebius starts a Nebius token emulator that the test closes when it
// ends.
func startNebius(t testing.TB, optFns ...func(*iamtest.TokenServerOptions)) *iamtest.NebiusTokenServer {
	t.Helper()
	srv, err := iamtest.NewNebiusTokenServer(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// startYandex starts a Yandex token emulator that the test closes when it
// ends.
func startYandex(t testing.TB, optFns ...func(*iamtest.TokenServerOptions)) *iamtest.YandexTokenServer {
	t.Helper()
	srv, err := iamtest.NewYandexTokenServer(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}
