package nebiustest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/iam"
)

// AllowImpersonation grants actor (the subject of an access token: a
// service account or a user) the right to exchange its tokens for tokens of
// the service account serviceAccountID, as a role on that service account
// grants it in Nebius IAM. Without the grant, an impersonation exchange
// answers PERMISSION_DENIED.
func (s *Server) AllowImpersonation(actor, serviceAccountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.impersonation[actor] == nil {
		s.impersonation[actor] = map[string]bool{}
	}
	s.impersonation[actor][serviceAccountID] = true
}

// RevokeImpersonation takes back a grant of [Server.AllowImpersonation].
func (s *Server) RevokeImpersonation(actor, serviceAccountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.impersonation[actor], serviceAccountID)
}

// FederatedCredentials is a federated credentials resource of Nebius IAM
// (nebius.iam.v1.FederatedCredentials, with an OIDC provider): it lets the
// holder of a JWT that IssuerURL issued to FederatedSubjectID (its "sub")
// act as the service account ServiceAccountID, through the token exchange
// (workload identity: a Kubernetes service-account token, a CI job's
// identity token).
type FederatedCredentials struct {
	// ServiceAccountID is spec.subject_id, the service account the
	// federated subject acts as.
	ServiceAccountID string
	// IssuerURL is spec.oidc_provider.issuer_url: the JWT's "iss" must
	// equal it.
	IssuerURL string
	// FederatedSubjectID is spec.federated_subject_id: the JWT's "sub" must
	// equal it.
	FederatedSubjectID string
	// JWKSetJSON is spec.oidc_provider.jwk_set_json, the JSON Web Key Set
	// whose keys verify the JWT's signature ([OIDCIssuer.JWKSetJSON] makes
	// one). The real service may instead fetch the issuer's discovery
	// document; the emulator fetches nothing, so it is required here.
	JWKSetJSON string
}

// federated is a registered FederatedCredentials with its parsed keys.
type federated struct {
	FederatedCredentials
	keys []jwkKey
}

type jwkKey struct {
	kid string
	key *rsa.PublicKey
}

// AddFederatedCredentials registers fc. It fails, saying which field, when
// a field is empty, IssuerURL is not an https (or, for a loopback host,
// http) URL, or JWKSetJSON holds no RSA key.
func (s *Server) AddFederatedCredentials(fc FederatedCredentials) error {
	switch {
	case fc.ServiceAccountID == "":
		return errors.New("nebiustest: AddFederatedCredentials: ServiceAccountID is empty")
	case fc.FederatedSubjectID == "":
		return errors.New("nebiustest: AddFederatedCredentials: FederatedSubjectID is empty")
	case fc.JWKSetJSON == "":
		return errors.New("nebiustest: AddFederatedCredentials: JWKSetJSON is empty (the emulator does not fetch the issuer's discovery document)")
	}
	if u, err := url.Parse(fc.IssuerURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("nebiustest: AddFederatedCredentials: IssuerURL %q is not an http(s) URL", fc.IssuerURL)
	}
	keys, err := parseJWKSet(fc.JWKSetJSON)
	if err != nil {
		return fmt.Errorf("nebiustest: AddFederatedCredentials: JWKSetJSON: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.federated = append(s.federated, federated{FederatedCredentials: fc, keys: keys})
	return nil
}

// parseJWKSet reads the RSA keys of a JWK Set (RFC 7517): {"keys":
// [{"kty":"RSA","kid":…,"n":…,"e":…}]}; keys of other types are skipped.
func parseJWKSet(s string) ([]jwkKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(s), &set); err != nil {
		return nil, errors.New("not a JSON Web Key Set")
	}
	var out []jwkKey
	for i, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("keys[%d]: n and e must be base64url big-endian integers", i)
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 {
			return nil, fmt.Errorf("keys[%d]: e is not a usable RSA exponent", i)
		}
		out = append(out, jwkKey{kid: k.Kid, key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}})
	}
	if len(out) == 0 {
		return nil, errors.New("no RSA signing key")
	}
	return out, nil
}

