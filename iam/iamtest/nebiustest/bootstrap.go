package nebiustest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
)

// ServiceAccount is a service account the emulator made for a test or an
// example, with an authorized key already uploaded.
type ServiceAccount struct {
	// ID is the service account ID ("serviceaccount-e00…").
	ID string
	// ProjectID is the project its keys live in.
	ProjectID string
	// KeyID is the uploaded public key's ID, the JWT "kid".
	KeyID string
	// CredentialsJSON is the credentials file `nebius iam auth-public-key
	// generate` writes: {"subject-credentials": {alg, private-key, kid,
	// iss, sub}}, with the private key as PKCS#8 PEM. It is a test key:
	// never use it outside the emulators. It is an iam.Secret: it prints
	// as REDACTED; Reveal gives the file's content.
	CredentialsJSON iam.Secret
}

// NewServiceAccount makes a service account in projectID (a new project ID
// when empty), generates a 2048-bit RSA key pair, uploads the public key
// (listed by AuthPublicKeyService and registered in the Registry, so the
// token-exchange emulator verifies JWTs signed with it), and returns the
// credentials JSON of the private key.
//
// With it a brand-new user can do the whole flow: load the credentials,
// sign a JWT, exchange it at iamtest.NewNebiusTokenServer (sharing this
// Registry) and call the key services.
func (s *Server) NewServiceAccount(projectID string) (*ServiceAccount, error) {
	if projectID == "" {
		projectID = "project-e00" + randString(17, lowerAlnum)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("nebiustest: generate key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("nebiustest: encode public key: %w", err)
	}
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	saID := "serviceaccount-e00" + randString(17, lowerAlnum)

	s.mu.Lock()
	pub, fp, serr := parsePublicKey(pubPEM)
	if serr != nil {
		s.mu.Unlock()
		return nil, serr
	}
	now := s.clk.Now()
	k := &publicKey{
		md: newMetadata("publickey-e00"+randString(17, lowerAlnum), &commonv1.ResourceMetadata{ParentId: projectID}, now),
		spec: &iamv1.AuthPublicKeySpec{Description: "nebiustest bootstrap key", Data: pubPEM,
			Account: &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: saID}}}},
		key: pub, fingerprint: fp, active: true,
	}
	s.putPublicKey(k)
	s.mu.Unlock()

	key, err := auth.NewServiceAccountKey(k.md.Id, saID, priv)
	if err != nil {
		return nil, err
	}
	creds, err := nebiusauth.MarshalCredentials(key)
	if err != nil {
		return nil, err
	}
	return &ServiceAccount{ID: saID, ProjectID: projectID, KeyID: k.md.Id, CredentialsJSON: iam.NewSecret(string(creds))}, nil
}
