package etcdstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/iam"
)

// SealingKey is an AES-256 key that seals the secrets the store writes to
// etcd (AES-256-GCM). Its ID is written next to every ciphertext, so that
// the key can be rotated: every replica first gets the new key to open
// with, then seals with it, keeping the old one to open what it sealed
// until the rotator has written the state again (see the package
// documentation, # Sealed secrets).
//
// A SealingKey prints its ID only (never the key), under every fmt verb
// and in slog.
type SealingKey struct {
	// ID names the key: 1 to 64 of [A-Za-z0-9._-].
	ID string
	// Key is the 32-byte AES-256 key, as raw bytes in a Secret.
	Key iam.Secret
}

// NewSealingKey returns the sealing key id with the 32 bytes of key; it
// copies key.
func NewSealingKey(id string, key []byte) (SealingKey, error) {
	k := SealingKey{ID: id, Key: iam.NewSecret(string(key))}
	return k, k.validate()
}

func (k SealingKey) validate() error {
	if k.ID == "" || len(k.ID) > 64 {
		return fmt.Errorf("etcdstore: sealing key ID %q must be 1 to 64 characters long", k.ID)
	}
	for _, c := range k.ID {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("etcdstore: sealing key ID %q may contain only letters, digits, '.', '-' and '_'", k.ID)
		}
	}
	if n := k.Key.Len(); n != 32 {
		return fmt.Errorf("etcdstore: sealing key %q is %d bytes long; AES-256 needs 32", k.ID, n)
	}
	return nil
}

// String names the key without showing it.
func (k SealingKey) String() string {
	return "etcdstore.SealingKey{ID: " + k.ID + ", Key: " + iam.Redacted + "}"
}

// GoString is like String, for %#v.
func (k SealingKey) GoString() string { return k.String() }

// Format prints String under every verb.
func (k SealingKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue makes slog print the key's ID only.
func (k SealingKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("key", iam.Redacted))
}

// sealed is a secret as the store writes it: the sealing key's ID and
// base64(nonce ‖ ciphertext ‖ tag).
type sealed struct {
	KeyID string `json:"kid"`
	Box   string `json:"box"`
}

// sealer seals with the first of its keys and opens with any of them.
type sealer struct {
	current string
	aeads   map[string]cipher.AEAD
}

func newSealer(keys []SealingKey) (*sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("etcdstore: Options.SealingKeys is empty; the store never writes a secret in plaintext, give it an AES-256 key")
	}
	s := &sealer{current: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for i, k := range keys {
		if err := k.validate(); err != nil {
			return nil, fmt.Errorf("etcdstore: Options.SealingKeys[%d]: %w", i, err)
		}
		if _, dup := s.aeads[k.ID]; dup {
			return nil, fmt.Errorf("etcdstore: Options.SealingKeys[%d]: sealing key ID %q is given twice", i, k.ID)
		}
		block, err := aes.NewCipher([]byte(k.Key.Reveal()))
		if err != nil {
			return nil, fmt.Errorf("etcdstore: sealing key %q: %w", k.ID, err)
		}
		a, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("etcdstore: sealing key %q: %w", k.ID, err)
		}
		s.aeads[k.ID] = a
	}
	return s, nil
}

// seal encrypts plaintext; aad binds it to where it is stored (the fleet's
// prefix, the key, the field), so that a ciphertext moved elsewhere does
// not open. An empty plaintext is not sealed (nil).
func (s *sealer) seal(plaintext string, aad string) (*sealed, error) {
	if plaintext == "" {
		return nil, nil
	}
	a := s.aeads[s.current]
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("etcdstore: sealing: %w", err)
	}
	box := a.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return &sealed{KeyID: s.current, Box: base64.StdEncoding.EncodeToString(box)}, nil
}

// open decrypts x; old reports that it was sealed with another key than
// the current one (the state should be written again).
func (s *sealer) open(x *sealed, aad string) (plaintext iam.Secret, old bool, err error) {
	if x == nil {
		return iam.Secret{}, false, nil
	}
	a, ok := s.aeads[x.KeyID]
	if !ok {
		return iam.Secret{}, false, fmt.Errorf("etcdstore: a secret is sealed with key %q, which is not among Options.SealingKeys", x.KeyID)
	}
	box, err := base64.StdEncoding.DecodeString(x.Box)
	if err != nil || len(box) < a.NonceSize()+a.Overhead() {
		return iam.Secret{}, false, fmt.Errorf("etcdstore: a secret sealed with key %q is malformed", x.KeyID)
	}
	pt, err := a.Open(nil, box[:a.NonceSize()], box[a.NonceSize():], []byte(aad))
	if err != nil {
		// The reason is not repeated: it never holds more than "message
		// authentication failed".
		return iam.Secret{}, false, fmt.Errorf("etcdstore: a secret sealed with key %q does not open (another key with that ID, or moved from elsewhere)", x.KeyID)
	}
	return iam.NewSecret(string(pt)), x.KeyID != s.current, nil
}
