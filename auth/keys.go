package auth

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// MinRSAKeyBits is the smallest RSA modulus, in bits, that iamkit signs with.
const MinRSAKeyBits = 2048

// maxRSAKeyBits bounds the keys iamkit accepts, so that a hostile file cannot
// make loading or signing arbitrarily slow.
const maxRSAKeyBits = 16384

// maxKeyFileBytes bounds the size of a key or credentials file read from disk.
const maxKeyFileBytes = 1 << 20

// Sentinel errors for key files, matched with errors.Is against the errors
// the key loaders return (which are [*KeyFileError] values).
var (
	// ErrEmptyKey: the file or field holding the key is empty.
	ErrEmptyKey = errors.New("key is empty")
	// ErrMalformedKey: the data is not a well-formed key or key file: no PEM
	// block, truncated or corrupt base64 or DER, invalid JSON.
	ErrMalformedKey = errors.New("malformed key")
	// ErrEncryptedKey: the private key is encrypted with a passphrase, which
	// iamkit does not support.
	ErrEncryptedKey = errors.New("encrypted keys are not supported")
	// ErrNotRSA: the private key is of another type (EC, Ed25519, …) where an
	// RSA key is required.
	ErrNotRSA = errors.New("not an RSA private key")
	// ErrPublicKeyGiven: the data holds a public key or a certificate where a
	// private key was expected.
	ErrPublicKeyGiven = errors.New("a public key or certificate was given where a private key was expected")
	// ErrKeyTooSmall: the RSA key has fewer than [MinRSAKeyBits] bits.
	ErrKeyTooSmall = errors.New("RSA key is too small")
	// ErrMissingField: a required field of a key file is missing or empty.
	ErrMissingField = errors.New("required field is missing")
	// ErrInvalidField: a field of a key file has a value iamkit cannot use.
	ErrInvalidField = errors.New("invalid field value")
	// ErrUserAccountKey: a Yandex key file belongs to a user account; only
	// service-account keys can be exchanged for tokens.
	ErrUserAccountKey = errors.New("user account keys are not supported, use a service account key")
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
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid key file")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *KeyFileError) Unwrap() error { return e.Err }

// keyErr is a cause that matches a sentinel and carries a more specific
// message. Its text replaces the sentinel's.
type keyErr struct {
	kind error
	msg  string
}

func (e *keyErr) Error() string { return e.msg }
func (e *keyErr) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &keyErr{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// ServiceAccountKey is a service account's private key together with the IDs
// a token exchange needs: the key ID (the JWT "kid") and the service account
// ID (the JWT "iss", and "sub" for Nebius).
//
// Printing a ServiceAccountKey (any fmt verb, log/slog, encoding/json) shows
// the IDs and the source, never key material. Make one with
// [NewServiceAccountKey] or a loader ([LoadNebiusCredentialsFile],
// [LoadYandexKeyFile], [LoadPrivateKeyFile]); the zero value has no key.
//
// A ServiceAccountKey is immutable after construction and safe for
// concurrent use.
type ServiceAccountKey struct {
	// KeyID is the ID of the key's public half as the cloud knows it: Nebius
	// "publickey-…", Yandex authorized key ID.
	KeyID string
	// ServiceAccountID is the service account the key belongs to.
	ServiceAccountID string
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
	if err := checkRSAKey(key); err != nil {
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
		Source           string `json:"source,omitempty"`
	}{k.KeyID, k.ServiceAccountID, k.Source})
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

// readKeyFile reads at most maxKeyFileBytes of path. Errors name the path and
// wrap the fs error (fs.ErrNotExist, fs.ErrPermission, …).
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &KeyFileError{Source: path, Err: fmt.Errorf("read key file: %w", unwrapPathError(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, &KeyFileError{Source: path, Err: fmt.Errorf("read key file: %w", unwrapPathError(err))}
	}
	if len(data) > maxKeyFileBytes {
		return nil, &KeyFileError{Source: path, Err: errorf(ErrMalformedKey, "file is larger than %d bytes, not a key file", maxKeyFileBytes)}
	}
	return data, nil
}

// unwrapPathError drops the *fs.PathError wrapper, whose text repeats the
// path that KeyFileError already shows; errors.Is still matches
// fs.ErrNotExist through the syscall error.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
	key, err := parsePrivateKeyPEM(data)
	if err != nil {
		return nil, &KeyFileError{Source: source, Err: err}
	}
	return key, nil
}

var (
	pemBegin        = []byte("-----BEGIN")
	escapedNewline  = []byte(`\n`)
	escapedCRLF     = []byte(`\r\n`)
	realNewline     = []byte("\n")
	encryptedHeader = "ENCRYPTED"
)

// parsePrivateKeyPEM is ParsePrivateKeyPEM without the source. Its errors
// never contain input bytes other than a PEM block type.
func parsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmptyKey
	}
	if !bytes.Contains(data, pemBegin) {
		return nil, errorf(ErrMalformedKey, "no PEM block found (expected a line starting with \"-----BEGIN\"); the data is not a PEM private key")
	}
	key, err := parseBlocks(data)
	if err != nil && errors.Is(err, ErrMalformedKey) && bytes.Contains(data, escapedNewline) {
		// A PEM pasted with its newlines escaped as the two characters \n
		// (common when copied out of a JSON string).
		fixed := bytes.ReplaceAll(data, escapedCRLF, realNewline)
		fixed = bytes.ReplaceAll(fixed, escapedNewline, realNewline)
		if k, err2 := parseBlocks(fixed); err2 == nil || !errors.Is(err2, ErrMalformedKey) {
			return k, err2
		}
	}
	return key, err
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parseBlocks walks the PEM blocks of data and parses the first private key.
func parseBlocks(data []byte) (*rsa.PrivateKey, error) {
	var sawPublic, sawParams string
	rest := data
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = r
		switch block.Type {
		case "CERTIFICATE", "PUBLIC KEY", "RSA PUBLIC KEY", "TRUSTED CERTIFICATE", "X509 CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
			if sawPublic == "" {
				sawPublic = block.Type
			}
			continue
		case "EC PARAMETERS", "DSA PARAMETERS":
			// openssl ecparam -genkey writes "EC PARAMETERS" before "EC
			// PRIVATE KEY", openssl dsaparam -genkey "DSA PARAMETERS"
			// before the DSA key: what follows says what the key is.
			if sawParams == "" {
				sawParams = strings.TrimSuffix(block.Type, " PARAMETERS")
			}
			continue
		}
		return parseBlock(block)
	}
	if sawPublic != "" {
		return nil, errorf(ErrPublicKeyGiven, "found a %q PEM block but no private key: a public key or certificate was given where a private key was expected", sawPublic)
	}
	if sawParams != "" {
		return nil, errorf(ErrNotRSA, "found %s parameters but no private key; an RSA private key is required", sawParams)
	}
	if bytes.Contains(rest, pemBegin) {
		return nil, errorf(ErrMalformedKey, "PEM block is truncated or corrupt (bad base64, or missing \"-----END\" line)")
	}
	return nil, errorf(ErrMalformedKey, "no PEM block found")
}

