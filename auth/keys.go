package auth

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/iamkit/iamkit/auth/internal/keyfile"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// MinRSAKeyBits is the smallest RSA modulus, in bits, that iamkit signs with.
const MinRSAKeyBits = keyfile.MinRSAKeyBits

// Sentinel errors for key files, matched with errors.Is against the errors
// the key loaders return (which are [*KeyFileError] values), here and in
// the provider packages (auth/nebiusauth, auth/yandexauth).
var (
	// ErrEmptyKey: the file or field holding the key is empty.
	ErrEmptyKey = keyfile.ErrEmptyKey
	// ErrMalformedKey: the data is not a well-formed key or key file: no PEM
	// block, truncated or corrupt base64 or DER, invalid JSON.
	ErrMalformedKey = keyfile.ErrMalformedKey
	// ErrEncryptedKey: the private key is encrypted with a passphrase, which
	// iamkit does not support.
	ErrEncryptedKey = keyfile.ErrEncryptedKey
	// ErrNotRSA: the private key is of another type (EC, Ed25519, …) where an
	// RSA key is required.
	ErrNotRSA = keyfile.ErrNotRSA
	// ErrPublicKeyGiven: the data holds a public key or a certificate where a
	// private key was expected.
	ErrPublicKeyGiven = keyfile.ErrPublicKeyGiven
	// ErrKeyTooSmall: the RSA key has fewer than [MinRSAKeyBits] bits.
	ErrKeyTooSmall = keyfile.ErrKeyTooSmall
	// ErrMissingField: a required field of a key file is missing or empty.
	ErrMissingField = keyfile.ErrMissingField
	// ErrInvalidField: a field of a key file has a value iamkit cannot use.
	ErrInvalidField = keyfile.ErrInvalidField
)

// KeyFileError reports a problem with a key or credentials file: which file
// (Source), which field in it (Field, e.g. "subject-credentials.kid"), and
// what was wrong (Err, which matches one of the sentinels above or, for a
// file that cannot be read, an fs error such as fs.ErrNotExist).
//
// Its text never contains key material.
type KeyFileError struct {
	// Source names the file (its path) or other origin; "" if unknown.
	Source string
	// Field is the field within the file, or "" for the file as a whole.
	Field string
	// Err is the cause.
	Err error
}

// Error formats the error as "auth: <source>: <field>: <cause>".
func (e *KeyFileError) Error() string {
	var b strings.Builder
	b.WriteString("auth: ")
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		// A bare sentinel ("auth: required field is missing") is shown
		// by its phrase: the prefix is already there.
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "auth: "))
	} else {
		b.WriteString("invalid key file")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *KeyFileError) Unwrap() error { return e.Err }

// ServiceAccountKey is a service account's private key together with the IDs
// a token exchange needs: the key ID (the JWT "kid") and the service account
// ID (the JWT "iss", and "sub" for Nebius).
//
// Printing a ServiceAccountKey (any fmt verb, log/slog, encoding/json) shows
// the IDs and the source, never key material. Make one with
// [NewServiceAccountKey] or a loader ([LoadPrivateKeyFile],
// nebiusauth.LoadCredentialsFile, yandexauth.LoadKeyFile); the zero value
// has no key.
//
// A ServiceAccountKey is immutable after construction and safe for
// concurrent use.
type ServiceAccountKey struct {
	// KeyID is the ID of the key's public half as the cloud knows it: Nebius
	// "publickey-…", Yandex authorized key ID.
	KeyID string
	// ServiceAccountID is the service account the key belongs to, the
	// JWTs' issuer. For a Yandex user account's key (UserAccount) it is
	// the user account's ID, which signs the JWTs all the same.
	ServiceAccountID string
	// UserAccount marks a Yandex user account's authorized key (a key.json
	// with "user_account_id"): ServiceAccountID then holds the user
	// account's ID. yandex-cloud/go-sdk v2 (credentials.UserAccountKey)
	// signs such a key exactly as a service account's, with the user
	// account's ID as "iss". Nebius has no user-account keys.
	UserAccount bool
	// Source is the file the key was loaded from, or "".
	Source string

	// key is sealed: a ServiceAccountKey printed by reflection (an
	// unexported field, a wrong verb) shows an address, not the key.
	key *safeprint.Sealed[rsa.PrivateKey]
}

// NewServiceAccountKey returns a ServiceAccountKey for key. Both IDs must be
// non-empty and the key must have at least [MinRSAKeyBits] bits.
func NewServiceAccountKey(keyID, serviceAccountID string, key *rsa.PrivateKey) (*ServiceAccountKey, error) {
	if err := checkIDs(keyID, serviceAccountID); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errors.New("auth: NewServiceAccountKey: private key is nil")
	}
	if err := keyfile.CheckRSA(key); err != nil {
		return nil, &KeyFileError{Err: err}
	}
	return newKey(keyID, serviceAccountID, key, ""), nil
}

