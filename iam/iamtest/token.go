package iamtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// DefaultTokenLifetime is how long the token emulators' access tokens live
// unless TokenServerOptions.TokenLifetime says otherwise: 12 hours, as both
// clouds document.
const DefaultTokenLifetime = 12 * time.Hour

// Default JWT lifetime limits (exp - iat) of the token emulators.
const (
	// DefaultNebiusMaxJWTTTL is 5 minutes: Nebius documents "a short
	// expiration time (e.g., 5 minutes)" and says the JWT "expires five
	// minutes after its creation". The real service's limit is not
	// published; the emulator enforces the documented one so that tests
	// catch a signer that drifts from it.
	DefaultNebiusMaxJWTTTL = 5 * time.Minute
	// DefaultYandexMaxJWTTTL is 1 hour, Yandex Cloud's documented limit.
	DefaultYandexMaxJWTTTL = time.Hour
)

// maxTokenRequestBytes bounds a token request body.
const maxTokenRequestBytes = 64 << 10

// TokenServerOptions configure [NewNebiusTokenServer] and
// [NewYandexTokenServer].
type TokenServerOptions struct {
	// Addr is the listen address, host:port (default [DefaultAddr]). The
	// host must be a loopback address or "localhost": the emulator issues
	// tokens to any JWT signed with a key a test registered, so it never
	// listens on another interface. Port 0 picks a free port.
	Addr string
	// Registry holds the public keys JWTs are verified against and records
	// the tokens issued. Share one with the key emulators (which register
	// the keys they create) and with the emulators that check bearer
	// tokens. Default: a new registry.
	Registry *Registry
	// Clock is the emulator's time: JWT exp/iat are checked against it,
	// issued tokens expire on it, and FaultLatency waits on it. Default:
	// the system clock.
	Clock iam.Clock
	// TokenLifetime is the lifetime of issued tokens. Default (0)
	// [DefaultTokenLifetime]; a negative value is refused.
	TokenLifetime time.Duration
	// MaxJWTTTL is the longest accepted JWT lifetime (exp - iat; for a
	// Nebius JWT without iat, exp - now). Default (0)
	// [DefaultNebiusMaxJWTTTL] or [DefaultYandexMaxJWTTTL]; a negative
	// value is refused.
	MaxJWTTTL time.Duration
}

// validate refuses options the emulators cannot honour (the listen
// address is checked when listening).
func (o *TokenServerOptions) validate() error {
	switch {
	case o.TokenLifetime < 0:
		return fmt.Errorf("iamtest: option TokenLifetime %s is negative", o.TokenLifetime)
	case o.MaxJWTTTL < 0:
		return fmt.Errorf("iamtest: option MaxJWTTTL %s is negative", o.MaxJWTTTL)
	}
	return nil
}

// setDefaults fills what the options leave zero; the constructors call it
// on their own copy.
func (o *TokenServerOptions) setDefaults(maxJWTTTL time.Duration) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Registry == nil {
		o.Registry = NewRegistry()
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.MaxJWTTTL == 0 {
		o.MaxJWTTTL = maxJWTTTL
	}
}

// tokenServer is what the two token emulators share: the listener, faults,
// counters and Close.
type tokenServer struct {
	srv       *httptest.Server
	registry  *Registry
	faults    *Faults
	clock     iam.Clock
	given     iam.Clock // Options.Clock, nil when unset
	lifetime  time.Duration
	maxTTL    time.Duration
	exchanges atomic.Int64
	closed    chan struct{}
	once      sync.Once
}

