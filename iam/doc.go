// Package iam is iamkit's provider-neutral vocabulary: the [Secret] type
// that never prints its value, the [AccessKey] and [State] of an
// S3-compatible key, the [KeyManager] interface that each cloud implements,
// and the [Error] type with sentinels (ErrNotFound, ErrThrottled, …) for
// errors.Is.
//
// The clouds' typed clients live in the sub-packages iam/nebius, iam/yandex
// and iam/outscale; iam/iamtest holds emulators of all three for tests.
//
// Minimal use:
//
//	secret := iam.NewSecret(os.Getenv("MY_SECRET"))
//	fmt.Println(secret)                      // REDACTED
//	req.Header.Set("X-Key", secret.Reveal()) // the value, only when asked for
//
//	_, err := client.AccessKeys().Get(ctx, id) // client: a *yandex.Client, say
//	if errors.Is(err, iam.ErrNotFound) {
//		// gone; err is an *iam.Error with the provider's code and request ID
//	}
//
// # Secrets
//
// Every secret iamkit handles (access-key secrets, tokens, JWTs, private
// keys, passwords) is a [Secret]. It prints as "REDACTED" under fmt, slog,
// encoding/json and encoding/xml, also where fmt prints by reflection (an
// unexported field, a wrong verb); only [Secret.Reveal] returns the value.
//
// # Concurrency
//
// All types here are values or immutable after construction, and are safe
// to share between goroutines.
//
// # User-Agent
//
// Every iamkit client and token exchanger sends "iamkit/<version>" as its
// User-Agent. An Options.UserAgent value is appended to it, never put in
// its place: UserAgent "myapp/1.2" sends "iamkit/<version> myapp/1.2" (a
// value that already contains the iamkit token is sent as it is). The
// Options docs of the clients refer to this rule.
package iam
