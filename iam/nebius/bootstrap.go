package nebius

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/atomicfile"
)

// DefaultBootstrapKeyBits is the RSA key size Bootstrap generates, as the
// Nebius docs do (openssl genrsa 4096).
const DefaultBootstrapKeyBits = 4096

// BootstrapRequest asks [AuthPublicKeys.Bootstrap] for a new authorized key.
type BootstrapRequest struct {
	// ServiceAccountID is the service account the key is for; required.
	ServiceAccountID string
	// ParentID is the project; default: the client's ProjectID.
	ParentID string
	// KeyBits is the RSA key size; default DefaultBootstrapKeyBits, at
	// least auth.MinRSAKeyBits.
	KeyBits int
	// ExpiresAt, when not zero, is when the key stops working.
	ExpiresAt time.Time
	// Description describes the key.
	Description string
	// CredentialsPath, when set, is where the credentials JSON is written
	// (mode 0600, atomically). An existing file is an error unless
	// Overwrite is set.
	CredentialsPath string
	// Overwrite allows replacing an existing CredentialsPath.
	Overwrite bool
	// TokenOptions configure the returned token source (for example its
	// Endpoint, to use the token emulator); see nebiusauth.ServiceAccount.
	TokenOptions []func(*auth.ServiceAccountOptions)
}

// BootstrapResult is what [AuthPublicKeys.Bootstrap] made.
type BootstrapResult struct {
	// PublicKey is the uploaded key; its ID is the JWT "kid".
	PublicKey *AuthPublicKey
	// Key is the private key with its key and service account IDs.
	Key *auth.ServiceAccountKey
	// CredentialsJSON is the credentials file content (it holds the
	// private key, hence a Secret).
	CredentialsJSON iam.Secret
	// Tokens is a ready token source: a cache of tokens exchanged with JWTs
	// signed by Key. Close it when done.
	Tokens *auth.Cache
}