// newTokenServer applies optFns to a zero TokenServerOptions (nil
// functions are skipped), checks the result and starts the emulator named
// kind on its Addr.
func newTokenServer(kind string, optFns []func(*TokenServerOptions), defaultTTL time.Duration, h http.Handler) (*tokenServer, error) {
	var o TokenServerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.setDefaults(defaultTTL)
	l, err := listen(kind+" token", o.Addr)
	if err != nil {
		return nil, err
	}
	s := &tokenServer{
		registry: o.Registry,
		faults:   &Faults{},
		clock:    clock.Or(o.Clock),
		given:    o.Clock,
		lifetime: o.TokenLifetime,
		maxTTL:   o.MaxJWTTTL,
		closed:   make(chan struct{}),
	}
	s.srv = httptest.NewUnstartedServer(h)
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// addr is the host:port the emulator listens on.
func (s *tokenServer) addr() string { return s.srv.Listener.Addr().String() }

// calls counts the exchanges for method, the emulator's one operation
// (its path) or "" for all; any other method has none.
func (s *tokenServer) calls(path, method string) int {
	if method != "" && method != path {
		return 0
	}
	return int(s.exchanges.Load())
}

// serviceAccountOptions points a service-account token source at the
// emulator.
func (s *tokenServer) serviceAccountOptions(url string) func(*auth.ServiceAccountOptions) {
	return func(o *auth.ServiceAccountOptions) {
		o.Endpoint = url
		if s.given != nil {
			o.Clock = s.given
		}
	}
}

func (s *tokenServer) close() {
	s.once.Do(func() {
		close(s.closed) // releases FaultHang and FaultLatency waits
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// faultResult says what serving a request should do after a fault.
type faultResult int

const (
	faultNone    faultResult = iota // no fault, or latency over: serve
	faultHandled                    // the fault answered (or dropped) the request
)

// applyFault performs the next queued fault for op with [ServeFault];
// writeStatus answers a FaultStatus in the provider's error shape.
func (s *tokenServer) applyFault(w http.ResponseWriter, r *http.Request, op string,
	writeStatus func(w http.ResponseWriter, f Fault)) faultResult {
	if f, ok := s.faults.Next(op); ok && ServeFault(w, r, f, s.clock, s.closed, writeStatus) {
		return faultHandled
	}
	return faultNone
}

// issue mints an opaque token with prefix, valid for ttl (the emulator's
// token lifetime when ttl <= 0), records it and returns it with its
// expiry.
func (s *tokenServer) issue(prefix, issuer, subject string, ttl time.Duration) (string, time.Time) {
	if ttl <= 0 {
		ttl = s.lifetime
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	exp := s.clock.Now().Add(ttl)
	s.registry.PutToken(tok, IssuedToken{Subject: subject, Issuer: issuer, ExpiresAt: exp})
	return tok, exp
}

func writeTokenJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// jwtRules are what a token service demands of a JWT.
type jwtRules struct {
	alg          string // "RS256" or "PS256" (salt length = hash length)
	audience     string
	audRequired  bool
	iatRequired  bool
	subMustBeISS bool // Nebius: sub == iss == the key's service account
	userAccounts bool // Yandex: keys of user accounts are exchanged too (iss = the user account)
	maxTTL       time.Duration
}

// jwtError is a JWT rejection; msg is the text the emulator answers with.
type jwtError struct{ msg string }

func (e *jwtError) Error() string { return e.msg }

func jwtErrorf(format string, args ...any) *jwtError {
	return &jwtError{msg: fmt.Sprintf(format, args...)}
}

// verifiedJWT is what a valid JWT says.
type verifiedJWT struct {
	keyID string
	// serviceAccountID is the JWT's subject: the key's service account,
	// or its user account for a Yandex user-account key.
	serviceAccountID string
}

// verifyJWT checks a compact JWS for real: header, registered key,
// signature (only rules.alg), iss/sub/aud, exp/iat on now.
func verifyJWT(reg *Registry, token string, rules jwtRules, now time.Time) (verifiedJWT, *jwtError) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return verifiedJWT{}, jwtErrorf("JWT is malformed: want 3 dot-separated parts, got %d", len(parts))
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	if err := decodeJWTPart(parts[0], &hdr); err != nil {
		return verifiedJWT{}, jwtErrorf("JWT header is malformed: %v", err)
	}
	if hdr.Kid == "" {
		return verifiedJWT{}, jwtErrorf("The required field 'kid' is missing from the JWT header")
	}
	if hdr.Alg != rules.alg {
		return verifiedJWT{}, jwtErrorf("JWT algorithm %q is not supported: only %s", truncateTokenText(hdr.Alg, 20), rules.alg)
	}
	key, ok := reg.PublicKey(hdr.Kid)
	if !ok {
		return verifiedJWT{}, jwtErrorf("Key '%s' was not found", truncateTokenText(hdr.Kid, 100))
	}
	if key.Disabled {
		return verifiedJWT{}, jwtErrorf("Key '%s' is disabled", truncateTokenText(hdr.Kid, 100))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return verifiedJWT{}, jwtErrorf("JWT signature is not base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch rules.alg {
	case "RS256":
		err = rsa.VerifyPKCS1v15(key.Key, crypto.SHA256, digest[:], sig)
	case "PS256":
		err = rsa.VerifyPSS(key.Key, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
	default:
		err = fmt.Errorf("unsupported")
	}
	if key.Key == nil || err != nil {
		return verifiedJWT{}, jwtErrorf("JWT signature validation fails")
	}
	owner, ownerKind := key.ServiceAccountID, "service account"
	if key.UserAccountID != "" {
		if !rules.userAccounts {
			return verifiedJWT{}, jwtErrorf("Key '%s' belongs to user account %q: only service-account keys are exchanged here",
				truncateTokenText(hdr.Kid, 100), key.UserAccountID)
		}
		owner, ownerKind = key.UserAccountID, "user account"
	}
	var c struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *json.Number    `json:"exp"`
		Iat *json.Number    `json:"iat"`
		Nbf *json.Number    `json:"nbf"`
	}
	if err := decodeJWTPart(parts[1], &c); err != nil {
		return verifiedJWT{}, jwtErrorf("JWT claims are malformed: %v", err)
	}
	if c.Iss != owner {
		return verifiedJWT{}, jwtErrorf("JWT iss %q does not match the %s %q of key '%s'",
			truncateTokenText(c.Iss, 100), ownerKind, owner, key.KeyID)
	}
	if rules.subMustBeISS && c.Sub != key.ServiceAccountID {
		return verifiedJWT{}, jwtErrorf("JWT sub %q does not match the service account %q of key '%s'",
			truncateTokenText(c.Sub, 100), key.ServiceAccountID, key.KeyID)
	}
	if len(c.Aud) == 0 || string(c.Aud) == "null" {
		if rules.audRequired {
			return verifiedJWT{}, jwtErrorf("JWT aud is missing: want %q", rules.audience)
		}
	} else if aud, ok := singleAudience(c.Aud); !ok || aud != rules.audience {
		return verifiedJWT{}, jwtErrorf("JWT aud is wrong: want %q (a string or a one-element array)", rules.audience)
	}
	exp, ok := numericDate(c.Exp)
	if !ok {
		return verifiedJWT{}, jwtErrorf("JWT exp is missing or not a number")
	}
	if !now.Before(exp) {
		return verifiedJWT{}, jwtErrorf("JWT has expired")
	}
	if c.Nbf != nil {
		nbf, ok := numericDate(c.Nbf)
		if !ok || now.Before(nbf) {
			return verifiedJWT{}, jwtErrorf("JWT is not valid yet (nbf)")
		}
	}
	start := now
	if c.Iat != nil || rules.iatRequired {
		iat, ok := numericDate(c.Iat)
		if !ok {
			return verifiedJWT{}, jwtErrorf("JWT iat is missing or not a number")
		}
		if !exp.After(iat) {
			return verifiedJWT{}, jwtErrorf("JWT exp is not after iat")
		}
		start = iat
	}
	if exp.Sub(start) > rules.maxTTL {
		return verifiedJWT{}, jwtErrorf("JWT lifetime %s exceeds the maximum %s", exp.Sub(start).Round(time.Second), rules.maxTTL)
	}
	return verifiedJWT{keyID: key.KeyID, serviceAccountID: owner}, nil
}

func decodeJWTPart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return fmt.Errorf("not base64url")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("not a JSON object")
	}
	return nil
}

// singleAudience reads aud as a string or a one-element array of strings.
func singleAudience(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var a []string
	if json.Unmarshal(raw, &a) == nil && len(a) == 1 {
		return a[0], true
	}
	return "", false
}

// numericDate reads a JWT NumericDate (seconds, possibly fractional).
func numericDate(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

func truncateTokenText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
