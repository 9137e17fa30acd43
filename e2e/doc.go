// Package e2e runs iamkit's managed S3 credentials against a real S3
// server: versitygw (embedded with embedgw, listening on 127.0.0.1 only)
// verifies the SigV4 signatures, the access keys come from iamkit's key
// emulators and are made versitygw users through its admin API, and a
// real aws-sdk-go-v2 s3.Client keeps putting and getting objects while the
// managed provider rotates its key.
//
// TestRealTools drives the standalone emulator (iamkit emulator, of
// cmd/iamkit, built and run as a program) with the AWS CLI, rclone and
// s3cmd at their default settings (multipart uploads, ranged downloads,
// presigned URLs, listings, rclone sync, s3cmd info), with an access key
// from each cloud's key emulator; the presigned URLs the tools print, and
// aws-sdk-go-v2's PresignPutObject and PresignGetObject URLs, are used
// with curl.
//
// TestAWSCLICredentialProcess configures the AWS CLI with the profiles
// iamkit emulator prints for the three clouds and runs aws s3 mb, cp, ls,
// rm and rb through credential_process (iamkit credential-process): one
// helper run per command, each timed from outside and under 200 ms, and
// one key created per profile across its five commands.
//
// Both skip a tool that is not installed, except under CI=true; .ci/run
// installs Debian's awscli, rclone, s3cmd and curl. The AWS CLI driven is
// Debian's /usr/bin/aws (aws-cli 2.9) when it is there, even when a pip or
// pyenv aws-cli 1.x comes first on PATH; set IAMKIT_E2E_AWS to the path of
// another AWS CLI to drive that one.
//
// It is a separate module so that versitygw and its dependencies never
// enter iamkit's own go.mod. Run: cd e2e && go test ./...
//
// # Concurrency
//
// embedgw allows one gateway per process; the test starts it once and
// runs its providers one after the other. TestRealTools runs its three
// keys' drives in parallel, each with its own buckets and tool homes.
package e2e
