package yandextest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/clock"
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
	// TokenLifetime is the lifetime of tokens from [Server.IssueToken]
	// (default 12h).
	TokenLifetime time.Duration
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
	// the IAM endpoint and the operation endpoint of the client.
	URL string
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
	stats        Stats
	bootstrap    *safeprint.Sealed[[]byte] // the key file, sealed: it holds a private key
	bootstrapErr error
}

// Stats counts what the emulator did.
type Stats struct {
	// Requests is the number of requests received (faults included).
	Requests int
	// ByOp counts requests by operation name ("ApiKeyService/Create", …).
	ByOp map[string]int
	// Replays counts answers replayed for a repeated Idempotency-Key.
	Replays int
	// IdempotencyKeys counts distinct Idempotency-Key values seen.
	IdempotencyKeys int
	// LostResponses counts answers replaced by 503 by LoseResponses.
	LostResponses int
	// Polls counts GET /operations/{id} requests.
	Polls int
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

// New starts an emulator on 127.0.0.1.
func New(optFns ...func(*Options)) *Server {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
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
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = 12 * time.Hour
	}
	s := &Server{
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
		stats:       Stats{ByOp: map[string]int{}},
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("yandextest: cannot listen on 127.0.0.1: %v", err))
	}
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	return s
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
// "yandex", valid for Options.TokenLifetime on the emulator's clock) and
// returns it, for tests that do not go through a token exchange.
func (s *Server) IssueToken(subject string) string {
	tok := "t1." + randString(alnum, 40) + "." + randString(urlSafe, 86)
	s.Registry.PutToken(tok, iamtest.IssuedToken{Subject: subject, Issuer: "yandex",
		ExpiresAt: s.clock.Now().Add(s.opts.TokenLifetime)})
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

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.ByOp = make(map[string]int, len(s.stats.ByOp))
	for k, v := range s.stats.ByOp {
		out.ByOp[k] = v
	}
	return out
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
	s.stats.Requests++
	s.stats.ByOp[rt.op]++
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

func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f iamtest.Fault, reqID string) bool {
	switch f.Kind {
	case iamtest.FaultLatency:
		return clock.Sleep(r.Context(), s.clock, f.Delay) != nil
	case iamtest.FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return true
	case iamtest.FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	default:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		code := codeForHTTPStatus(status)
		if f.Code != "" {
			if n, err := strconv.Atoi(f.Code); err == nil {
				code = n
			}
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		e := errf(code, "injected fault")
		body, _ := json.Marshal(statusBody(e, reqID))
		writeRaw(w, status, body)
		return true
	}
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

// decodeBody reads a JSON request body; unknown fields are ignored, as
// the gateway does.
func decodeBody(req *request, v any) *apiError {
	if len(bytes.TrimSpace(req.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(req.body, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return errf(codeInvalidArgument, "invalid JSON body at offset %d", se.Offset)
		}
		return errf(codeInvalidArgument, "invalid request body: %v", err)
	}
	return nil
}
