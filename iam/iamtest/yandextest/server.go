package yandextest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/loopback"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// ScopesPaths says which of the two ListScopes paths the emulator serves.
type ScopesPaths int

const (
	// ScopesBoth serves GET /iam/v1/apiKeyScopes and the published
	// GET /iam/v1/apiKeys/scopes (the default).
	ScopesBoth ScopesPaths = iota
	// ScopesCurrentOnly serves only /iam/v1/apiKeyScopes.
	ScopesCurrentOnly
	// ScopesLegacyOnly serves only /iam/v1/apiKeys/scopes, as a gateway
	// that predates the move would.
	ScopesLegacyOnly
)

// DefaultServiceAccountID is the service account the emulator knows from
// the start; BootstrapKeyFile returns a key of it.
const DefaultServiceAccountID = "ajeiamkitemulat0r0sa"

// DefaultAddr is the listen address when Options.Addr is empty: a free
// port on 127.0.0.1.
const DefaultAddr = "127.0.0.1:0"

// DefaultScopes are the API-key scopes ListScopes answers with (the
// documented list).
var DefaultScopes = []string{
	"yc.ai.foundationModels.execute",
	"yc.ai.imageGeneration.execute",
	"yc.ai.languageModels.execute",
	"yc.ai.speechkitStt.execute",
	"yc.ai.speechkitTts.execute",
	"yc.ai.translate.execute",
	"yc.ai.vision.execute",
	"yc.logging.write",
	"yc.monitoring.manage",
	"yc.monitoring.read",
	"yc.monium.logs.write",
	"yc.monium.metrics.write",
	"yc.monium.traces.write",
	"yc.monium.telemetry.write",
	"yc.postbox.send",
	"yc.search-api.execute",
	"yc.serverless.containers.invoke",
	"yc.serverless.functions.invoke",
	"yc.ydb.tables.manage",
	"yc.ydb.topics.manage",
}

// defaultKeyScopes are assigned to an API key created without scopes.
var defaultKeyScopes = []string{
	"yc.ai.imageGeneration.execute",
	"yc.ai.languageModels.execute",
	"yc.ai.speechkitStt.execute",
	"yc.ai.speechkitTts.execute",
	"yc.ai.translate.execute",
	"yc.ai.vision.execute",
	"yc.monitoring.manage",
	"yc.search-api.execute",
	"yc.serverless.containers.invoke",
	"yc.serverless.functions.invoke",
}

// Options configure [New].
type Options struct {
	// Addr is the listen address, host:port (default [DefaultAddr]). The
	// host must be a loopback address or "localhost": the emulator
	// accepts tokens anyone can mint. Port 0 picks a free port.
	Addr string
	// Registry is shared with the other emulators: bearer tokens are
	// checked against it, authorized keys created here register their
	// public keys in it (so the Yandex token emulator accepts JWTs signed
	// with them), and static and ephemeral access keys are registered for
	// the S3 emulator. Default: a new registry.
	Registry *iamtest.Registry
	// Clock is the emulator's time (creation times, expiry, token
	// validity). Default: the system clock.
	Clock iam.Clock
	// ServiceAccountID is the service account known from the start
	// (default DefaultServiceAccountID).
	ServiceAccountID string
	// OperationPolls is how many GET /operations/{id} answers say
	// done=false before an Update or Delete operation is done. Zero: the
	// operation is returned done.
	OperationPolls int
	// OperationNotFoundPolls is how many GET /operations/{id} answers are
	// NOT_FOUND first (an operation not yet on every replica).
	OperationNotFoundPolls int
	// PollInterval, when positive, is sent as x-operation-poll-interval
	// (whole seconds, at least 1) on operation answers.
	PollInterval time.Duration
	// ScopesPaths selects which ListScopes paths answer.
	ScopesPaths ScopesPaths
	// Scopes is the list ListScopes answers with (default DefaultScopes).
	Scopes []string
}

// validate refuses options the emulator cannot honour, saying which.
func (o *Options) validate() error {
	addr := o.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if err := loopback.CheckAddr(addr); err != nil {
		return fmt.Errorf("yandextest: option Addr: %w; the emulator accepts tokens anyone can mint, so it listens on loopback only", err)
	}
	switch {
	case o.OperationPolls < 0:
		return fmt.Errorf("yandextest: option OperationPolls %d is negative", o.OperationPolls)
	case o.OperationNotFoundPolls < 0:
		return fmt.Errorf("yandextest: option OperationNotFoundPolls %d is negative", o.OperationNotFoundPolls)
	case o.PollInterval < 0:
		return fmt.Errorf("yandextest: option PollInterval %v is negative", o.PollInterval)
	case o.ScopesPaths < ScopesBoth || o.ScopesPaths > ScopesLegacyOnly:
		return fmt.Errorf("yandextest: option ScopesPaths %d is not ScopesBoth, ScopesCurrentOnly or ScopesLegacyOnly", o.ScopesPaths)
	case len(o.ServiceAccountID) > 50 || strings.ContainsAny(o.ServiceAccountID, "/?#% \t\r\n"):
		return fmt.Errorf("yandextest: option ServiceAccountID %q is not a resource ID (at most 50 characters, no separators)", o.ServiceAccountID)
	}
	return nil
}

