// Package jwtsign builds and signs the short-lived JWTs that the Nebius and
// Yandex token exchanges present (auth/nebiusauth and auth/yandexauth wrap
// it in their signers). The header and the constant claims are encoded once
// with encoding/json; a signature then costs one SHA-256, one RSA operation
// (golang-jwt's RS256 or PS256) and a few appends.
//
// A [Builder] is immutable and safe for concurrent use.
package jwtsign
