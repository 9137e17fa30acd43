package yandexauth

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// KeyFile is a Yandex Cloud authorized key file (the key.json that
// "yc iam key create --output key.json" writes), parsed.
type KeyFile struct {
	// Key is the authorized key: KeyID = "id", ServiceAccountID =
	// "service_account_id", or for a user account's key "user_account_id"
	// with Key.UserAccount set.
	Key *auth.ServiceAccountKey
	// CreatedAt is "created_at", or zero when absent or not RFC 3339.
	CreatedAt time.Time
	// KeyAlgorithm is "key_algorithm" as its enum name ("RSA_2048",
	// "RSA_4096"), or "" when absent.
	KeyAlgorithm string
	// PublicKey is "public_key", the PEM public key, or "".
	PublicKey string
	// Description is "description", or "".
	Description string
}

// keyJSON accepts both the snake_case names yc writes (the gRPC API's)
// and the camelCase names of the REST API, as yandex-cloud/go-sdk does.
// Unlike go-sdk (protojson), unknown fields are ignored.
type keyJSON struct {
	ID                    string          `json:"id"`
	ServiceAccountID      string          `json:"service_account_id"`
	ServiceAccountIDCamel string          `json:"serviceAccountId"`
	UserAccountID         string          `json:"user_account_id"`
	UserAccountIDCamel    string          `json:"userAccountId"`
	CreatedAt             string          `json:"created_at"`
	CreatedAtCamel        string          `json:"createdAt"`
	Description           string          `json:"description"`
	KeyAlgorithm          json.RawMessage `json:"key_algorithm"`
	KeyAlgorithmCamel     json.RawMessage `json:"keyAlgorithm"`
	PublicKey             string          `json:"public_key"`
	PublicKeyCamel        string          `json:"publicKey"`
	PrivateKey            string          `json:"private_key"`
	PrivateKeyCamel       string          `json:"privateKey"`
}

// LoadKeyFile reads a Yandex Cloud authorized key file (key.json) from
// path. See [ParseKey].
func LoadKeyFile(path string) (*auth.ServiceAccountKey, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, &auth.KeyFileError{Source: path, Err: err}
	}
	return ParseKey(data, path)
}

// ParseKey parses a Yandex Cloud authorized key file (key.json):
//
//	{"id": "ajek…", "service_account_id": "ajel…", "created_at": "…",
//	 "key_algorithm": "RSA_2048", "public_key": "-----BEGIN PUBLIC KEY-----…",
//	 "private_key": "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajek…>\n-----BEGIN PRIVATE KEY-----…"}
//
// Both snake_case and camelCase field names are accepted, unknown fields are
// ignored, and the "PLEASE DO NOT REMOVE THIS LINE!" prefix is skipped. "id",
// "private_key" and exactly one of "service_account_id" and
// "user_account_id" are required.
//
// A user account's key ("user_account_id") gives a key with UserAccount
// set and the user account's ID as ServiceAccountID: it signs JWTs with
// that ID as "iss", the key ID as "kid", PS256 and the usual audience,
// which is how yandex-cloud/go-sdk v2 signs one (credentials/user_account.go,
// UserAccountKey, over credentials/jwt_token.go; CONFIRMED in its source at
// v2 111e372e). Whether Yandex IAM exchanges such a JWT for an ordinary
// user account is UNCONFIRMED: go-sdk warns that "user account keys are
// not supported, and won't be supported for most users"; the server's
// answer then says so.
//
// source names the data's origin in errors (a file name, or ""). Errors are
// [*auth.KeyFileError] values naming the field.
func ParseKey(data []byte, source string) (*auth.ServiceAccountKey, error) {
	f, err := ParseKeyFile(data, source)
	if err != nil {
		return nil, err
	}
	return f.Key, nil
}