// setDefaults fills what the options leave zero; New calls it on its own
// copy, after validate.
func (o *Options) setDefaults() {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Registry == nil {
		o.Registry = iamtest.NewRegistry()
	}
	if o.ServiceAccountID == "" {
		o.ServiceAccountID = DefaultServiceAccountID
	}
	if o.Scopes == nil {
		o.Scopes = DefaultScopes
	}
}

// Server is an in-process emulator of the Yandex Cloud IAM REST API on a
// loopback port: API keys, static access keys, authorized keys, ephemeral
// access keys, the operation service and the endpoint list, all on one
// listener with real state.
//
// Every IAM and operation route wants "Authorization: Bearer <token>" with
// a token the Yandex token emulator (or [Server.IssueToken]) issued and
// recorded in the Registry. Mutating calls honour Idempotency-Key: a
// repeated key replays the first answer. Update and Delete apply at once
// and return an operation that is done after Options.OperationPolls polls.
// Errors are google.rpc.Status JSON with the gRPC-to-HTTP status mapping
// of the real gateway.
//
// It is safe for concurrent use.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234"; use it as both
	// the IAM endpoint and the operation endpoint of the client
	// ([Server.ClientOptions] sets both).
	URL string
	// Addr is the host:port the emulator listens on; the endpoint list
	// (GET /endpoints) names it.
	Addr string
	// Registry is the registry the emulator uses.
	Registry *iamtest.Registry
	// Faults injects failures. Operations are named
	// "<Service>/<Method> <path>", e.g.
	// "ApiKeyService/Create /iam/v1/apiKeys", so a Fault.Match can name
	// either part.
	Faults *iamtest.Faults

	srv    *httptest.Server
	clock  iam.Clock
	opts   Options
	closed chan struct{}
	once   sync.Once

	mu           sync.Mutex
	seq          int64
	accounts     map[string]bool
	apiKeys      map[string]*apiKey
	accessKeys   map[string]*accessKey
	keys         map[string]*authKey
	operations   map[string]*operation
	resourceOps  map[string][]string
	idempotency  map[string]*idemEntry
	failNext     []opFailure
	lose         []loseRule
	calls        map[string]int
	stats        Stats
	bootstrap    *safeprint.Sealed[[]byte] // the key file, sealed: it holds a private key
	bootstrapErr error
}

// Stats counts what the emulator did with Idempotency-Key and
// [Server.LoseResponses]; [Server.Calls] counts the requests.
type Stats struct {
	// Replays counts answers replayed for a repeated Idempotency-Key.
	Replays int
	// IdempotencyKeys counts distinct Idempotency-Key values seen.
	IdempotencyKeys int
	// LostResponses counts answers replaced by 503 by LoseResponses.
	LostResponses int
}

type opFailure struct {
	code    int
	message string
}

type loseRule struct {
	match string
	times int
}

type idemEntry struct {
	fingerprint [32]byte
	done        chan struct{} // closed when status and body are set
	status      int
	body        []byte
}

// New starts an emulator on Options.Addr (default a free port on
// 127.0.0.1). It returns an error for an address that is not loopback,
// another invalid option, or a failure to listen. Nil option functions
// are skipped.
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
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("yandextest: listen on %s: %w", o.Addr, err)
	}
	s := &Server{
		Addr:        l.Addr().String(),
		Registry:    o.Registry,
		Faults:      &iamtest.Faults{},
		clock:       clock.Or(o.Clock),
		opts:        o,
		closed:      make(chan struct{}),
		accounts:    map[string]bool{o.ServiceAccountID: true},
		apiKeys:     map[string]*apiKey{},
		accessKeys:  map[string]*accessKey{},
		keys:        map[string]*authKey{},
		operations:  map[string]*operation{},
		resourceOps: map[string][]string{},
		idempotency: map[string]*idemEntry{},
		calls:       map[string]int{},
	}
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(s.serveHTTP)}}
	s.srv.Start()
	s.URL = s.srv.URL
	return s, nil
}

// Close shuts the emulator down, releasing requests held by FaultHang.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// ServiceAccountID returns the service account known from the start.
func (s *Server) ServiceAccountID() string { return s.opts.ServiceAccountID }

// AddServiceAccount makes a service account known, so that requests may
// name it in serviceAccountId. The subject of a valid token is always
// known.
func (s *Server) AddServiceAccount(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[id] = true
}