func parseBlock(block *pem.Block) (*rsa.PrivateKey, error) {
	if strings.Contains(block.Headers["Proc-Type"], encryptedHeader) {
		return nil, errorf(ErrEncryptedKey, "encrypted keys are not supported, decrypt with: openssl pkey -in encrypted.pem -out private.pem")
	}
	switch block.Type {
	case "ENCRYPTED PRIVATE KEY":
		return nil, errorf(ErrEncryptedKey, "encrypted keys are not supported, decrypt with: openssl pkey -in encrypted.pem -out private.pem")
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			// Some tools label PKCS#8 data "RSA PRIVATE KEY".
			if k, err2 := parsePKCS8(block.Bytes); err2 == nil || !errors.Is(err2, ErrMalformedKey) {
				return k, err2
			}
			return nil, errorf(ErrMalformedKey, "%q PEM block is truncated or corrupt (not a valid PKCS#1 RSA private key)", block.Type)
		}
		return key, checkRSAKey(key)
	case "PRIVATE KEY":
		key, err := parsePKCS8(block.Bytes)
		if err != nil && errors.Is(err, ErrMalformedKey) {
			// Some tools label PKCS#1 data "PRIVATE KEY".
			if k, err2 := x509.ParsePKCS1PrivateKey(block.Bytes); err2 == nil {
				return k, checkRSAKey(k)
			}
		}
		return key, err
	case "EC PRIVATE KEY":
		return nil, errorf(ErrNotRSA, "found an EC private key where an RSA key is required")
	case "DSA PRIVATE KEY":
		return nil, errorf(ErrNotRSA, "found a DSA private key where an RSA key is required")
	case "OPENSSH PRIVATE KEY":
		return nil, errorf(ErrMalformedKey, "OpenSSH private key format is not supported; convert it with: ssh-keygen -p -m PKCS8 -f <file>")
	}
	return nil, errorf(ErrMalformedKey, "unexpected PEM block type %q, expected \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"", truncateType(block.Type))
}

