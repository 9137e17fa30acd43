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
// written. A user account's key gives a key.json with user_account_id
// instead of service_account_id, which loads as a user-account key (see
// yandexauth.ParseKey).
//
// The result holds the private key in plaintext: write it only to a file
// of mode 0600 (see [WriteKeyFile]).
func (c *CreatedKey) KeyFile() ([]byte, error) {
	if c == nil || c.Key.ID == "" {
		return nil, errors.New("yandex: key file: the key has no ID")
	}
	owner := c.Key.ServiceAccountID
	switch {
	case owner != "" && c.Key.UserAccountID != "":
		return nil, fmt.Errorf("yandex: key file: key %s names both service account %s and user account %s", c.Key.ID, owner, c.Key.UserAccountID)
	case owner == "":
		owner = c.Key.UserAccountID
	}
	if owner == "" {
		return nil, errors.New("yandex: key file: the key names no service account or user account")
	}
	pk := c.PrivateKey.Reveal()
	if pk == "" {
		return nil, errors.New("yandex: key file: the private key is empty (the API returns it only from Create)")
	}
	priv, err := auth.ParsePrivateKeyPEM([]byte(pk), "")
	if err != nil {
		return nil, fmt.Errorf("yandex: key file: the private key of %s: %w", c.Key.ID, err)
	}
	key, err := auth.NewServiceAccountKey(c.Key.ID, owner, priv)
	if err != nil {
		return nil, fmt.Errorf("yandex: key file: %w", err)
	}
	key.UserAccount = c.Key.ServiceAccountID == ""
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