// IssueToken records a bearer token for subject in the Registry (issuer
// "yandex", valid for ttl on the emulator's clock; iamtest.DefaultTokenLifetime,
// 12 hours, when ttl is not positive) and returns it, for tests that do
// not go through a token exchange.
func (s *Server) IssueToken(subject string, ttl time.Duration) string {
	if ttl <= 0 {
		ttl = iamtest.DefaultTokenLifetime
	}
	tok := "t1." + randString(alnum, 40) + "." + randString(urlSafe, 86)
	s.Registry.PutToken(tok, iamtest.IssuedToken{Subject: subject, Issuer: "yandex",
		ExpiresAt: s.clock.Now().Add(ttl)})
	return tok
}

// FailNextOperation makes the next Update or Delete fail: its operation
// ends with a google.rpc.Status of the given gRPC code and message, and
// the change is not applied.
func (s *Server) FailNextOperation(code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, opFailure{code, message})
}

// LoseResponses makes the next n mutating requests whose operation name
// contains match be processed (and remembered for their Idempotency-Key)
// and then answered with 503 UNAVAILABLE, as if the answer was lost on the
// way. A client that retries with the same Idempotency-Key gets the
// original answer.
func (s *Server) LoseResponses(match string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = append(s.lose, loseRule{match, n})
}

// Calls returns how many requests for method, an operation name as the
// emulator names them ("ApiKeyService/Create", "OperationService/Get",
// "OperationService/Cancel", "ApiEndpointService/List", …; "" for all),
// the emulator received, faults and refused requests included. Requests
// no route matches count as "NotFound", those for a custom method the
// emulator lacks as "NotImplemented".
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method != "" {
		return s.calls[method]
	}
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// Stats returns a copy of the idempotency counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// apiError is an answer in google.rpc.Status form.
type apiError struct {
	code    int // gRPC code
	message string
}

// Error returns the message.
func (e *apiError) Error() string { return e.message }

func errf(code int, format string, a ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, a...)}
}

// gRPC codes used by the emulator.
const (
	codeInvalidArgument    = 3
	codeNotFound           = 5
	codeAlreadyExists      = 6
	codePermissionDenied   = 7
	codeResourceExhausted  = 8
	codeFailedPrecondition = 9
	codeUnimplemented      = 12
	codeInternal           = 13
	codeUnavailable        = 14
	codeUnauthenticated    = 16
)

// httpStatusForCode is the gateway's gRPC-to-HTTP mapping.
func httpStatusForCode(code int) int {
	switch code {
	case 0:
		return 200
	case 1:
		return 499
	case 3, 9, 11:
		return 400
	case 4:
		return 504
	case 5:
		return 404
	case 6, 10:
		return 409
	case 7:
		return 403
	case 8:
		return 429
	case 12:
		return 501
	case 14:
		return 503
	case 16:
		return 401
	}
	return 500
}

func codeForHTTPStatus(status int) int {
	switch status {
	case 400:
		return codeInvalidArgument
	case 401:
		return codeUnauthenticated
	case 403:
		return codePermissionDenied
	case 404:
		return codeNotFound
	case 409:
		return codeAlreadyExists
	case 429:
		return codeResourceExhausted
	case 501:
		return codeUnimplemented
	case 503:
		return codeUnavailable
	}
	return codeInternal
}

// request is what a route handler gets.
type request struct {
	r       *http.Request
	op      string
	query   url.Values // the query parameters, by camelCase name (see checkQuery)
	body    []byte
	subject string
	reqID   string
	now     time.Time
}

// response is what a route handler returns: a value to encode, or an error.
type response struct {
	status int
	value  any
	header http.Header
}

