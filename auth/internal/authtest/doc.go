// Package authtest holds the test helpers that the tests of auth,
// auth/nebiusauth, auth/yandexauth and their internal packages share: a
// test RSA key, checks that a text carries no key material or secret, a JWT
// decoder, a debug-log collector, a signer that records its JWTs, a fixed
// HTTP answer, an environment of both token emulators on one fake clock,
// and goleak checks that closing a token source leaves no connection.
// Only tests import it.
package authtest
