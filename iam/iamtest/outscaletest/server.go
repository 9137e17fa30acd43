package outscaletest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/loopback"
)

// DefaultMaxKeysPerUser is the documented limit of access keys per user
// (the root account and each EIM user): "up to 10 access keys" (OUTSCALE
// user guide, "About Access Keys").
const DefaultMaxKeysPerUser = 10

// DefaultAddr is the listen address when Options.Addr is empty: a free
// port on 127.0.0.1.
const DefaultAddr = "127.0.0.1:0"

// Options configure the emulator.
type Options struct {
	// Addr is the listen address, host:port (default [DefaultAddr]). The
	// host must be a loopback address or "localhost": the emulator
	// accepts test keys anyone can read. Port 0 picks a free port.
	Addr string
	// Registry receives every access key the emulator mints, for the S3
	// emulator (default: a new one).
	Registry *iamtest.Registry
	// Clock is the emulator's time: signature freshness, lockouts, key
	// expiry, latency faults (default: the system clock).
	Clock iam.Clock
	// Region is reported in Request records and enforced in signatures
	// when StrictScope is set (default eu-west-2).
	Region string
	// StrictScope refuses signatures whose scope names another region or a
	// service other than "oapi", "osc" or "api". Off by default: the real
	// gateway evidently accepts osc-sdk-go v2's hard-coded eu-west-2
	// (UNCONFIRMED by OUTSCALE's docs).
	StrictScope bool
	// Login and Password are the root account's (defaults:
	// "root@example.com" and a random password).
	Login    string
	Password iam.Secret
	// Legacy emulates servers before API 1.40: UpdateAccessKey requires
	// State, knows no ClearExpirationDate/ClearTag, and removes the key's
	// expiry when ExpirationDate is omitted. Without Legacy, an omitted
	// ExpirationDate keeps the expiry.
	Legacy bool
	// MaxKeysPerUser is the key limit per user (default 10).
	MaxKeysPerUser int
	// MaxAccessKeyExpirationSeconds is the root account's initial API
	// access policy (0: unlimited).
	MaxAccessKeyExpirationSeconds int64
	// TLS serves HTTPS with a certificate from the emulator's own CA
	// ([Server.RootCAs]).
	TLS bool
	// RequireClientCert (implies TLS) makes every call need a client
	// certificate issued by [Server.IssueClientCertificate], as for an
	// account with API access rules; others get 401 code 14.
	RequireClientCert bool
}

// Credentials are what a test needs to call the emulator as a user; pass
// them to [Server.ClientOptions].
type Credentials struct {
	// AccessKey and SecretKey sign requests.
	AccessKey string
	SecretKey iam.Secret
	// Login and Password authenticate with Basic (root account only).
	Login    string
	Password iam.Secret
	// UserName is the EIM user, or "" for the root account.
	UserName string
}

// Request records one request the emulator received.
type Request struct {
	// Call is the API call ("CreateAccessKey"…).
	Call string
	// Auth is "AWS4-HMAC-SHA256", "OSC4-HMAC-SHA256", "Basic" or "".
	Auth string
	// AccessKeyID is the signing key, Region and Service the signature's
	// scope.
	AccessKeyID, Region, Service string
	// Date is the X-Amz-Date or X-Osc-Date header.
	Date string
	// Verified reports whether authentication succeeded.
	Verified bool
	// Status and Code are the HTTP status and OSC error code of the answer
	// ("" on success).
	Status int
	Code   string
}

// Server is a running OUTSCALE API emulator on a loopback address.
type Server struct {
	// URL is the API base URL, ending in /api/v1 (the client's Endpoint;
	// [Server.ClientOptions] sets it).
	URL string
	// Addr is the host:port the emulator listens on.
	Addr string
	// Faults injects failures: FaultStatus answers with Status and the
	// OSC error Code (6 → 503, 24/25 → 429 by default); FaultLatency waits
	// on the emulator's clock; FaultHang holds the request until the
	// client gives up; FaultReset carries out the call and then drops the
	// connection without an answer (the ambiguous case a client must not
	// blindly retry). Match is compared with the call name.
	Faults *iamtest.Faults
	// Registry holds the minted keys for the S3 emulator.
	Registry *iamtest.Registry
	// Root is the root account's bootstrap access key and login.
	Root Credentials

	opts   Options
	clock  clock.Clock
	hs     *httptest.Server
	closed chan struct{}
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool

	mu       sync.Mutex
	accounts map[string]*account // by account ID
	keys     map[string]*key     // by access key ID
	logins   map[string]*account // by login
	requests []Request
	seq      atomic.Int64
	keyCache sync.Map // derived SigV4 signing keys
}