func ok(v any) response { return response{status: http.StatusOK, value: v} }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt := s.route(r)
	op := rt.op + " " + r.URL.Path
	reqID := r.Header.Get("x-request-id")
	if reqID == "" {
		reqID = uuid.NewString()
	}
	w.Header().Set("x-request-id", reqID)
	w.Header().Set("x-server-trace-id", randString(hexDigits, 16))
	w.Header().Set("Server", "iamkit-yandex-emulator")

	s.mu.Lock()
	s.calls[rt.op]++
	s.mu.Unlock()

	if f, ok := s.Faults.Next(op); ok {
		if s.applyFault(w, r, f, reqID) {
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeStatus(w, reqID, errf(codeInvalidArgument, "request body too large or unreadable"))
		return
	}
	req := &request{r: r, op: rt.op, body: body, reqID: reqID, now: s.clock.Now()}
	if rt.handler == nil {
		writeStatus(w, reqID, rt.err)
		return
	}
	if !rt.noAuth {
		subj, aerr := s.authenticate(r, req.now)
		if aerr != nil {
			writeStatus(w, reqID, aerr)
			return
		}
		req.subject = subj
	}
	// What the emulator does not implement is refused before anything
	// changes (see fields.go).
	q, qerr := checkQuery(rt.op, r.URL.Query(), rt.query)
	if qerr != nil {
		writeStatus(w, reqID, qerr)
		return
	}
	req.query = q
	if !rt.body && !emptyBody(body) {
		writeStatus(w, reqID, errf(codeUnimplemented, "%s takes no request body; the emulator does not implement one", rt.op))
		return
	}

	mutating := r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodDelete
	idemKey := r.Header.Get("Idempotency-Key")
	if !mutating || idemKey == "" || rt.noAuth {
		resp := rt.handler(req)
		writeResponse(w, reqID, resp)
		return
	}
	// Mutations with an Idempotency-Key are remembered; a request that
	// repeats a key waits for the first one to finish and gets its answer.
	fp := fingerprint(r, body)
	s.mu.Lock()
	e, found := s.idempotency[idemKey]
	if !found {
		e = &idemEntry{fingerprint: fp, done: make(chan struct{})}
		s.idempotency[idemKey] = e
		s.stats.IdempotencyKeys++
	}
	s.mu.Unlock()
	if found {
		if e.fingerprint != fp {
			writeStatus(w, reqID, errf(codeInvalidArgument, "Idempotency-Key %s was used with a different request", idemKey))
			return
		}
		select {
		case <-e.done:
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
		s.mu.Lock()
		s.stats.Replays++
		s.mu.Unlock()
		writeRaw(w, e.status, e.body)
		return
	}
	resp := rt.handler(req)
	e.status, e.body = encode(resp)
	close(e.done)
	s.mu.Lock()
	lost := s.takeLoseLocked(op)
	if lost {
		s.stats.LostResponses++
	}
	s.mu.Unlock()
	if lost {
		writeStatus(w, reqID, errf(codeUnavailable, "answer lost (injected by LoseResponses)"))
		return
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	writeRaw(w, e.status, e.body)
}

func (s *Server) takeLoseLocked(op string) bool {
	for i := range s.lose {
		l := &s.lose[i]
		if l.times > 0 && strings.Contains(op, l.match) {
			l.times--
			return true
		}
	}
	return false
}

func fingerprint(r *http.Request, body []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	h.Write(body)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// authenticate checks the bearer token and returns its subject.
func (s *Server) authenticate(r *http.Request, now time.Time) (string, *apiError) {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if h == "" {
		return "", errf(codeUnauthenticated, "The request is missing the Authorization header")
	}
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", errf(codeUnauthenticated, "Authorization header must be \"Bearer <IAM token>\"")
	}
	subj, valid := s.Registry.ValidateToken(tok, "yandex", now)
	if !valid {
		return "", errf(codeUnauthenticated, "The token is invalid or has expired.")
	}
	s.mu.Lock()
	s.accounts[subj] = true
	s.mu.Unlock()
	return subj, nil
}

// applyFault performs an injected fault with iamtest.ServeFault; it
// reports whether the request has been answered (or dropped).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f iamtest.Fault, reqID string) bool {
	return iamtest.ServeFault(w, r, f, s.clock, s.closed, func(w http.ResponseWriter, f iamtest.Fault) {
		code := codeForHTTPStatus(f.Status)
		if f.Code != "" {
			if n, err := strconv.Atoi(f.Code); err == nil {
				code = n
			}
		}
		body, _ := json.Marshal(statusBody(errf(code, "injected fault"), reqID))
		writeRaw(w, f.Status, body)
	})
}

func statusBody(e *apiError, reqID string) map[string]any {
	return map[string]any{
		"code":    e.code,
		"message": e.message,
		"details": []any{map[string]any{
			"@type":     "type.googleapis.com/google.rpc.RequestInfo",
			"requestId": reqID,
		}},
	}
}

func writeStatus(w http.ResponseWriter, reqID string, e *apiError) {
	body, _ := json.Marshal(statusBody(e, reqID))
	writeRaw(w, httpStatusForCode(e.code), body)
}

func encode(resp response) (int, []byte) {
	if e, ok := resp.value.(*apiError); ok {
		b, _ := json.Marshal(statusBody(e, ""))
		return httpStatusForCode(e.code), b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(resp.value); err != nil {
		b, _ := json.Marshal(statusBody(errf(codeInternal, "encoding answer: %v", err), ""))
		return 500, b
	}
	status := resp.status
	if status == 0 {
		status = http.StatusOK
	}
	return status, buf.Bytes()
}

func writeResponse(w http.ResponseWriter, reqID string, resp response) {
	if e, ok := resp.value.(*apiError); ok {
		writeStatus(w, reqID, e)
		return
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	status, body := encode(resp)
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
