// Package s3client makes an aws-sdk-go-v2 S3 client for the object storage
// of Nebius, Yandex Cloud or 3DS OUTSCALE in one call, with the settings
// those S3-compatible services need: path-style addressing, the cloud's
// endpoint and signing region, and checksums only when an operation
// requires them (the SDK's default CRC checksums are refused by non-AWS S3).
//
// It is a separate package so that programs which only need credentials
// (package credentials) do not link the S3 service client.
//
//	p, _ := iamcreds.NewManagedProvider(keyManager)
//	defer p.Close()
//	client, err := s3client.New(iam.Nebius, "eu-north1", p)
//	// client.PutObject(ctx, ...)
//
// With a managed provider
// ([github.com/iamkit/iamkit/credentials.ManagedProvider]), the client
// reports an InvalidAccessKeyId answer to the provider, which rotates the
// key early (once per key); the failed call itself is not retried.
//
// The client never sends its signature, session token or signing date to
// another host:port than the endpoint's, whatever a redirect says: its HTTP
// client refuses to follow a redirect to another origin (the 3xx is the
// answer), and an operation whose options replace the HTTP client fails
// without sending anything, as that client's redirects cannot be seen (see
// [Options].HTTPClient).
//
// # Concurrency
//
// The returned *s3.Client is safe for concurrent use, as the AWS SDK
// documents; New itself has no shared state.
package s3client