// ParseKeyFile is [ParseKey] that also returns the file's other fields.
func ParseKeyFile(data []byte, source string) (*KeyFile, error) {
	data = keyfile.TrimBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &auth.KeyFileError{Source: source, Err: auth.ErrEmptyKey}
	}
	var j keyJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, &auth.KeyFileError{Source: source, Field: keyfile.JSONErrorField(err), Err: keyfile.JSONError(err, "Yandex Cloud key")}
	}
	fieldErr := func(name string, err error) error {
		return &auth.KeyFileError{Source: source, Field: name, Err: err}
	}
	id := strings.TrimSpace(j.ID)
	saID := strings.TrimSpace(firstNonEmpty(j.ServiceAccountID, j.ServiceAccountIDCamel))
	userID := strings.TrimSpace(firstNonEmpty(j.UserAccountID, j.UserAccountIDCamel))
	if saID != "" && userID != "" {
		return nil, fieldErr("user_account_id", fmt.Errorf("%w: a key belongs to one account, and service_account_id is set too", auth.ErrInvalidField))
	}
	if id == "" {
		return nil, fieldErr("id", auth.ErrMissingField)
	}
	if saID == "" && userID == "" {
		return nil, fieldErr("service_account_id", auth.ErrMissingField)
	}
	pk := firstNonEmpty(j.PrivateKey, j.PrivateKeyCamel)
	if strings.TrimSpace(pk) == "" {
		return nil, fieldErr("private_key", auth.ErrMissingField)
	}
	key, err := keyfile.ParsePEM([]byte(pk))
	if err != nil {
		return nil, fieldErr("private_key", err)
	}
	owner := saID
	if userID != "" {
		owner = userID
	}
	k, err := auth.NewServiceAccountKey(id, owner, key)
	if err != nil {
		return nil, err
	}
	k.Source = source
	k.UserAccount = userID != ""
	out := &KeyFile{
		Key:          k,
		KeyAlgorithm: keyAlgorithm(j.KeyAlgorithm, j.KeyAlgorithmCamel),
		PublicKey:    firstNonEmpty(j.PublicKey, j.PublicKeyCamel),
		Description:  j.Description,
	}
	// created_at is informational: an unparsable value is left zero rather
	// than failing the load (go-sdk would refuse the file).
	if ts := strings.TrimSpace(firstNonEmpty(j.CreatedAt, j.CreatedAtCamel)); ts != "" {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			out.CreatedAt = t
		}
	}
	return out, nil
}

// keyAlgorithm returns the enum name of key_algorithm, which protojson
// writes as a name and also accepts as a number.
func keyAlgorithm(raws ...json.RawMessage) string {
	for _, raw := range raws {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		if n, err := strconv.Atoi(string(raw)); err == nil {
			switch n {
			case 0:
				return "ALGORITHM_UNSPECIFIED"
			case 1:
				return "RSA_2048"
			case 2:
				return "RSA_4096"
			}
			return strconv.Itoa(n)
		}
	}
	return ""
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// String returns the key file as %v prints it; its key shows only IDs.
func (k KeyFile) String() string { return safeprint.String(k) }

// GoString returns the key file as %#v prints it; never key material.
func (k KeyFile) GoString() string { return safeprint.GoString(k) }

// Format prints the key file under every verb; never key material.
func (k KeyFile) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes slog print the key file's fields; never key material.
func (k KeyFile) LogValue() slog.Value { return safeprint.LogValue(k) }

// keyFilePrefix starts the private_key of a yc key.json; secret scanners
// look for it.
const keyFilePrefix = "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID "

// keyFileOut is the layout yc writes: snake_case, in this order.
type keyFileOut struct {
	ID               string `json:"id"`
	ServiceAccountID string `json:"service_account_id,omitempty"`
	UserAccountID    string `json:"user_account_id,omitempty"`
	CreatedAt        string `json:"created_at,omitempty"`
	Description      string `json:"description,omitempty"`
	KeyAlgorithm     string `json:"key_algorithm,omitempty"`
	PublicKey        string `json:"public_key,omitempty"`
	PrivateKey       string `json:"private_key"`
}

// MarshalKeyFile encodes f as the key.json that "yc iam key create
// --output key.json" writes and [ParseKeyFile] reads: snake_case fields
// (id, service_account_id — user_account_id for a user account's key —,
// created_at, description, key_algorithm, public_key, private_key; the
// optional ones only when set), indented by
// three spaces, "<" and ">" escaped as yc's encoding/json does, ending in a
// newline. private_key is the line "PLEASE DO NOT REMOVE THIS LINE!
// Yandex.Cloud SA Key ID <id>" followed by f.Key's private key as PKCS#8
// PEM; created_at is RFC 3339 in UTC with nanoseconds.
//
// The result holds the private key in plaintext: write it only to a file
// of mode 0600.
func MarshalKeyFile(f *KeyFile) ([]byte, error) {
	if f == nil || f.Key == nil || f.Key.PrivateKey() == nil {
		return nil, errors.New("yandexauth: MarshalKeyFile: the key file has no private key")
	}
	k := f.Key
	if strings.TrimSpace(k.KeyID) == "" || strings.TrimSpace(k.ServiceAccountID) == "" {
		return nil, errors.New("yandexauth: MarshalKeyFile: the key has no key ID or no service account ID")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.PrivateKey())
	if err != nil {
		return nil, fmt.Errorf("yandexauth: MarshalKeyFile: %w", err)
	}
	out := keyFileOut{
		ID:               k.KeyID,
		ServiceAccountID: k.ServiceAccountID,
		Description:      f.Description,
		KeyAlgorithm:     f.KeyAlgorithm,
		PublicKey:        f.PublicKey,
		PrivateKey:       keyFilePrefix + "<" + k.KeyID + ">\n" + string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}
	if k.UserAccount {
		out.ServiceAccountID, out.UserAccountID = "", k.ServiceAccountID
	}
	if !f.CreatedAt.IsZero() {
		out.CreatedAt = f.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	b, err := json.MarshalIndent(out, "", "   ")
	if err != nil {
		return nil, fmt.Errorf("yandexauth: MarshalKeyFile: %w", err)
	}
	return append(b, '\n'), nil
}
