// Package s3endpoint is iamkit's one table of the clouds' S3-compatible
// object storage: the endpoint URL of each region and the region its SigV4
// signatures are scoped to. credentials.S3Endpoint and s3client.New both
// read it, so that s3client need not import package credentials (whose
// tests run the emulators, which build s3client options).
//
// Minimal use:
//
//	url, signingRegion, err := s3endpoint.Lookup(iam.Nebius, "eu-north1")
//
// # Concurrency
//
// Lookup is pure and safe for concurrent use.
package s3endpoint