// Bootstrap does what `nebius iam auth-public-key generate` does: it
// generates an RSA key pair locally, uploads the public key with Create,
// writes the credentials JSON ({"subject-credentials": {…}}, mode 0600) when
// CredentialsPath is set, and returns a token source that signs with the new
// key.
//
// Inputs are checked before any call. If a step after the upload fails, the
// error's ResourceID names the uploaded key, so it can be deleted.
func (k *AuthPublicKeys) Bootstrap(ctx context.Context, req BootstrapRequest) (*BootstrapResult, error) {
	const op = apkService + "Bootstrap"
	if req.ServiceAccountID == "" {
		return nil, invalidArg(op, "ServiceAccountID is empty")
	}
	parent, err := k.c.parentID(op, req.ParentID)
	if err != nil {
		return nil, err
	}
	req.ParentID = parent
	if req.KeyBits == 0 {
		req.KeyBits = DefaultBootstrapKeyBits
	}
	if req.KeyBits < auth.MinRSAKeyBits {
		return nil, invalidArg(op, fmt.Sprintf("KeyBits %d is below %d", req.KeyBits, auth.MinRSAKeyBits))
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(k.c.clk.Now()) {
		return nil, invalidArg(op, "ExpiresAt "+req.ExpiresAt.UTC().Format(time.RFC3339)+" is not in the future")
	}
	if req.CredentialsPath != "" {
		if err := checkWritable(req.CredentialsPath, req.Overwrite); err != nil {
			return nil, invalidArg(op, err.Error())
		}
	}

	priv, err := rsa.GenerateKey(rand.Reader, req.KeyBits)
	if err != nil {
		return nil, fmt.Errorf("nebius %s: generate key: %w", op, err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("nebius %s: encode public key: %w", op, err)
	}
	pub, err := k.Create(ctx, CreateAuthPublicKeyRequest{
		ParentID:    req.ParentID,
		Account:     ServiceAccount(req.ServiceAccountID),
		ExpiresAt:   req.ExpiresAt,
		Description: req.Description,
		Data:        string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
	})
	if err != nil {
		return nil, err
	}
	creds, key, err := credentialsJSON(priv, pub.ID, req.ServiceAccountID, req.CredentialsPath)
	if err != nil {
		return nil, leftBehind(err, op, pub.ID, "uploaded public key "+pub.ID+" but could not make its credentials")
	}
	if err := CheckCredentials(key, pub); err != nil {
		return nil, leftBehind(err, op, pub.ID, "uploaded public key "+pub.ID+" does not match the credentials")
	}
	if req.CredentialsPath != "" {
		if err := writeFileAtomic(req.CredentialsPath, []byte(creds.Reveal()), req.Overwrite); err != nil {
			return nil, leftBehind(err, op, pub.ID, "uploaded public key "+pub.ID+" but could not write the credentials file")
		}
	}
	tokens, err := nebiusauth.ServiceAccount(key, req.TokenOptions...)
	if err != nil {
		return nil, leftBehind(err, op, pub.ID, "uploaded public key "+pub.ID+" but could not make a token cache")
	}
	return &BootstrapResult{PublicKey: pub, Key: key, CredentialsJSON: creds, Tokens: tokens}, nil
}

// credentialsJSON renders the Nebius credentials file of a key
// (nebiusauth.MarshalCredentials) and returns the key, whose Source is
// source.
func credentialsJSON(priv *rsa.PrivateKey, keyID, saID, source string) (iam.Secret, *auth.ServiceAccountKey, error) {
	key, err := auth.NewServiceAccountKey(keyID, saID, priv)
	if err != nil {
		return iam.Secret{}, nil, err
	}
	key.Source = source
	b, err := nebiusauth.MarshalCredentials(key)
	if err != nil {
		return iam.Secret{}, nil, err
	}
	return iam.NewSecret(string(b)), key, nil
}

// CheckCredentials reports whether key (loaded from a credentials file)
// belongs to the uploaded public key pub: same key ID ("kid"), same
// service account, and the same RSA public key. It makes no call, so a
// mismatched credentials file is caught before it is used.
func CheckCredentials(key *auth.ServiceAccountKey, pub *AuthPublicKey) error {
	const op = "CheckCredentials"
	if key == nil || key.PrivateKey() == nil {
		return invalidArg(op, "credentials have no private key")
	}
	if pub == nil {
		return invalidArg(op, "public key is nil")
	}
	where := ""
	if key.Source != "" {
		where = key.Source + ": "
	}
	if key.KeyID != pub.ID {
		return invalidArg(op, fmt.Sprintf("%skid %q does not match the uploaded key %q", where, key.KeyID, pub.ID))
	}
	if pub.Account.Type == AccountServiceAccount && key.ServiceAccountID != pub.Account.ID {
		return invalidArg(op, fmt.Sprintf("%sservice account %q does not own key %q (owner %q)", where, key.ServiceAccountID, pub.ID, pub.Account.ID))
	}
	block, _ := pem.Decode([]byte(pub.Data))
	if block == nil {
		return nil // not PEM: nothing more to compare
	}
	var pk any
	var err error
	if block.Type == "RSA PUBLIC KEY" {
		pk, err = x509.ParsePKCS1PublicKey(block.Bytes)
	} else {
		pk, err = x509.ParsePKIXPublicKey(block.Bytes)
	}
	if err != nil {
		return invalidArg(op, "uploaded key "+pub.ID+" has unreadable data: "+err.Error())
	}
	if rk, ok := pk.(*rsa.PublicKey); !ok || !rk.Equal(&key.PrivateKey().PublicKey) {
		return invalidArg(op, fmt.Sprintf("%sprivate key does not match the public key uploaded as %q", where, pub.ID))
	}
	return nil
}

// checkWritable reports whether path can be created (its directory exists;
// the file does not, unless overwrite).
func checkWritable(path string, overwrite bool) error {
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("CredentialsPath %s: directory: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("CredentialsPath %s: %s is not a directory", path, filepath.Dir(path))
	}
	if _, err := os.Lstat(path); err == nil && !overwrite {
		return fmt.Errorf("CredentialsPath %s exists (set Overwrite to replace it)", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("CredentialsPath %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes data to path with mode 0600 through a temporary
// file in the same directory and a rename; without overwrite an existing
// path is an error (fs.ErrExist) and is left as it was.
func writeFileAtomic(path string, data []byte, overwrite bool) error {
	if overwrite {
		return atomicfile.Write(path, data)
	}
	return atomicfile.WriteNew(path, data)
}
