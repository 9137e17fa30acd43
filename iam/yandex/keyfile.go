package yandex

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iamkit/iamkit/internal/atomicfile"
)

// keyFilePrefix starts the private_key of a yc key.json; secret scanners
// look for it.
const keyFilePrefix = "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID "

// keyFileJSON is the yc key.json layout (snake_case, as yc writes it).
type keyFileJSON struct {
	ID               string `json:"id"`
	ServiceAccountID string `json:"service_account_id,omitempty"`
	UserAccountID    string `json:"user_account_id,omitempty"`
	CreatedAt        string `json:"created_at,omitempty"`
	Description      string `json:"description,omitempty"`
	KeyAlgorithm     string `json:"key_algorithm,omitempty"`
	PublicKey        string `json:"public_key,omitempty"`
	PrivateKey       string `json:"private_key"`
}

// KeyFile returns the key in the JSON format of "yc iam key create
// --output key.json", which auth.LoadYandexKeyFile reads: snake_case
// fields, and a private_key that starts with the line
// "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <id>".
//
// The result holds the private key in plaintext: write it only to a file
// of mode 0600 (see [WriteKeyFile]).
func (c *CreatedKey) KeyFile() ([]byte, error) {
	if c == nil || c.Key.ID == "" {
		return nil, errors.New("yandex: key file: the key has no ID")
	}
	if c.Key.ServiceAccountID == "" && c.Key.UserAccountID == "" {
		return nil, errors.New("yandex: key file: the key names no service account")
	}
	pk := c.PrivateKey.Reveal()
	if pk == "" {
		return nil, errors.New("yandex: key file: the private key is empty (the API returns it only from Create)")
	}
	// Tolerate a key whose line breaks arrived as literal "\n".
	if !strings.Contains(pk, "\n") && strings.Contains(pk, `\n`) {
		pk = strings.ReplaceAll(pk, `\n`, "\n")
	}
	// Whether the REST API already adds the prefix line is UNCONFIRMED:
	// add it only when it is not there.
	if !strings.HasPrefix(pk, "PLEASE DO NOT REMOVE THIS LINE!") {
		pk = keyFilePrefix + "<" + c.Key.ID + ">\n" + pk
	}
	f := keyFileJSON{
		ID:               c.Key.ID,
		ServiceAccountID: c.Key.ServiceAccountID,
		UserAccountID:    c.Key.UserAccountID,
		Description:      c.Key.Description,
		KeyAlgorithm:     string(c.Key.KeyAlgorithm),
		PublicKey:        c.Key.PublicKey,
		PrivateKey:       pk,
	}
	if f.ServiceAccountID != "" {
		f.UserAccountID = ""
	}
	if !c.Key.CreatedAt.IsZero() {
		f.CreatedAt = formatTimestamp(c.Key.CreatedAt)
	}
	b, err := json.MarshalIndent(f, "", "   ")
	if err != nil {
		return nil, fmt.Errorf("yandex: key file: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteKeyFile writes the key as a yc key.json (see [CreatedKey.KeyFile])
// to path with mode 0600, replacing the file atomically if it exists.
func WriteKeyFile(path string, key *CreatedKey) error {
	data, err := key.KeyFile()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("yandex: writing key file %s: %w", path, err)
	}
	return nil
}