func checkIDs(keyID, serviceAccountID string) error {
	if strings.TrimSpace(keyID) == "" {
		return errors.New("auth: NewServiceAccountKey: key ID is empty")
	}
	if strings.TrimSpace(serviceAccountID) == "" {
		return errors.New("auth: NewServiceAccountKey: service account ID is empty")
	}
	return nil
}

func newKey(keyID, serviceAccountID string, key *rsa.PrivateKey, source string) *ServiceAccountKey {
	key.Precompute() // no-op when the parser already did it
	return &ServiceAccountKey{
		KeyID:            keyID,
		ServiceAccountID: serviceAccountID,
		Source:           source,
		key:              safeprint.Seal(key),
	}
}

// PrivateKey returns the RSA private key. The caller must not modify it.
func (k ServiceAccountKey) PrivateKey() *rsa.PrivateKey { return k.key.Get() }

// String describes the key by its IDs and source; it never shows key material.
func (k ServiceAccountKey) String() string {
	var b strings.Builder
	b.WriteString("ServiceAccountKey{KeyID: ")
	b.WriteString(fmt.Sprintf("%q", k.KeyID))
	b.WriteString(", ServiceAccountID: ")
	b.WriteString(fmt.Sprintf("%q", k.ServiceAccountID))
	if k.UserAccount {
		b.WriteString(", UserAccount: true")
	}
	if k.Source != "" {
		b.WriteString(", Source: ")
		b.WriteString(fmt.Sprintf("%q", k.Source))
	}
	if k.key != nil {
		b.WriteString(", PrivateKey: ")
		b.WriteString(iam.Redacted)
	}
	b.WriteString("}")
	return b.String()
}

// GoString is used by %#v; it never shows key material.
func (k ServiceAccountKey) GoString() string { return "auth." + k.String() }

// Format prints the key under every fmt verb as [ServiceAccountKey.String]
// does (%#v as [ServiceAccountKey.GoString]); never key material.
func (k ServiceAccountKey) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, k.GoString())
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", k.String())
	default:
		_, _ = io.WriteString(f, k.String())
	}
}

// LogValue makes log/slog print the IDs and source as a group; never key
// material.
func (k ServiceAccountKey) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("key_id", k.KeyID),
		slog.String("service_account_id", k.ServiceAccountID),
	}
	if k.UserAccount {
		attrs = append(attrs, slog.Bool("user_account", true))
	}
	if k.Source != "" {
		attrs = append(attrs, slog.String("source", k.Source))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON writes the IDs and source; never key material.
func (k ServiceAccountKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		KeyID            string `json:"key_id"`
		ServiceAccountID string `json:"service_account_id"`
		UserAccount      bool   `json:"user_account,omitempty"`
		Source           string `json:"source,omitempty"`
	}{k.KeyID, k.ServiceAccountID, k.UserAccount, k.Source})
}

// LoadPrivateKeyFile reads a PEM private key (PKCS#1 or PKCS#8 RSA, e.g. the
// private.pem of "openssl genrsa") from path and pairs it with the IDs the
// caller gives.
func LoadPrivateKeyFile(path, keyID, serviceAccountID string) (*ServiceAccountKey, error) {
	if err := checkIDs(keyID, serviceAccountID); err != nil {
		return nil, err
	}
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKeyPEM(data, path)
	if err != nil {
		return nil, err
	}
	return newKey(keyID, serviceAccountID, key, path), nil
}

// readKeyFile reads at most keyfile.MaxFileBytes of path. Errors name the
// path and wrap the fs error (fs.ErrNotExist, fs.ErrPermission, …).
func readKeyFile(path string) ([]byte, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, &KeyFileError{Source: path, Err: err}
	}
	return data, nil
}

// ParsePrivateKeyPEM parses an RSA private key in PEM form: PKCS#1 ("RSA
// PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"). Text before the first
// "-----BEGIN" line (such as the Yandex "PLEASE DO NOT REMOVE THIS LINE!"
// line) is skipped, as are certificates and public keys that precede the
// private key; a PEM whose line breaks were written as the two characters
// `\n` is accepted too.
//
// source names the data's origin in errors (a file name, or ""). Errors are
// [*KeyFileError] values matching [ErrEmptyKey], [ErrMalformedKey],
// [ErrEncryptedKey], [ErrNotRSA], [ErrPublicKeyGiven] or [ErrKeyTooSmall];
// their text never contains key material.
func ParsePrivateKeyPEM(data []byte, source string) (*rsa.PrivateKey, error) {
	key, err := keyfile.ParsePEM(data)
	if err != nil {
		return nil, &KeyFileError{Source: source, Err: err}
	}
	return key, nil
}
