package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// nebiusCredentialsFile is the service-account credentials JSON written by
// "nebius iam auth-public-key generate". Unknown fields are ignored.
type nebiusCredentialsFile struct {
	SubjectCredentials *struct {
		Type       string `json:"type"`
		Alg        string `json:"alg"`
		PrivateKey string `json:"private-key"`
		KeyID      string `json:"kid"`
		Issuer     string `json:"iss"`
		Subject    string `json:"sub"`
	} `json:"subject-credentials"`
}

// LoadNebiusCredentialsFile reads a Nebius service-account credentials file
// (the JSON "nebius iam auth-public-key generate --output" writes) from path.
// See [ParseNebiusCredentials].
func LoadNebiusCredentialsFile(path string) (*ServiceAccountKey, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	return ParseNebiusCredentials(data, path)
}

// ParseNebiusCredentials parses a Nebius service-account credentials JSON:
//
//	{"subject-credentials": {"type": "JWT", "alg": "RS256",
//	  "private-key": "-----BEGIN PRIVATE KEY-----\n…", "kid": "publickey-…",
//	  "iss": "serviceaccount-…", "sub": "serviceaccount-…"}}
//
// "type" must be empty or "JWT", "alg" must be "RS256", "kid", "iss" and
// "private-key" are required and "sub", when present, must equal "iss".
// Unknown fields are ignored. The result has KeyID = kid and
// ServiceAccountID = sub (= iss).
//
// source names the data's origin in errors (a file name, or ""). Errors are
// [*KeyFileError] values naming the field ("subject-credentials.kid") and
// matching [ErrMalformedKey], [ErrMissingField], [ErrInvalidField] or one of
// the private-key errors of [ParsePrivateKeyPEM].
func ParseNebiusCredentials(data []byte, source string) (*ServiceAccountKey, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &KeyFileError{Source: source, Err: ErrEmptyKey}
	}
	var f nebiusCredentialsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &KeyFileError{Source: source, Field: jsonErrorField(err), Err: jsonError(err, "Nebius credentials")}
	}
	const prefix = "subject-credentials"
	sc := f.SubjectCredentials
	if sc == nil {
		return nil, &KeyFileError{Source: source, Field: prefix, Err: errorf(ErrMissingField, "required object is missing; is this a Nebius service-account credentials file?")}
	}
	fieldErr := func(name string, err error) error {
		return &KeyFileError{Source: source, Field: prefix + "." + name, Err: err}
	}
	if t := strings.TrimSpace(sc.Type); t != "" && t != "JWT" {
		return nil, fieldErr("type", errorf(ErrInvalidField, "must be \"JWT\" or absent"))
	}
	switch alg := strings.TrimSpace(sc.Alg); alg {
	case "RS256":
	case "":
		return nil, fieldErr("alg", errorf(ErrMissingField, "required field is missing (expected \"RS256\")"))
	default:
		return nil, fieldErr("alg", errorf(ErrInvalidField, "must be \"RS256\""))
	}
	kid := strings.TrimSpace(sc.KeyID)
	if kid == "" {
		return nil, fieldErr("kid", ErrMissingField)
	}
	iss := strings.TrimSpace(sc.Issuer)
	if iss == "" {
		return nil, fieldErr("iss", ErrMissingField)
	}
	// The Nebius SDKs require sub == iss. A file without "sub" is accepted
	// (the most tolerant reading that is still correct: the signer sends
	// sub = iss = the service account ID anyway).
	if sub := strings.TrimSpace(sc.Subject); sub != "" && sub != iss {
		return nil, fieldErr("sub", errorf(ErrInvalidField, "must equal subject-credentials.iss (both are the service account ID)"))
	}
	if strings.TrimSpace(sc.PrivateKey) == "" {
		return nil, fieldErr("private-key", ErrMissingField)
	}
	key, err := parsePrivateKeyPEM([]byte(sc.PrivateKey))
	if err != nil {
		return nil, fieldErr("private-key", err)
	}
	return newKey(kid, iss, key, source), nil
}

// jsonError describes a JSON decoding error without echoing input bytes
// (encoding/json's syntax errors quote the offending character, which could
// be part of a key).
func jsonError(err error, what string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errorf(ErrMalformedKey, "not a valid %s JSON file: syntax error at byte offset %d", what, se.Offset)
	case errors.As(err, &te):
		return errorf(ErrInvalidField, "expected a JSON %s, found %s", jsonKind(te.Type.Kind().String()), te.Value)
	default:
		return errorf(ErrMalformedKey, "not a valid %s JSON file", what)
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

// jsonErrorField returns the dotted field path of a type error, or "".
func jsonErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}
