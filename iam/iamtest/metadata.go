package iamtest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/loopback"
)

// metadataOptions are the fields [NebiusMetadataOptions] and
// [YandexMetadataOptions] share (both convert to it).
type metadataOptions struct {
	Addr             string
	Registry         *Registry
	Clock            iam.Clock
	TokenLifetime    time.Duration
	ServiceAccountID string
}

// validate refuses what the emulator cannot honour; ctor names the
// constructor in the error.
func (o *metadataOptions) validate(ctor string) error {
	if o.Addr != "" {
		if err := loopback.CheckAddr(o.Addr); err != nil {
			return fmt.Errorf("iamtest: %s: option Addr: %w", ctor, err)
		}
	}
	if o.TokenLifetime < 0 {
		return fmt.Errorf("iamtest: %s: option TokenLifetime %v is negative", ctor, o.TokenLifetime)
	}
	if strings.ContainsFunc(o.ServiceAccountID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fmt.Errorf("iamtest: %s: option ServiceAccountID %q contains a space or a control character", ctor, o.ServiceAccountID)
	}
	return nil
}

// metadataFlavor is what tells the two metadata services apart.
type metadataFlavor struct {
	ctor        string // the constructor, for errors
	defaultSA   string
	path        string // the token path
	header      string // the header a request must carry…
	headerValue string // …with this value
	prefix      string // of the tokens minted
	issuer      string // of the tokens, in the Registry
	// write answers a token that expires at exp; now is the emulator time.
	write func(w http.ResponseWriter, tok string, exp, now time.Time)
}

// metadataServer is what the two metadata emulators share: the listener,
// faults, the attached service account, the token served and the
// counters.
type metadataServer struct {
	s      *tokenServer
	flavor metadataFlavor
	url    string
	addr   string

	mu    sync.Mutex
	sa    string
	cur   iam.Secret // the token served now
	curSA string     // its subject
	exp   time.Time  // its expiry
	calls map[string]int
}

// newMetadataServer checks o, fills its defaults and starts the emulator.
func newMetadataServer(o metadataOptions, f metadataFlavor) (*metadataServer, error) {
	if err := o.validate(f.ctor); err != nil {
		return nil, err
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Registry == nil {
		o.Registry = NewRegistry()
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.ServiceAccountID == "" {
		o.ServiceAccountID = f.defaultSA
	}
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("iamtest: %s: %w", f.ctor, err)
	}
	m := &metadataServer{flavor: f, sa: o.ServiceAccountID, calls: map[string]int{}}
	m.s = &tokenServer{
		registry: o.Registry,
		faults:   &Faults{},
		clock:    clock.Or(o.Clock),
		given:    o.Clock,
		lifetime: o.TokenLifetime,
		closed:   make(chan struct{}),
	}
	m.s.srv = httptest.NewUnstartedServer(http.HandlerFunc(m.serveHTTP))
	m.s.srv.Listener = l
	m.s.srv.Start()
	m.url = m.s.srv.URL
	m.addr = l.Addr().String()
	return m, nil
}

func (m *metadataServer) callsFor(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[path]
}

func (m *metadataServer) setServiceAccount(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sa = id
}

func (m *metadataServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.calls[r.URL.Path]++
	m.mu.Unlock()
	if m.s.applyFault(w, r, r.URL.Path, func(w http.ResponseWriter, f Fault) {
		http.Error(w, "injected fault: http "+strconv.Itoa(f.Status), f.Status)
	}) == faultHandled {
		return
	}
	if r.URL.Path != m.flavor.path {
		http.Error(w, "iamtest: the metadata emulator serves only "+m.flavor.path, http.StatusNotImplemented)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get(m.flavor.header) != m.flavor.headerValue {
		http.Error(w, "Missing required header \""+m.flavor.header+": "+m.flavor.headerValue+"\"", http.StatusForbidden)
		return
	}
	tok, exp, now, ok := m.token()
	if !ok {
		http.Error(w, "no service account is attached to the instance", http.StatusNotFound)
		return
	}
	m.flavor.write(w, tok, exp, now)
}

// token returns the token to serve, its expiry and the emulator time,
// minting a new one when there is none, the service account changed, or
// less than a tenth of the lifetime is left. ok is false without a
// service account.
func (m *metadataServer) token() (tok string, exp, now time.Time, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sa == "" {
		return "", time.Time{}, time.Time{}, false
	}
	now = m.s.clock.Now()
	if m.cur.IsZero() || m.curSA != m.sa || m.exp.Sub(now) < m.s.lifetime/10 {
		t, e := m.s.issue(m.flavor.prefix, m.flavor.issuer, m.sa, 0)
		m.cur, m.curSA, m.exp = iam.NewSecret(t), m.sa, e
	}
	return m.cur.Reveal(), m.exp, now, true
}