// verifyFederated checks an external JWT (the actor token of a federated
// exchange for serviceAccountID) under s.mu: a registered
// FederatedCredentials for serviceAccountID whose IssuerURL is the JWT's
// iss, an RS256 signature by one of its keys (the one named by kid, when
// the JWT names one), exp in the future and iat/nbf not in the future (a
// minute of leeway), and sub the FederatedSubjectID. The audience is not
// checked: which "aud" Nebius requires is not published.
func (s *Server) verifyFederated(raw, serviceAccountID string) *svcError {
	unauth := func(msg string) *svcError {
		return &svcError{code: codes.Unauthenticated, message: "invalid actor token: " + msg, seCode: "Unauthenticated"}
	}
	var iss string
	if parts := strings.Split(raw, "."); len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			var c struct {
				Iss string `json:"iss"`
			}
			if json.Unmarshal(b, &c) == nil {
				iss = c.Iss
			}
		}
	} else {
		return unauth("not a JWT")
	}
	var candidates []federated
	for _, f := range s.federated {
		if f.ServiceAccountID == serviceAccountID && f.IssuerURL == iss {
			candidates = append(candidates, f)
		}
	}
	if len(candidates) == 0 {
		return unauth(fmt.Sprintf("issuer %q is not registered in federated credentials of %s", truncate(iss, 100), serviceAccountID))
	}
	tok, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		var set jwt.VerificationKeySet
		for _, f := range candidates {
			for _, k := range f.keys {
				if kid == "" || k.kid == "" || k.kid == kid {
					set.Keys = append(set.Keys, k.key)
				}
			}
		}
		if len(set.Keys) == 0 {
			return nil, fmt.Errorf("no key %q in the issuer's key set", truncate(kid, 50))
		}
		return set, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(s.clk.Now), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithLeeway(time.Minute))
	if err != nil {
		return unauth(strings.TrimPrefix(err.Error(), "token "))
	}
	sub, _ := tok.Claims.GetSubject()
	for _, f := range candidates {
		if f.FederatedSubjectID == sub {
			return nil
		}
	}
	return permissionDenied(serviceAccountID, fmt.Sprintf("federated subject %q of issuer %q may not act as %s", truncate(sub, 100), truncate(iss, 100), serviceAccountID))
}

// OIDCIssuer is an OpenID Connect issuer for tests of federated
// credentials: it has an RSA key, publishes it as a JWK Set and signs JWTs
// as a Kubernetes cluster or a CI service signs its workloads' identity
// tokens.
//
//	issuer, _ := nebiustest.NewOIDCIssuer("https://oidc.example")
//	_ = emu.AddFederatedCredentials(nebiustest.FederatedCredentials{
//		ServiceAccountID: sa.ID, IssuerURL: issuer.URL,
//		FederatedSubjectID: "system:serviceaccount:default:app", JWKSetJSON: issuer.JWKSetJSON(),
//	})
//	jwt, _ := issuer.IssueJWT("system:serviceaccount:default:app", "nebius", time.Now(), time.Hour)
type OIDCIssuer struct {
	// URL is the issuer URL, the "iss" of its JWTs.
	URL string
	// KeyID is the "kid" of its key.
	KeyID string

	key *rsa.PrivateKey
}

// NewOIDCIssuer makes an issuer with a new 2048-bit RSA key.
func NewOIDCIssuer(issuerURL string) (*OIDCIssuer, error) {
	if issuerURL == "" {
		return nil, errors.New("nebiustest: NewOIDCIssuer: issuer URL is empty")
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("nebiustest: NewOIDCIssuer: %w", err)
	}
	return &OIDCIssuer{URL: issuerURL, KeyID: "oidc-" + randString(12, lowerAlnum), key: k}, nil
}

// JWKSetJSON returns the issuer's public key as a JWK Set, the value of
// FederatedCredentials.JWKSetJSON.
func (i *OIDCIssuer) JWKSetJSON() string {
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": i.KeyID,
		"n": base64.RawURLEncoding.EncodeToString(i.key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(i.key.E)).Bytes()),
	}}})
	return string(b)
}

// IssueJWT signs an RS256 JWT with kid, iss = URL, sub = subject, aud =
// audience (omitted when empty), iat = now and exp = now + ttl.
func (i *OIDCIssuer) IssueJWT(subject, audience string, now time.Time, ttl time.Duration) (iam.Secret, error) {
	claims := jwt.MapClaims{"iss": i.URL, "sub": subject, "iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if audience != "" {
		claims["aud"] = audience
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = i.KeyID
	s, err := t.SignedString(i.key)
	if err != nil {
		return iam.Secret{}, fmt.Errorf("nebiustest: IssueJWT: %w", err)
	}
	return iam.NewSecret(s), nil
}

// String describes the issuer by its URL and key ID; never the key.
func (i *OIDCIssuer) String() string { return "nebiustest.OIDCIssuer{" + i.URL + " " + i.KeyID + "}" }

// GoString is String, for %#v.
func (i *OIDCIssuer) GoString() string { return "&" + i.String() }

// Format prints String under every verb (GoString for %#v).
func (i *OIDCIssuer) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(i.GoString()))
		return
	}
	_, _ = f.Write([]byte(i.String()))
}

// LogValue makes slog print the issuer's URL and key ID; never the key.
func (i *OIDCIssuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", i.URL), slog.String("key_id", i.KeyID))
}