func truncateType(t string) string {
	if len(t) > 40 {
		return t[:40] + "…"
	}
	return t
}

func parsePKCS8(der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if name, ok := pkcs8OtherAlgorithm(der); ok {
			return nil, errorf(ErrNotRSA, "found a %s private key where an RSA key is required", name)
		}
		return nil, errorf(ErrMalformedKey, "\"PRIVATE KEY\" PEM block is truncated or corrupt (not a valid PKCS#8 private key)")
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, checkRSAKey(k)
	case *ecdsa.PrivateKey:
		return nil, errorf(ErrNotRSA, "found an ECDSA %s private key where an RSA key is required", k.Curve.Params().Name)
	case ed25519.PrivateKey:
		return nil, errorf(ErrNotRSA, "found an Ed25519 private key where an RSA key is required")
	case *ecdh.PrivateKey:
		return nil, errorf(ErrNotRSA, "found an X25519 (ECDH) private key where an RSA key is required")
	default:
		return nil, errorf(ErrNotRSA, "found a %T private key where an RSA key is required", k)
	}
}

// pkcs8 is the outer structure of a PKCS#8 PrivateKeyInfo (RFC 5208): only
// what tells the key's algorithm.
type pkcs8 struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// Algorithms of PKCS#8 keys that crypto/x509 does not parse.
var (
	oidRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidDSA      = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidECPublic = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidX448     = asn1.ObjectIdentifier{1, 3, 101, 111}
	oidEd448    = asn1.ObjectIdentifier{1, 3, 101, 113}
)

// pkcs8OtherAlgorithm reports the name of the algorithm of der, a
// well-formed PKCS#8 structure that crypto/x509 could not parse, when that
// algorithm is not RSA: such a key is not malformed, it is not RSA.
func pkcs8OtherAlgorithm(der []byte) (string, bool) {
	var p pkcs8
	if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) != 0 {
		return "", false
	}
	switch oid := p.Algo.Algorithm; {
	case oid.Equal(oidRSA), oid.Equal(oidRSAPSS):
		return "", false // RSA that did not parse: malformed
	case oid.Equal(oidDSA):
		return "DSA", true
	case oid.Equal(oidECPublic):
		return "ECDSA (on a curve Go does not support)", true
	case oid.Equal(oidX448):
		return "X448", true
	case oid.Equal(oidEd448):
		return "Ed448", true
	default:
		return "non-RSA (algorithm " + oid.String() + ")", true
	}
}

func checkRSAKey(k *rsa.PrivateKey) error {
	if k.N == nil {
		return errorf(ErrMalformedKey, "RSA key has no modulus")
	}
	bits := k.N.BitLen()
	if bits < MinRSAKeyBits {
		return errorf(ErrKeyTooSmall, "RSA key has %d bits, at least %d are required", bits, MinRSAKeyBits)
	}
	if bits > maxRSAKeyBits {
		return errorf(ErrMalformedKey, "RSA key has %d bits, more than the %d supported", bits, maxRSAKeyBits)
	}
	return nil
}
