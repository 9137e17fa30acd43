// Package iam is iamkit's provider-neutral vocabulary: the [Secret] type
// that never prints its value, the [AccessKey] and [State] of an
// S3-compatible key, the [KeyManager] interface that each cloud implements,
// and the [Error] type with sentinels (ErrNotFound, ErrThrottled, …) for
// errors.Is.
//
// The clouds' typed clients live in the sub-packages iam/nebius, iam/yandex
// and iam/outscale; iam/iamtest holds emulators of all three for tests.
//
// # Secrets
//
// Every secret iamkit handles (access-key secrets, tokens, JWTs, private
// keys, passwords) is a [Secret]. It prints as "REDACTED" under fmt, slog,
// encoding/json and encoding/xml; only [Secret.Reveal] returns the value.
//
// # Concurrency
//
// All types here are values or immutable after construction, and are safe
// to share between goroutines.
package iam
