// Package yandex is a small REST client for the keys of Yandex Cloud IAM:
// service-account API keys, static (AWS-compatible) access keys,
// authorized keys, ephemeral access keys, and the operations that their
// updates and deletes return. It speaks the REST gateway directly and does
// not depend on gRPC or on Yandex's generated API.
//
// A [Client] has one sub-client per resource — [Client.APIKeys],
// [Client.AccessKeys], [Client.Keys], [Client.EphemeralAccessKeys] and
// [Client.Operations] — over one transport:
// "Authorization: Bearer" from any oauth2.TokenSource (one
// refresh-and-retry on 401 when the source is an auth.Invalidator, such
// as *auth.Cache), an Idempotency-Key on every POST, PATCH and DELETE that
// stays the same across retries (so a retried create makes one key),
// x-request-id and x-client-trace-id on every request, retries with
// backoff for throttling, 5xx answers and transport errors, and errors as
// *iam.Error values decoded from google.rpc.Status JSON that match the iam
// sentinels (iam.ErrNotFound, iam.ErrThrottled, …) with errors.Is and
// carry the gRPC code, message and request ID.
//
// Requests are checked before they are sent: more than 100 scopes,
// duplicate scopes, an expiry in the past or after [MaxExpiresAt], a
// description over 256 characters or an empty ID fail at once with an
// error matching iam.ErrInvalidArgument that says which field was wrong.
//
// [NewKeyManager] returns the [iam.KeyManager] of a service account's
// static access keys, which the credentials package uses to create and
// rotate S3 keys. [WriteKeyFile] saves a new authorized
// key as the key.json that "yc iam key create" writes and that
// yandexauth.LoadKeyFile reads.
//
// Minimal use, with a key.json of a service account:
//
//	key, err := yandexauth.LoadKeyFile("key.json")
//	if err != nil { ... }
//	ts, err := yandexauth.ServiceAccount(key) // an *auth.Cache
//	if err != nil { ... }
//	defer ts.Close()
//	client, err := yandex.New(ts, func(o *yandex.Options) { o.ServiceAccountID = key.ServiceAccountID })
//	if err != nil { ... }
//	defer client.Close()
//	created, err := client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{
//		Description: "ci",
//		Scopes:      []string{"yc.ai.languageModels.execute"},
//		ExpiresAt:   time.Now().Add(30 * 24 * time.Hour),
//	})
//	// created.Secret is an iam.Secret: it prints as REDACTED.
//
// The emulator in iam/iamtest/yandextest serves every route of this
// package on a loopback port, for tests and examples; its ClientOptions
// method points a client at it.
//
// # Shapes
//
// The sub-clients follow one vocabulary, as in iam/nebius and
// iam/outscale: Create, Get(ctx, id), List(ctx, req) (an
// iter.Seq2[*T, error] that fetches pages as it goes), ListPage(ctx, req)
// (one [Page]), Update(ctx, req) (the ID in the request; waits and returns
// the resource), Delete(ctx, id) (waits; only an error), and StartUpdate
// and StartDelete, which return the [Operation] without waiting. Every
// list request embeds [PageRequest] (PageSize, PageToken). AccessKey,
// CreatedAccessKey and EphemeralAccessKey convert to the neutral
// iam.AccessKey with ToIAM.
//
// # Wire format
//
// Bodies follow the proto3 JSON mapping: lowerCamelCase names, int64
// values as strings (numbers accepted too), timestamps in RFC 3339 with 0
// to 9 fractional digits and any offset ("Z", "+00:00"), unknown fields
// ignored. Update sends an updateMask naming exactly the fields set, in
// camelCase. Endpoints are overridable through [Options]; [DiscoverEndpoints]
// reads them from the endpoint list when asked.
//
// # Operations
//
// Update and Delete return an operation; the Update and Delete methods wait
// for it ([Operations.Wait]: polling with backoff bounded by the context,
// honouring x-operation-poll-interval, tolerating the first NOT_FOUND
// answers) and return the final resource (Update) or only an error
// (Delete). StartUpdate and StartDelete return the operation without
// waiting; [Operations.Cancel] asks for it to be cancelled (best effort).
// Create answers directly in the API: it has no operation.
//
// # Errors
//
// Every failure is an *iam.Error naming the call ("yandex
// ApiKeyService/Get: …"). A token source that fails gives an error
// matching iam.ErrUnauthenticated that wraps the source's error (its own
// sentinel, such as an exchanger's iam.ErrUnavailable, matches too); a
// caller's context that ends gives the context's error. Each attempt is
// bounded by Options.AttemptTimeout.
//
// # Concurrency
//
// A Client and all its parts are safe for concurrent use by multiple
// goroutines. The client starts no goroutines of its own; [Client.Close]
// closes the idle connections of its own pool.
package yandex
