package keyfile

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
	"os"
	"strings"
)

// MinRSAKeyBits is the smallest RSA modulus, in bits, that iamkit signs with
// (auth.MinRSAKeyBits).
const MinRSAKeyBits = 2048

// maxRSAKeyBits bounds the keys iamkit accepts, so that a hostile file cannot
// make loading or signing arbitrarily slow.
const maxRSAKeyBits = 16384

// MaxFileBytes bounds the size of a key or credentials file read from disk.
const MaxFileBytes = 1 << 20

// The sentinels of package auth (auth re-exports each under the same name,
// with its documentation). Their text reads "auth: <phrase>"; an
// auth.KeyFileError shows the phrase after its own "auth: " prefix.
var (
	// ErrEmptyKey is auth.ErrEmptyKey.
	ErrEmptyKey = errors.New("auth: key is empty")
	// ErrMalformedKey is auth.ErrMalformedKey.
	ErrMalformedKey = errors.New("auth: malformed key")
	// ErrEncryptedKey is auth.ErrEncryptedKey.
	ErrEncryptedKey = errors.New("auth: encrypted keys are not supported")
	// ErrNotRSA is auth.ErrNotRSA.
	ErrNotRSA = errors.New("auth: not an RSA private key")
	// ErrPublicKeyGiven is auth.ErrPublicKeyGiven.
	ErrPublicKeyGiven = errors.New("auth: a public key or certificate was given where a private key was expected")
	// ErrKeyTooSmall is auth.ErrKeyTooSmall.
	ErrKeyTooSmall = errors.New("auth: RSA key is too small")
	// ErrMissingField is auth.ErrMissingField.
	ErrMissingField = errors.New("auth: required field is missing")
	// ErrInvalidField is auth.ErrInvalidField.
	ErrInvalidField = errors.New("auth: invalid field value")
)

// kindError is a cause that matches a sentinel and carries a more specific
// message. Its text replaces the sentinel's.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Errorf returns an error whose text is the formatted message and which
// matches kind (one of the sentinels) with errors.Is.
func Errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Read reads at most MaxFileBytes of path. Its errors are causes for an
// auth.KeyFileError naming the path: they wrap the fs error
// (fs.ErrNotExist, fs.ErrPermission, …) without repeating the path.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", unwrapPathError(err))
	}
	if len(data) > MaxFileBytes {
		return nil, Errorf(ErrMalformedKey, "file is larger than %d bytes, not a key file", MaxFileBytes)
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

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM drops a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, utf8BOM) }

// JSONError describes a JSON decoding error of a what file without echoing
// input bytes (encoding/json's syntax errors quote the offending character,
// which could be part of a key).
func JSONError(err error, what string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return Errorf(ErrMalformedKey, "not a valid %s JSON file: syntax error at byte offset %d", what, se.Offset)
	case errors.As(err, &te):
		return Errorf(ErrInvalidField, "expected a JSON %s, found %s", jsonKind(te.Type.Kind().String()), te.Value)
	default:
		return Errorf(ErrMalformedKey, "not a valid %s JSON file", what)
	}
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "ptr":
		return "object"
	}
	return k
}

// JSONErrorField returns the dotted field path of a JSON type error, or "".
func JSONErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

var (
	pemBegin        = []byte("-----BEGIN")
	escapedNewline  = []byte(`\n`)
	escapedCRLF     = []byte(`\r\n`)
	realNewline     = []byte("\n")
	encryptedHeader = "ENCRYPTED"
)

// ParsePEM parses an RSA private key in PEM form, as auth.ParsePrivateKeyPEM
// documents it, and returns the cause of a failure (for an
// auth.KeyFileError). Its errors never contain input bytes other than a PEM
// block type.
func ParsePEM(data []byte) (*rsa.PrivateKey, error) {
	data = TrimBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmptyKey
	}
	if !bytes.Contains(data, pemBegin) {
		return nil, Errorf(ErrMalformedKey, "no PEM block found (expected a line starting with \"-----BEGIN\"); the data is not a PEM private key")
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
		return nil, Errorf(ErrPublicKeyGiven, "found a %q PEM block but no private key: a public key or certificate was given where a private key was expected", sawPublic)
	}
	if sawParams != "" {
		return nil, Errorf(ErrNotRSA, "found %s parameters but no private key; an RSA private key is required", sawParams)
	}
	if bytes.Contains(rest, pemBegin) {
		return nil, Errorf(ErrMalformedKey, "PEM block is truncated or corrupt (bad base64, or missing \"-----END\" line)")
	}
	return nil, Errorf(ErrMalformedKey, "no PEM block found")
}

