package nebiusauth

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
)

// credentialsFile is the service-account credentials JSON written by
// "nebius iam auth-public-key generate". Unknown fields are ignored.
type credentialsFile struct {
	SubjectCredentials *struct {
		Type       string `json:"type"`
		Alg        string `json:"alg"`
		PrivateKey string `json:"private-key"`
		KeyID      string `json:"kid"`
		Issuer     string `json:"iss"`
		Subject    string `json:"sub"`
	} `json:"subject-credentials"`
}

// LoadCredentialsFile reads a Nebius service-account credentials file (the
// JSON "nebius iam auth-public-key generate --output" writes) from path.
// See [ParseCredentials].
func LoadCredentialsFile(path string) (*auth.ServiceAccountKey, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, &auth.KeyFileError{Source: path, Err: err}
	}
	return ParseCredentials(data, path)
}

// ParseCredentials parses a Nebius service-account credentials JSON:
//
//	{"subject-credentials": {"type": "JWT", "alg": "RS256",
//	  "private-key": "-----BEGIN PRIVATE KEY-----\n…", "kid": "publickey-…",
//	  "iss": "serviceaccount-…", "sub": "serviceaccount-…"}}
//
// "type" must be empty or "JWT", "alg" must be "RS256", "kid", "iss", "sub"
// and "private-key" are required, and "sub" must equal "iss" (as gosdk
// checks it).
// Unknown fields are ignored. The result has KeyID = kid and
// ServiceAccountID = sub (= iss).
//
// source names the data's origin in errors (a file name, or ""). Errors are
// [*auth.KeyFileError] values naming the field ("subject-credentials.kid")
// and matching [auth.ErrMalformedKey], [auth.ErrMissingField],
// [auth.ErrInvalidField] or one of the private-key errors of
// [auth.ParsePrivateKeyPEM].
func ParseCredentials(data []byte, source string) (*auth.ServiceAccountKey, error) {
	data = keyfile.TrimBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &auth.KeyFileError{Source: source, Err: auth.ErrEmptyKey}
	}
	var f credentialsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &auth.KeyFileError{Source: source, Field: keyfile.JSONErrorField(err), Err: keyfile.JSONError(err, "Nebius credentials")}
	}
	const prefix = "subject-credentials"
	sc := f.SubjectCredentials
	if sc == nil {
		return nil, &auth.KeyFileError{Source: source, Field: prefix, Err: keyfile.Errorf(auth.ErrMissingField, "required object is missing; is this a Nebius service-account credentials file?")}
	}
	fieldErr := func(name string, err error) error {
		return &auth.KeyFileError{Source: source, Field: prefix + "." + name, Err: err}
	}
	if t := strings.TrimSpace(sc.Type); t != "" && t != "JWT" {
		return nil, fieldErr("type", keyfile.Errorf(auth.ErrInvalidField, "must be \"JWT\" or absent"))
	}
	switch alg := strings.TrimSpace(sc.Alg); alg {
	case "RS256":
	case "":
		return nil, fieldErr("alg", keyfile.Errorf(auth.ErrMissingField, "required field is missing (expected \"RS256\")"))
	default:
		return nil, fieldErr("alg", keyfile.Errorf(auth.ErrInvalidField, "must be \"RS256\""))
	}
	kid := strings.TrimSpace(sc.KeyID)
	if kid == "" {
		return nil, fieldErr("kid", auth.ErrMissingField)
	}
	iss := strings.TrimSpace(sc.Issuer)
	if iss == "" {
		return nil, fieldErr("iss", auth.ErrMissingField)
	}
	// gosdk requires sub == iss and so refuses a file with iss and without
	// sub ("subject must be the same as issuer"); so does iamkit, so that a
	// file works with both or with neither (the CLI writes both). (gosdk
	// does not refuse a file without iss and sub but signs JWTs with empty
	// ones, which the service refuses; iamkit says so at once, above.)
	switch sub := strings.TrimSpace(sc.Subject); {
	case sub == "":
		return nil, fieldErr("sub", keyfile.Errorf(auth.ErrMissingField, "required field is missing: it must equal subject-credentials.iss (both are the service account ID)"))
	case sub != iss:
		return nil, fieldErr("sub", keyfile.Errorf(auth.ErrInvalidField, "must equal subject-credentials.iss (both are the service account ID)"))
	}
	if strings.TrimSpace(sc.PrivateKey) == "" {
		return nil, fieldErr("private-key", auth.ErrMissingField)
	}
	key, err := keyfile.ParsePEM([]byte(sc.PrivateKey))
	if err != nil {
		return nil, fieldErr("private-key", err)
	}
	k, err := auth.NewServiceAccountKey(kid, iss, key)
	if err != nil {
		return nil, err
	}
	k.Source = source
	return k, nil
}

// MarshalCredentials encodes key as the Nebius service-account credentials
// JSON that [ParseCredentials] reads and "nebius iam auth-public-key
// generate" writes:
//
//	{"subject-credentials": {"type": "JWT", "alg": "RS256",
//	  "private-key": "-----BEGIN PRIVATE KEY-----\n…", "kid": <key ID>,
//	  "iss": <service account ID>, "sub": <service account ID>}}
//
// with the private key as PKCS#8 PEM, indented by two spaces and ending in
// a newline. The result holds the private key in plaintext: write it only
// to a file of mode 0600.
func MarshalCredentials(key *auth.ServiceAccountKey) ([]byte, error) {
	if key == nil || key.PrivateKey() == nil {
		return nil, errors.New("nebiusauth: MarshalCredentials: the key is nil or has no private key")
	}
	if strings.TrimSpace(key.KeyID) == "" || strings.TrimSpace(key.ServiceAccountID) == "" {
		return nil, errors.New("nebiusauth: MarshalCredentials: the key has no key ID or no service account ID")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key.PrivateKey())
	if err != nil {
		return nil, fmt.Errorf("nebiusauth: MarshalCredentials: %w", err)
	}
	type subject struct {
		Type       string `json:"type"`
		Alg        string `json:"alg"`
		PrivateKey string `json:"private-key"`
		KeyID      string `json:"kid"`
		Issuer     string `json:"iss"`
		Subject    string `json:"sub"`
	}
	b, err := json.MarshalIndent(struct {
		SubjectCredentials subject `json:"subject-credentials"`
	}{subject{
		Type:       "JWT",
		Alg:        "RS256",
		PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		KeyID:      key.KeyID,
		Issuer:     key.ServiceAccountID,
		Subject:    key.ServiceAccountID,
	}}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("nebiusauth: MarshalCredentials: %w", err)
	}
	return append(b, '\n'), nil
}
