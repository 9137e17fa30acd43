// Package e2e runs iamkit's managed S3 credentials against a real S3
// server: versitygw (embedded with embedgw, listening on 127.0.0.1 only)
// verifies the SigV4 signatures, the access keys come from iamkit's key
// emulators and are made versitygw users through its admin API, and a
// real aws-sdk-go-v2 s3.Client keeps putting and getting objects while the
// managed provider rotates its key.
//
// It is a separate module so that versitygw and its dependencies never
// enter iamkit's own go.mod. Run: cd e2e && go test ./...
//
// # Concurrency
//
// embedgw allows one gateway per process; the test starts it once and
// runs its providers one after the other.
package e2e
