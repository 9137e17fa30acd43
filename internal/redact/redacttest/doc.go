// Package redacttest holds what the tests of the scrubbing of echoed
// credentials share: the ways a server may encode an echo ([Echoes]),
// login:password pairs whose base64 has each padding ([BasicLogins]), and
// the oracle [Left], which looks for a secret in a text and in its
// percent-decoded forms.
//
// It is for tests only.
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package redacttest
