// Package nebiustest is an in-process emulator of the Nebius IAM control
// plane for tests and examples: nebius.iam.v2.AccessKeyService,
// nebius.iam.v1.AuthPublicKeyService, nebius.common.v1.OperationService
// and nebius.iam.v1.TokenExchangeService, served over gRPC on a loopback
// port (plaintext, or TLS with its own CA), with server reflection, as
// net/http/httptest serves HTTP.
//
// The emulator keeps real state (keys per project and account, states
// ACTIVE/INACTIVE/EXPIRED, minted aws_access_key_id and secrets), checks
// bearer tokens against an [iamtest.Registry], replays the operation of a
// repeated X-Idempotency-Key instead of creating a second resource, can
// finish operations only after some polls, answers errors with
// nebius.common.v1.ServiceError details and an X-Request-ID header, and
// injects the faults queued in Server.Faults (UNAVAILABLE,
// RESOURCE_EXHAUSTED, latency, hang).
//
// Public keys uploaded through AuthPublicKeyService are registered in the
// Registry, so the token-exchange emulator (iamtest.NewNebiusTokenServer,
// given the same Registry) verifies JWTs signed with their private halves;
// access keys it mints are registered for the S3 emulator, and kept in sync
// when they are deactivated or deleted. So the whole flow runs end to end:
// upload key → sign JWT → exchange → call CRUD → use S3.
//
// Minimal use:
//
//	srv, err := nebiustest.New()
//	if err != nil { … }
//	defer srv.Close()
//	sa, _ := srv.NewServiceAccount("")          // credentials JSON + project
//	tok := srv.IssueToken(sa.ID, time.Hour)     // or exchange at the token emulator
//	client, _ := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}),
//		srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
//
// [Server.ClientOptions] configures nebius.New, nebius.NewTokenExchanger
// and nebius.ServiceAccountTokens for the emulator (its address, plaintext
// or its CA, its clock).
//
// # Wire
//
// The emulator implements the gRPC services generated from iamkit's copy
// of the Nebius protos (the module's internal/nebiuspb): typed messages,
// the real method names, type URLs with the real names. Update applies
// X-ResetMask with the nebius/api grammar and rules; operations carry the
// request, the headers x-resetmask and x-idempotency-key (which headers
// the live service records is UNCONFIRMED) and a progress tracker; a
// request setting a field the emulator does not know, or a List with a
// filter (filters are not evaluated), is UNIMPLEMENTED and changes nothing.
//
// # Reflection
//
// Server reflection answers from a private registry with the real names,
// so grpcurl works against the emulator with no .proto files:
//
//	grpcurl -plaintext 127.0.0.1:PORT list
//	grpcurl -plaintext -H "authorization: Bearer $TOKEN" -d '{"parent_id":"project-…"}' \
//		127.0.0.1:PORT nebius.iam.v2.AccessKeyService/List
//
// # Token exchange
//
// TokenExchangeService/Exchange verifies a service-account JWT against the
// Registry (as iamtest.NewNebiusTokenServer does over HTTP) and issues a
// token the emulator accepts. It verifies impersonation (an actor access
// token of the Registry whose subject has a grant of
// [Server.AllowImpersonation]) and federated subject credentials (an
// external OIDC JWT checked against the [FederatedCredentials] that
// [Server.AddFederatedCredentials] registered: issuer, signature by its
// JWK set, expiry, subject; [OIDCIssuer] signs such JWTs) the same way.
// Scopes, audience, resource and delegation are not emulated
// (UNIMPLEMENTED).
//
// # Concurrency
//
// A Server is safe for concurrent use; its state is guarded by one lock.
// Close stops it and ends calls held by a hang fault; no goroutine is left.
package nebiustest
