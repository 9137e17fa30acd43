// Package chaindial is the one dialer of iamkit's ambient-credential
// chains: the VM metadata sources (auth/yandexauth, auth/nebiusauth) and
// the default HTTP clients of the LoadDefaultConfig functions (iam/yandex,
// iam/nebius) open every connection through [DialContext].
//
// It exists so that a test suite can prove that no chain run sent a packet
// to a real cloud: a TestMain installs a hook with [SetHook] that sees
// every address before it is dialled (before any DNS lookup, so that
// metadata.nebius.internal is never resolved either), refuses the ones
// that are not loopback and reports them when the suite ends.
//
// # Concurrency
//
// [DialContext] and [SetHook] are safe for concurrent use.
package chaindial