type account struct {
	id       string
	login    string
	password string
	users    map[string]bool // EIM users
	policy   apiAccessPolicy
	// brute-force lockout
	failures    int
	lockMinutes int
	lockedUntil time.Time
}

type key struct {
	id, secret string
	account    *account
	user       string // "" for root
	state      string
	tag        string
	created    time.Time
	modified   time.Time
	expires    time.Time // zero: never
	json       []byte    // the AccessKey object without secret, kept current
}

// New starts an emulator on Options.Addr (default a free port on
// 127.0.0.1). It returns an error for an address that is not loopback, a
// negative MaxKeysPerUser or MaxAccessKeyExpirationSeconds, or a failure to
// listen. Nil option functions are skipped.
func New(optFns ...func(*Options)) (*Server, error) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.setDefaults()
	lis, err := listen(o.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr:     lis.Addr().String(),
		Faults:   &iamtest.Faults{},
		Registry: o.Registry,
		opts:     o,
		clock:    clock.Or(o.Clock),
		closed:   make(chan struct{}),
		accounts: map[string]*account{},
		keys:     map[string]*key{},
		logins:   map[string]*account{},
	}
	s.Root = s.AddAccount(o.Login, o.Password, o.MaxAccessKeyExpirationSeconds)

	s.hs = &httptest.Server{Listener: lis, Config: &http.Server{Handler: http.HandlerFunc(s.serveHTTP)}}
	if o.TLS {
		s.makeCA()
		s.hs.TLS = &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{s.serverCert()},
		}
		if o.RequireClientCert {
			s.hs.TLS.ClientAuth = tls.VerifyClientCertIfGiven
			s.hs.TLS.ClientCAs = s.pool
		}
		s.hs.StartTLS()
	} else {
		s.hs.Start()
	}
	s.URL = s.hs.URL + "/api/v1"
	return s, nil
}

// validate refuses options the emulator cannot honour, naming the field.
func (o *Options) validate() error {
	addr := o.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if err := loopback.CheckAddr(addr); err != nil {
		return fmt.Errorf("outscaletest: option Addr: %v; the emulator accepts test keys anyone can read, so it listens on loopback only", err)
	}
	switch {
	case o.MaxKeysPerUser < 0:
		return fmt.Errorf("outscaletest: option MaxKeysPerUser %d is negative", o.MaxKeysPerUser)
	case o.MaxAccessKeyExpirationSeconds < 0:
		return fmt.Errorf("outscaletest: option MaxAccessKeyExpirationSeconds %d is negative", o.MaxAccessKeyExpirationSeconds)
	case strings.ContainsFunc(o.Region, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' }):
		return fmt.Errorf("outscaletest: option Region %q: want lower-case letters, digits and '-', as in eu-west-2", o.Region)
	case strings.Contains(o.Login, ":") || strings.ContainsFunc(o.Login, unicode.IsControl):
		return fmt.Errorf("outscaletest: option Login %q contains ':' or a control character, which Basic authentication cannot carry", o.Login)
	}
	return nil
}

// setDefaults fills what the options leave zero; New calls it on its own
// copy.
func (o *Options) setDefaults() {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Registry == nil {
		o.Registry = iamtest.NewRegistry()
	}
	if o.Region == "" {
		o.Region = "eu-west-2"
	}
	if o.MaxKeysPerUser <= 0 {
		o.MaxKeysPerUser = DefaultMaxKeysPerUser
	}
	if o.Login == "" {
		o.Login = "root@example.com"
	}
	if o.Password.IsZero() {
		o.Password = iam.NewSecret(randomString(16, alnum))
	}
	if o.RequireClientCert {
		o.TLS = true
	}
}

// listen opens addr, which validate has checked is on loopback.
func listen(addr string) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("outscaletest: listen on %s: %w", addr, err)
	}
	return lis, nil
}

// Close shuts the emulator down, releasing requests held by hang faults.
func (s *Server) Close() {
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	s.hs.CloseClientConnections()
	s.hs.Close()
}

// AddAccount creates another account (isolated from the others) with a
// root access key, and returns its credentials. An empty login gives an
// account without login/password authentication.
func (s *Server) AddAccount(login string, password iam.Secret, maxKeySeconds int64) Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &account{
		id:       fmt.Sprintf("%012d", len(s.accounts)+100000000000),
		login:    login,
		password: password.Reveal(),
		users:    map[string]bool{},
		policy:   apiAccessPolicy{MaxAccessKeyExpirationSeconds: maxKeySeconds},
	}
	s.accounts[a.id] = a
	if login != "" {
		s.logins[login] = a
	}
	k := s.mintLocked(a, "", "", time.Time{})
	return Credentials{AccessKey: k.id, SecretKey: iam.NewSecret(k.secret), Login: login, Password: password}
}

