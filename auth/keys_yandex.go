package auth

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// YandexKeyFile is a Yandex Cloud authorized key file (the key.json that
// "yc iam key create --output key.json" writes), parsed.
type YandexKeyFile struct {
	// Key is the service account key: KeyID = "id", ServiceAccountID =
	// "service_account_id".
	Key *ServiceAccountKey
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

// yandexKeyJSON accepts both the snake_case names yc writes (the gRPC API's)
// and the camelCase names of the REST API, as yandex-cloud/go-sdk does.
// Unlike go-sdk (protojson), unknown fields are ignored.
type yandexKeyJSON struct {
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

// LoadYandexKeyFile reads a Yandex Cloud authorized key file (key.json) from
// path. See [ParseYandexKey].
func LoadYandexKeyFile(path string) (*ServiceAccountKey, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	return ParseYandexKey(data, path)
}

// ParseYandexKey parses a Yandex Cloud authorized key file (key.json):
//
//	{"id": "ajek…", "service_account_id": "ajel…", "created_at": "…",
//	 "key_algorithm": "RSA_2048", "public_key": "-----BEGIN PUBLIC KEY-----…",
//	 "private_key": "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajek…>\n-----BEGIN PRIVATE KEY-----…"}
//
// Both snake_case and camelCase field names are accepted, unknown fields are
// ignored, and the "PLEASE DO NOT REMOVE THIS LINE!" prefix is skipped. "id",
// "service_account_id" and "private_key" are required; a key of a user
// account ("user_account_id") is refused with [ErrUserAccountKey].
//
// source names the data's origin in errors (a file name, or ""). Errors are
// [*KeyFileError] values naming the field.
func ParseYandexKey(data []byte, source string) (*ServiceAccountKey, error) {
	f, err := ParseYandexKeyFile(data, source)
	if err != nil {
		return nil, err
	}
	return f.Key, nil
}

// ParseYandexKeyFile is [ParseYandexKey] that also returns the file's other
// fields.
func ParseYandexKeyFile(data []byte, source string) (*YandexKeyFile, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &KeyFileError{Source: source, Err: ErrEmptyKey}
	}
	var j yandexKeyJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, &KeyFileError{Source: source, Field: jsonErrorField(err), Err: jsonError(err, "Yandex Cloud key")}
	}
	fieldErr := func(name string, err error) error {
		return &KeyFileError{Source: source, Field: name, Err: err}
	}
	id := strings.TrimSpace(j.ID)
	saID := strings.TrimSpace(firstNonEmpty(j.ServiceAccountID, j.ServiceAccountIDCamel))
	if saID == "" && strings.TrimSpace(firstNonEmpty(j.UserAccountID, j.UserAccountIDCamel)) != "" {
		return nil, fieldErr("user_account_id", ErrUserAccountKey)
	}
	if id == "" {
		return nil, fieldErr("id", ErrMissingField)
	}
	if saID == "" {
		return nil, fieldErr("service_account_id", ErrMissingField)
	}
	pk := firstNonEmpty(j.PrivateKey, j.PrivateKeyCamel)
	if strings.TrimSpace(pk) == "" {
		return nil, fieldErr("private_key", ErrMissingField)
	}
	key, err := parsePrivateKeyPEM([]byte(pk))
	if err != nil {
		return nil, fieldErr("private_key", err)
	}
	out := &YandexKeyFile{
		Key:          newKey(id, saID, key, source),
		KeyAlgorithm: yandexKeyAlgorithm(j.KeyAlgorithm, j.KeyAlgorithmCamel),
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

// yandexKeyAlgorithm returns the enum name of key_algorithm, which protojson
// writes as a name and also accepts as a number.
func yandexKeyAlgorithm(raws ...json.RawMessage) string {
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
