package yandex

import (
	"errors"
	"fmt"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/internal/atomicfile"
)

// KeyFile returns the key in the JSON format of "yc iam key create
// --output key.json", encoded by yandexauth.MarshalKeyFile, which
// yandexauth.LoadKeyFile reads: snake_case fields, and a private_key that
// starts with the line "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key
// ID <id>" followed by the key as PKCS#8 PEM. The private key the API
// returned is parsed first (with or without that line, its line breaks
// real or written as "\n"), so a key.json that would not load is never
// written. Only service-account keys have a key.json: a user account's key
// is refused with an error matching auth.ErrUserAccountKey.
//
// The result holds the private key in plaintext: write it only to a file
// of mode 0600 (see [WriteKeyFile]).
func (c *CreatedKey) KeyFile() ([]byte, error) {
	if c == nil || c.Key.ID == "" {
		return nil, errors.New("yandex: key file: the key has no ID")
	}
	if c.Key.ServiceAccountID == "" {
		if c.Key.UserAccountID != "" {
			return nil, fmt.Errorf("yandex: key file: key %s belongs to user account %s: %w", c.Key.ID, c.Key.UserAccountID, auth.ErrUserAccountKey)
		}
		return nil, errors.New("yandex: key file: the key names no service account")
	}
	pk := c.PrivateKey.Reveal()
	if pk == "" {
		return nil, errors.New("yandex: key file: the private key is empty (the API returns it only from Create)")
	}
	priv, err := auth.ParsePrivateKeyPEM([]byte(pk), "")
	if err != nil {
		return nil, fmt.Errorf("yandex: key file: the private key of %s: %w", c.Key.ID, err)
	}
	key, err := auth.NewServiceAccountKey(c.Key.ID, c.Key.ServiceAccountID, priv)
	if err != nil {
		return nil, fmt.Errorf("yandex: key file: %w", err)
	}
	b, err := yandexauth.MarshalKeyFile(&yandexauth.KeyFile{
		Key:          key,
		CreatedAt:    c.Key.CreatedAt,
		KeyAlgorithm: string(c.Key.KeyAlgorithm),
		PublicKey:    c.Key.PublicKey,
		Description:  c.Key.Description,
	})
	if err != nil {
		return nil, fmt.Errorf("yandex: key file: %w", err)
	}
	return b, nil
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
