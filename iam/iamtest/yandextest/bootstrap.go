package yandextest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// BootstrapKeyFile returns an authorized key of the emulator's default
// service account (Options.ServiceAccountID) as a yc key.json, the
// starting point of a brand-new user: load it with
// yandexauth.ParseKey, exchange a JWT signed with it at the Yandex token
// emulator sharing this emulator's Registry, and call the API with the
// token. The key is made on the first call and is the same afterwards; it
// is listed by Keys.List like any other key.
//
// The result holds a private key in plaintext: keep it in memory or in a
// file of mode 0600.
func (s *Server) BootstrapKeyFile() ([]byte, error) {
	s.mu.Lock()
	if s.bootstrap != nil || s.bootstrapErr != nil {
		defer s.mu.Unlock()
		return s.bootstrapFile(), s.bootstrapErr
	}
	s.mu.Unlock()

	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bootstrap != nil { // another caller won the race
		return s.bootstrapFile(), nil
	}
	now := s.clock.Now()
	sa := s.opts.ServiceAccountID
	s.seq++
	k := &authKey{seq: s.seq, id: newID(), sa: sa, desc: "iamkit emulator bootstrap key", alg: "RSA_2048",
		created: now, publicPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))}
	s.keys[k.id] = k
	s.Registry.PutPublicKey(iamtest.PublicKey{KeyID: k.id, ServiceAccountID: sa, Key: &priv.PublicKey})
	key, err := auth.NewServiceAccountKey(k.id, sa, priv)
	if err != nil {
		s.bootstrapErr = err
		return nil, err
	}
	b, err := yandexauth.MarshalKeyFile(&yandexauth.KeyFile{Key: key, CreatedAt: now, KeyAlgorithm: k.alg, PublicKey: k.publicPEM, Description: k.desc})
	if err != nil {
		s.bootstrapErr = err
		return nil, err
	}
	s.bootstrap = safeprint.Seal(&b)
	return s.bootstrapFile(), nil
}

// bootstrapFile returns a copy of the bootstrap key file, or nil.
func (s *Server) bootstrapFile() []byte {
	if p := s.bootstrap.Get(); p != nil {
		return append([]byte(nil), *p...)
	}
	return nil
}