// AddUser creates an EIM user in the root account with one access key,
// and returns its credentials.
func (s *Server) AddUser(name string) Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.keys[s.Root.AccessKey].account
	a.users[name] = true
	k := s.mintLocked(a, name, "", time.Time{})
	return Credentials{AccessKey: k.id, SecretKey: iam.NewSecret(k.secret), UserName: name}
}

// KeyInfo is the emulator's view of an access key.
type KeyInfo struct {
	// AccessKeyID is the key's ID.
	AccessKeyID string
	// UserName is the EIM user owning the key ("" for the root account).
	UserName string
	// State is "ACTIVE" or "INACTIVE".
	State string
	// Tag is the key's tag, if any.
	Tag string
	// ExpiresAt is the key's expiry (zero: none).
	ExpiresAt time.Time
}

// Key returns the emulator's view of a key.
func (s *Server) Key(id string) (KeyInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return KeyInfo{}, false
	}
	return KeyInfo{AccessKeyID: k.id, UserName: k.user, State: k.state, Tag: k.tag, ExpiresAt: k.expires}, true
}

// KeyCount returns how many keys the root account's user (or root, for
// "") has.
func (s *Server) KeyCount(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.keys[s.Root.AccessKey]
	n := 0
	for _, k := range s.keys {
		if a != nil && k.account == a.account && k.user == user {
			n++
		}
	}
	return n
}

// SetAPIAccessPolicy sets the root account's MaxAccessKeyExpirationSeconds.
func (s *Server) SetAPIAccessPolicy(maxKeySeconds int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[s.Root.AccessKey].account.policy.MaxAccessKeyExpirationSeconds = maxKeySeconds
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls returns how many requests for method, an API call name
// ("CreateAccessKey"…; "" for all), were received since the start or the
// last [Server.ResetRequests], faults included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if method == "" || r.Call == method {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// RootCAs returns a pool holding the emulator's CA (TLS mode), for the
// client's RootCAs.
func (s *Server) RootCAs() *x509.CertPool { return s.pool }

// IssueClientCertificate returns a PEM client certificate and PEM key
// signed by the emulator's CA (TLS mode), which the emulator accepts when
// RequireClientCert is set.
func (s *Server) IssueClientCertificate(commonName string) (certPEM, keyPEM []byte) {
	if s.ca == nil {
		panic("outscaletest: IssueClientCertificate needs Options.TLS")
	}
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca, &priv.PublicKey, s.caKey)
	if err != nil {
		panic(err)
	}
	kder, _ := x509.MarshalECPrivateKey(priv)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func (s *Server) makeCA() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "outscaletest CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		panic(err)
	}
	s.ca, _ = x509.ParseCertificate(der)
	s.caKey = priv
	s.pool = x509.NewCertPool()
	s.pool.AddCert(s.ca)
}

func (s *Server) serverCert() tls.Certificate {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca, &priv.PublicKey, s.caKey)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
}

// mintLocked creates a key and registers it for the S3 emulator.
func (s *Server) mintLocked(a *account, user, tag string, expires time.Time) *key {
	now := s.clock.Now()
	k := &key{
		id:       randomString(20, upperAlnum),
		secret:   randomString(40, alnum),
		account:  a,
		user:     user,
		state:    "ACTIVE",
		tag:      tag,
		created:  now,
		modified: now,
		expires:  expires,
	}
	s.keys[k.id] = k
	s.syncLocked(k)
	return k
}

// syncLocked mirrors a key's state into the registry and refreshes its
// cached JSON.
func (s *Server) syncLocked(k *key) {
	k.json = keyJSON(k)
	owner := k.account.id
	if k.user != "" {
		owner += "/" + k.user
	}
	s.Registry.PutS3Key(iamtest.S3Key{
		AccessKeyID: k.id,
		Secret:      iam.NewSecret(k.secret),
		Active:      k.state == "ACTIVE",
		ExpiresAt:   k.expires,
		Owner:       owner,
	})
}

const (
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// CloseClientConnections drops every open client connection, releasing
// requests held by latency faults without serving them.
func (s *Server) CloseClientConnections() { s.hs.CloseClientConnections() }
