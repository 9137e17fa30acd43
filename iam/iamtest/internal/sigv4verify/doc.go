// Package sigv4verify verifies AWS Signature Version 4 signatures on the
// server side, for the emulators of iamtest: the S3 emulator and the
// OUTSCALE emulator (which also accepts OSC4, SigV4's OUTSCALE twin).
//
// No library verifies SigV4 for a server: the AWS signers sign, choosing
// their own set of headers, so re-signing a request with one of them
// refuses the valid signatures of every client that chose another set (a
// signed User-Agent, X-Amzn-Trace-Id or Content-Length). This package
// rebuilds the canonical request from exactly what the request names in
// SignedHeaders, under one of two sets of [Rules]:
//
//   - [Generic], the rules of every AWS service but S3 (and of OUTSCALE):
//     the path is normalised (dot segments and empty segments removed) and
//     the path as received, already percent-encoded, is encoded again;
//   - [S3]: the path is taken as it is (no normalisation) and encoded once;
//     x-amz-content-sha256 is required, and an x-amz-* header that is
//     present but not signed is refused.
//
// Both sort the canonical query by encoded names, then encoded values. The
// package also verifies the chunk and trailer signatures of S3's signed
// streaming uploads ([ChunkChain]).
//
// It is tested against AWS's SigV4 test suite (testdata/, from aws-c-auth)
// and against aws-sdk-go-v2's signer.
//
// # Concurrency
//
// The functions are safe for concurrent use; a [ChunkChain] belongs to one
// request.
package sigv4verify
