package yandextest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"

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
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
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
	file := map[string]string{
		"id":                 k.id,
		"service_account_id": sa,
		"created_at":         ts(now),
		"description":        k.desc,
		"key_algorithm":      k.alg,
		"public_key":         k.publicPEM,
		"private_key": "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <" + k.id + ">\n" +
			string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})),
	}
	b, err := json.MarshalIndent(file, "", "   ")
	if err != nil {
		s.bootstrapErr = err
		return nil, err
	}
	b = append(b, '\n')
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