func parseBlock(block *pem.Block) (*rsa.PrivateKey, error) {
	if strings.Contains(block.Headers["Proc-Type"], encryptedHeader) {
		return nil, Errorf(ErrEncryptedKey, "encrypted keys are not supported, decrypt with: openssl pkey -in encrypted.pem -out private.pem")
	}
	switch block.Type {
	case "ENCRYPTED PRIVATE KEY":
		return nil, Errorf(ErrEncryptedKey, "encrypted keys are not supported, decrypt with: openssl pkey -in encrypted.pem -out private.pem")
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			// Some tools label PKCS#8 data "RSA PRIVATE KEY".
			if k, err2 := parsePKCS8(block.Bytes); err2 == nil || !errors.Is(err2, ErrMalformedKey) {
				return k, err2
			}
			return nil, Errorf(ErrMalformedKey, "%q PEM block is truncated or corrupt (not a valid PKCS#1 RSA private key)", block.Type)
		}
		return key, CheckRSA(key)
	case "PRIVATE KEY":
		key, err := parsePKCS8(block.Bytes)
		if err != nil && errors.Is(err, ErrMalformedKey) {
			// Some tools label PKCS#1 data "PRIVATE KEY".
			if k, err2 := x509.ParsePKCS1PrivateKey(block.Bytes); err2 == nil {
				return k, CheckRSA(k)
			}
		}
		return key, err
	case "EC PRIVATE KEY":
		return nil, Errorf(ErrNotRSA, "found an EC private key where an RSA key is required")
	case "DSA PRIVATE KEY":
		return nil, Errorf(ErrNotRSA, "found a DSA private key where an RSA key is required")
	case "OPENSSH PRIVATE KEY":
		return nil, Errorf(ErrMalformedKey, "OpenSSH private key format is not supported; convert it with: ssh-keygen -p -m PKCS8 -f <file>")
	}
	return nil, Errorf(ErrMalformedKey, "unexpected PEM block type %q, expected \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"", truncateType(block.Type))
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
			return nil, Errorf(ErrNotRSA, "found a %s private key where an RSA key is required", name)
		}
		return nil, Errorf(ErrMalformedKey, "\"PRIVATE KEY\" PEM block is truncated or corrupt (not a valid PKCS#8 private key)")
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, CheckRSA(k)
	case *ecdsa.PrivateKey:
		return nil, Errorf(ErrNotRSA, "found an ECDSA %s private key where an RSA key is required", k.Curve.Params().Name)
	case ed25519.PrivateKey:
		return nil, Errorf(ErrNotRSA, "found an Ed25519 private key where an RSA key is required")
	case *ecdh.PrivateKey:
		return nil, Errorf(ErrNotRSA, "found an X25519 (ECDH) private key where an RSA key is required")
	default:
		return nil, Errorf(ErrNotRSA, "found a %T private key where an RSA key is required", k)
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

// CheckRSA checks that k has a modulus of MinRSAKeyBits to 16384 bits.
func CheckRSA(k *rsa.PrivateKey) error {
	if k.N == nil {
		return Errorf(ErrMalformedKey, "RSA key has no modulus")
	}
	bits := k.N.BitLen()
	if bits < MinRSAKeyBits {
		return Errorf(ErrKeyTooSmall, "RSA key has %d bits, at least %d are required", bits, MinRSAKeyBits)
	}
	if bits > maxRSAKeyBits {
		return Errorf(ErrMalformedKey, "RSA key has %d bits, more than the %d supported", bits, maxRSAKeyBits)
	}
	return nil
}
