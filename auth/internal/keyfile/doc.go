// Package keyfile is the core of iamkit's key-file readers: the bounded
// file read, the RSA private-key PEM parser, the sentinel errors that
// package auth exports, and JSON error descriptions that never echo input
// bytes. auth wraps its results in auth.KeyFileError; auth/nebiusauth and
// auth/yandexauth use it for their credentials formats.
//
// Errors from this package are causes: they never contain key material and
// carry no file name (the caller's KeyFileError adds it).
package keyfile
