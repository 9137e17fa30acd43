// Package nebius holds typed clients of the Nebius AI Cloud IAM control
// plane over gRPC: [AccessKeys] (nebius.iam.v2.AccessKeyService, the
// S3-compatible access keys, all 13 methods), [AuthPublicKeys]
// (nebius.iam.v1.AuthPublicKeyService, the authorized keys whose private
// halves sign token-exchange JWTs) and [Operations]
// (nebius.common.v1.OperationService, to wait for what the others start).
// [NewKeyManager] makes the provider-neutral [iam.KeyManager] over a
// Client's AccessKeys, and
// [AuthPublicKeys.Bootstrap] does what `nebius iam auth-public-key generate`
// does.
//
// The public types are this package's own; the generated protobuf code in
// internal/pb is an implementation detail. Secrets are [iam.Secret] values.
//
//	key, _ := nebiusauth.LoadCredentialsFile("credentials.json")
//	tokens, _ := nebiusauth.ServiceAccount(key)
//	client, err := nebius.New(tokens, func(o *nebius.Options) { o.ProjectID = "project-e00…" })
//	if err != nil { … }
//	defer client.Close()
//	k, err := client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{
//		Account:     nebius.ServiceAccount(key.ServiceAccountID),
//		Description: "backup job",
//	})
//	// k.AccessKeyID and k.Secret.Reveal() go to the S3 client.
//
// # Connection
//
// The key services live on cpl.iam.<domain>:443, the token exchange on
// tokens.iam.<domain>:443, where the domain is Options.Domain, else
// $NEBIUS_ENDPOINT, else api.nebius.cloud: one setting moves both.
// Options.Address and Options.TokenExchangeAddress override each address
// (host:port), so that tests and emulators need no name resolution.
// Connections use TLS with the system roots; Options.Plaintext is accepted
// only for loopback addresses (the nebiustest emulator).
//
// # Token exchange
//
// [NewTokenExchanger] is a client of nebius.iam.v1.TokenExchangeService
// (RFC 8693 over gRPC, what the Nebius SDKs use), and [ServiceAccountTokens]
// a token source (an auth.Cache) of a service account's JWTs exchanged
// there, configured by the same Options as the IAM client:
//
//	opts := func(o *nebius.Options) { o.Domain = "api.eu.nebius.cloud" }
//	tokens, err := nebius.ServiceAccountTokens(key, opts)
//	client, err := nebius.New(tokens, opts)
//
// auth/nebiusauth keeps the HTTP exchange (auth.eu.nebius.com), which needs
// no gRPC but does not follow the domain. [ExchangeRequest] carries actor
// tokens, for impersonation and federated credentials.
//
// Every call carries "Authorization: Bearer" from the token source (any
// oauth2.TokenSource; the auth cache's context-aware AccessToken is used
// when available, so the call's context bounds the wait). When the service
// answers UNAUTHENTICATED, the token is invalidated and the call is tried
// once more with a fresh one. Mutating calls carry an X-Idempotency-Key
// (a random UUID), the same on every retry, so the service runs them once;
// a caller that wants to pick the key (to repeat a Create after a crash
// without making a second key) puts "x-idempotency-key" in the context's
// outgoing gRPC metadata, which the clients otherwise pass through.
// UNAVAILABLE and RESOURCE_EXHAUSTED are retried with capped exponential
// backoff and full jitter, unless the service's ServiceError.retry_type
// says not to (and retry_type CALL makes any error retryable). Each attempt
// is bounded by Options.AttemptTimeout (default 30s, as the REST clients'
// attempts): an attempt that gets no answer is retried, and the call then
// fails with iam.ErrUnavailable, so a stalled server cannot hold a call
// forever, even without a caller deadline. A call that the caller's own
// context ends matches that context's error (context.DeadlineExceeded or
// context.Canceled), not iam.ErrUnavailable.
//
// # Operations
//
// Mutating calls start an [Operation]. The plain methods wait for it
// (polling OperationService/Get on the same host with growing delays,
// bounded by the context) and return the resource (Create, Update,
// Activate, Deactivate) or only an error (Delete); the Start* methods
// (StartCreate, StartUpdate, StartDelete, StartActivate, …) return the
// operation without waiting, for [Operations.Wait] later. A failed
// operation's [Operation.Err] is an *iam.Error. A create that the service
// accepted but that then fails returns an *iam.Error whose ResourceID
// names the key or the operation, so nothing is left unseen.
//
// # Updates
//
// Update in the Nebius API replaces the resource; fields the request leaves
// at their default value are kept unless named in the X-ResetMask header.
// The Update methods send only the fields the caller set and name in the
// mask only the fields the caller clears, so changing a description leaves
// labels and name alone.
//
// # Errors
//
// Errors are *iam.Error values with the gRPC code, the service's message
// (secrets scrubbed, size-limited), the ServiceError code and resource ID,
// and the X-Request-ID response header; they unwrap to the iam sentinels
// (iam.ErrNotFound, iam.ErrThrottled, …). Bad input is refused before any
// call with iam.ErrInvalidArgument. A token source that cannot give a
// token makes an *iam.Error of kind iam.ErrUnauthenticated that wraps the
// source's error, as in every iamkit client.
//
// # Lists
//
// List and ListByAccount iterate over every item (iter.Seq2[*T, error]),
// fetching pages as they go; ListPage and ListByAccountPage return one
// [Page]. Every list request has PageSize and PageToken.
//
// # Protobuf registration
//
// The package runs in the same binary as github.com/nebius/gosdk, without
// GOLANG_PROTOBUF_REGISTRATION_CONFLICT: its generated messages are
// registered under iamkit's own file paths and names
// (iamkit/nebius/iam/v2/access_key.proto, iamkit.nebius.iam.v2.AccessKey),
// never those gosdk registers, while everything that travels carries the
// real ones: method names (/nebius.iam.v2.AccessKeyService/Create), the
// type URLs of Any values and google.rpc.Status details
// (type.googleapis.com/nebius.common.v1.ServiceError), and field numbers.
// Nothing in the package resolves a message through the global registry
// by a real name. [Operation.Request] and [Operation.ProgressData] are Any
// values with the real type URLs, which gosdk's types unpack.
//
// # Concurrency
//
// A Client and its typed clients are safe for concurrent use and share one
// gRPC connection. Close the Client when done; no goroutine is left behind.
package nebius
