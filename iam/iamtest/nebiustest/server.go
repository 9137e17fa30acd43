package nebiustest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/loopback"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// The gRPC services the emulator serves.
const (
	AccessKeyService     = "nebius.iam.v2.AccessKeyService"
	AuthPublicKeyService = "nebius.iam.v1.AuthPublicKeyService"
	OperationService     = "nebius.common.v1.OperationService"
	TokenExchangeService = "nebius.iam.v1.TokenExchangeService"
)

// TokenIssuer is the Registry issuer of the bearer tokens the emulator
// accepts: those of its TokenExchangeService, of
// iamtest.NewNebiusTokenServer and of [Server.IssueToken].
const TokenIssuer = "nebius"

// maxPageSize is the largest page a list returns (the API's [1...1000]).
const maxPageSize = 1000

// DefaultAddr is the listen address when Options.Addr is empty: a free
// port on 127.0.0.1.
const DefaultAddr = "127.0.0.1:0"

// Options configures a [Server].
type Options struct {
	// Addr is the listen address, host:port (default [DefaultAddr]). The
	// host must be a loopback address or "localhost": the emulator accepts
	// test credentials anyone can read. Port 0 picks a free port.
	Addr string
	// Registry is shared with the token-exchange and S3 emulators: uploaded
	// public keys and minted access keys go there, and bearer tokens are
	// checked against it. Default: a new one.
	Registry *iamtest.Registry
	// Clock is the emulator's time (token expiry, key expiry, timestamps,
	// injected latency). Default: the system clock.
	Clock iam.Clock
	// AsyncPolls makes operations asynchronous: an operation is reported
	// done on the AsyncPolls-th OperationService/Get. 0 means every
	// operation is returned already done; a negative value is refused.
	AsyncPolls int
	// DefaultPageSize is the page size of lists that ask for none;
	// default 10 (as the service); a negative value, or one above 1000
	// (the largest page), is refused.
	DefaultPageSize int
	// Authorize, when set, decides whether subject (the token's service
	// account) may call method ("AccessKeyService/Create"); a false answer
	// is PERMISSION_DENIED.
	Authorize func(subject, method string) bool
	// TokenLifetime is the lifetime of the tokens TokenExchangeService
	// issues; default iamtest.DefaultTokenLifetime.
	TokenLifetime time.Duration
	// TLS serves gRPC over TLS with a certificate of the emulator's own CA
	// ([Server.RootCAs]) for localhost, 127.0.0.1, ::1 and, with Domain,
	// *.iam.<Domain>. Default: plaintext (which clients send only to a
	// loopback address).
	TLS bool
	// Domain, with TLS, is the API domain the emulator stands for, such as
	// "nebius.test": [Server.ClientOptions] then configures clients by
	// that domain (cpl.iam.<Domain>:443 and tokens.iam.<Domain>:443, both
	// resolved to the emulator without DNS), so that a test exercises the
	// domain rule end to end.
	Domain string
}

// Server is an in-process emulator of the Nebius IAM control plane
// (cpl.iam: AccessKeyService v2, AuthPublicKeyService v1 and
// OperationService) and of the token exchange (tokens.iam:
// TokenExchangeService), over gRPC on one loopback port, with server
// reflection.
//
// A List with a filter is UNIMPLEMENTED (filters are not evaluated);
// pages are in ID order, with opaque page tokens.
//
// It keeps real state, checks bearer tokens against the Registry, replays
// operations for a repeated X-Idempotency-Key, answers errors with
// nebius.common.v1.ServiceError details and an X-Request-ID header, and
// injects the faults queued in Faults. It is safe for concurrent use.
type Server struct {
	// URL is the emulator's gRPC target, "dns:///" + Addr, as
	// grpc.NewClient takes it.
	URL string
	// Addr is the host:port the emulator listens on ("127.0.0.1:port");
	// [Server.ClientOptions] gives it to a client.
	Addr string
	// Registry is the state shared with the other emulators.
	Registry *iamtest.Registry
	// Faults is the queue of injected faults; a fault's Match is compared
	// with "nebius.iam.v2.AccessKeyService/Create"-style method names.
	Faults *iamtest.Faults

	opts   Options
	clk    clock.Clock
	lis    net.Listener
	grpc   *grpc.Server
	pool   *x509.CertPool // the CA, with TLS
	done   chan struct{}
	served chan struct{}

	mu          sync.Mutex
	accessKeys  map[string]*accessKey
	publicKeys  map[string]*publicKey
	operations  map[string]*operation
	opSeq       int
	idempotency map[string]idemEntry
	failures    []failure
	injected    []*InjectedError
	idemKeys    map[string][]string
	calls       map[string]int
	requestSeq  int
	// impersonation[actor][serviceAccount]: AllowImpersonation's grants.
	impersonation map[string]map[string]bool
	federated     []federated
	// onCall, when set (by tests, export_test.go), is told the full method
	// of every request as it arrives, before faults apply.
	onCall func(method string)
}

type idemEntry struct {
	method string
	opID   string
}

type failure struct {
	match string
	err   *svcError
}

// New starts an emulator on Options.Addr (default a free port on
// 127.0.0.1). It returns an error for an address that is not loopback, a
// negative AsyncPolls or DefaultPageSize, a Domain without TLS, or a
// failure to listen. Nil option functions are skipped.
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
	s := &Server{
		Registry:    o.Registry,
		Faults:      &iamtest.Faults{},
		opts:        o,
		clk:         clock.Or(o.Clock),
		done:        make(chan struct{}),
		served:      make(chan struct{}),
		accessKeys:  map[string]*accessKey{},
		publicKeys:  map[string]*publicKey{},
		operations:  map[string]*operation{},
		idempotency: map[string]idemEntry{},
		idemKeys:    map[string][]string{},
		calls:       map[string]int{},

		impersonation: map[string]map[string]bool{},
	}
	srvOpts := []grpc.ServerOption{grpc.UnaryInterceptor(s.intercept)}
	if o.TLS {
		cfg, pool, err := serverTLS(o.Domain)
		if err != nil {
			return nil, err
		}
		s.pool = pool
		srvOpts = append(srvOpts, grpc.Creds(credentials.NewTLS(cfg)))
	}
	s.grpc = grpc.NewServer(srvOpts...)
	iamv2.RegisterAccessKeyServiceServer(s.grpc, accessKeyService{s: s})
	iamv1.RegisterAuthPublicKeyServiceServer(s.grpc, publicKeyService{s: s})
	commonv1.RegisterOperationServiceServer(s.grpc, operationService{s: s})
	iamv1.RegisterTokenExchangeServiceServer(s.grpc, tokenExchangeService{s: s})
	if err := s.registerReflection(); err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("nebiustest: listen on %s: %w", o.Addr, err)
	}
	s.lis = lis
	s.Addr = lis.Addr().String()
	s.URL = "dns:///" + s.Addr
	go func() {
		defer close(s.served)
		_ = s.grpc.Serve(lis)
	}()
	return s, nil
}

// validate refuses options the emulator cannot honour; New calls it on its
// own copy, before the defaults.
func (o *Options) validate() error {
	if o.Addr != "" {
		if err := loopback.CheckAddr(o.Addr); err != nil {
			return fmt.Errorf("nebiustest: option Addr: %v; the emulator accepts test credentials, so it listens on loopback only", err)
		}
	}
	switch {
	case o.AsyncPolls < 0:
		return fmt.Errorf("nebiustest: option AsyncPolls %d is negative", o.AsyncPolls)
	case o.DefaultPageSize < 0:
		return fmt.Errorf("nebiustest: option DefaultPageSize %d is negative", o.DefaultPageSize)
	case o.DefaultPageSize > maxPageSize:
		return fmt.Errorf("nebiustest: option DefaultPageSize %d is above the service's maximum page size %d", o.DefaultPageSize, maxPageSize)
	case o.TokenLifetime < 0:
		return fmt.Errorf("nebiustest: option TokenLifetime %v is negative", o.TokenLifetime)
	case o.Domain != "" && !o.TLS:
		return fmt.Errorf("nebiustest: option Domain %q needs TLS: clients send plaintext only to a loopback address", o.Domain)
	case strings.ContainsAny(o.Domain, ":/ ") || strings.HasPrefix(o.Domain, ".") || strings.HasSuffix(o.Domain, "."):
		return fmt.Errorf("nebiustest: option Domain %q is not a DNS name (no port, scheme or path)", o.Domain)
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
	if o.DefaultPageSize == 0 {
		o.DefaultPageSize = 10
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = iamtest.DefaultTokenLifetime
	}
}

// Close stops the emulator: open connections are closed and calls held by
// a hang fault end.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.grpc.Stop()
	<-s.served
}

// RootCAs returns the pool of the emulator's CA, which issued its server
// certificate (nil without Options.TLS).
func (s *Server) RootCAs() *x509.CertPool { return s.pool }

// Calls returns how many requests reached method ("AccessKeyService/Create"
// or a full method name), faults included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for m, c := range s.calls {
		if strings.HasSuffix(m, method) {
			n += c
		}
	}
	return n
}

// IssueToken records a bearer token for subject in the Registry, valid for
// ttl (an hour when 0), as the token exchange would; tests that do not
// exercise the exchange use it.
func (s *Server) IssueToken(subject string, ttl time.Duration) string {
	if ttl <= 0 {
		ttl = time.Hour
	}
	tok := "v1.emu-" + randString(32, lowerAlnum)
	s.Registry.PutToken(tok, iamtest.IssuedToken{Subject: subject, Issuer: TokenIssuer, ExpiresAt: s.clk.Now().Add(ttl)})
	return tok
}

// FailNextOperation makes the next operation started by a method matching
// match ("AccessKeyService/Create") finish with code and message instead
// of succeeding; the operation still names the resource it was for. It
// lets a test see a create fail after the service accepted it. A failed
// Create creates nothing; other methods still make their change (as an
// operation that fails late may have).
func (s *Server) FailNextOperation(match string, code codes.Code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := internalError(message, "emu-failed-op")
	e.code, e.seCode = code, code.String()
	s.failures = append(s.failures, failure{match: match, err: e})
}

// InjectedError is an error answer with ServiceError details, injected with
// [Server.InjectError]. Unlike an iamtest.Fault it can carry a retry_type,
// and it can be answered after the request was served, as when a response
// is lost on the way back.
type InjectedError struct {
	// Match limits it to methods containing it ("AccessKeyService/Create");
	// empty matches every method.
	Match string
	// Code is the gRPC code of the answer.
	Code codes.Code
	// RetryType is the ServiceError.retry_type: "", "CALL",
	// "UNIT_OF_WORK" or "NOTHING".
	RetryType string
	// AfterServing serves the request (state changes) and then answers
	// the error instead of the result.
	AfterServing bool
	// Times is how many requests it hits (0 means 1).
	Times int
}

// InjectError queues an injected error.
func (s *Server) InjectError(e InjectedError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Times <= 0 {
		e.Times = 1
	}
	s.injected = append(s.injected, &e)
}

// nextInjected returns the first queued injected error for method (under
// s.mu) and uses it up.
func (s *Server) nextInjected(method string) *InjectedError {
	for i, e := range s.injected {
		if e.Match != "" && !strings.Contains(method, e.Match) {
			continue
		}
		out := *e
		if e.Times--; e.Times == 0 {
			s.injected = append(s.injected[:i], s.injected[i+1:]...)
		}
		return &out
	}
	return nil
}

func (e *InjectedError) err() error {
	rt := commonv1.ServiceError_RetryType(commonv1.ServiceError_RetryType_value[e.RetryType])
	return (&svcError{code: e.Code, message: "injected error: " + e.Code.String(), seCode: e.Code.String(), retryType: rt}).grpcErr()
}

// IdempotencyKeys returns the X-Idempotency-Key of every request that
// reached method ("AccessKeyService/Create"), in order ("" when absent).
func (s *Server) IdempotencyKeys(method string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var methods []string
	for m := range s.idemKeys {
		if strings.HasSuffix(m, method) {
			methods = append(methods, m)
		}
	}
	sort.Strings(methods)
	var out []string
	for _, m := range methods {
		out = append(out, s.idemKeys[m]...)
	}
	return out
}

// callCtx is what the interceptor learnt of a call, for its handler.
type callCtx struct {
	subject   string
	resetMask string
	method    string                                       // "AccessKeyService/Create"
	request   proto.Message                                // recorded in the operation
	headers   map[string]*commonv1.Operation_RequestHeader // recorded in the operation
}

type callKey struct{}

// call returns the callCtx the interceptor put on ctx.
func call(ctx context.Context) *callCtx {
	c, _ := ctx.Value(callKey{}).(*callCtx)
	if c == nil {
		c = &callCtx{}
	}
	return c
}

// intercept runs every unary call through the request ID, faults,
// authentication (but for the token exchange, which takes no bearer
// token), the unknown-field check, idempotency and injected errors, and
// runs the handler under s.mu.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	method := strings.TrimPrefix(info.FullMethod, "/") // "nebius.iam.v2.AccessKeyService/Create"
	svc, name, _ := strings.Cut(method, "/")
	short := svc[strings.LastIndexByte(svc, '.')+1:] + "/" + name // "AccessKeyService/Create"
	exchange := svc == TokenExchangeService
	s.mu.Lock()
	s.calls[method]++
	s.requestSeq++
	reqID := "emu-req-" + strconv.Itoa(s.requestSeq)
	onCall := s.onCall
	s.mu.Unlock()
	if onCall != nil {
		onCall(method)
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", reqID))

	if f, ok := s.Faults.Next(method); ok {
		if err := s.fault(ctx, f); err != nil {
			return nil, err
		}
	}
	md, _ := metadata.FromIncomingContext(ctx)
	c := &callCtx{resetMask: first(md, "x-resetmask"), method: short, headers: requestHeaders(md)}
	if !exchange {
		subject, err := s.authenticate(md)
		if err != nil {
			return nil, err
		}
		if s.opts.Authorize != nil && !s.opts.Authorize(subject, short) {
			return nil, permissionDenied(subject, subject+" may not call "+short).grpcErr()
		}
		c.subject = subject
	}
	m, ok := req.(proto.Message)
	if !ok {
		return nil, status.Error(codes.Internal, "nebiustest: request is not a protobuf message")
	}
	if path := unknownField(m.ProtoReflect(), ""); path != "" {
		// A field the emulator does not know (of a newer API): it cannot
		// apply it, so it changes nothing.
		return nil, unimplemented("the request sets a field the emulator does not know, at " + path).grpcErr()
	}
	if fd := m.ProtoReflect().Descriptor().Fields().ByName("filter"); fd != nil && fd.Kind() == protoreflect.StringKind &&
		strings.TrimSpace(m.ProtoReflect().Get(fd).String()) != "" {
		// List filters are not evaluated: a list that ignored one would
		// answer what was not asked.
		return nil, unimplemented("list filters are not emulated").grpcErr()
	}
	c.request = m
	ctx = context.WithValue(ctx, callKey{}, c)

	s.mu.Lock()
	defer s.mu.Unlock()
	idemKey := first(md, "x-idempotency-key")
	s.idemKeys[method] = append(s.idemKeys[method], idemKey)
	inj := s.nextInjected(method)
	if inj != nil && !inj.AfterServing {
		return nil, inj.err()
	}
	mutating := !exchange && isMutating(name)
	if mutating && idemKey != "" {
		if e, ok := s.idempotency[c.subject+"\x00"+idemKey]; ok {
			if e.method != method {
				return nil, badRequest("X-Idempotency-Key", "key was used for "+e.method).grpcErr()
			}
			if op, ok := s.operations[e.opID]; ok {
				if inj != nil {
					return nil, inj.err()
				}
				return s.renderOperation(op), nil
			}
		}
	}
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, err
	}
	if op, ok := resp.(*commonv1.Operation); ok && mutating && idemKey != "" {
		s.idempotency[c.subject+"\x00"+idemKey] = idemEntry{method: method, opID: op.GetId()}
	}
	if inj != nil {
		return nil, inj.err()
	}
	return resp, nil
}

// unknownField returns the path of the first field m (or a message in it)
// carries that its descriptor does not know, or "".
func unknownField(m protoreflect.Message, path string) string {
	if len(m.GetUnknown()) > 0 {
		if path == "" {
			return "the top level"
		}
		return path
	}
	found := ""
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := string(fd.Name())
		if path != "" {
			p = path + "." + p
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len() && found == ""; i++ {
				found = unknownField(v.List().Get(i).Message(), p+"."+strconv.Itoa(i))
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				found = unknownField(mv.Message(), p+"."+k.String())
				return found == ""
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			found = unknownField(v.Message(), p)
		}
		return found == ""
	})
	return found
}

// recordedHeaders are the request headers an operation records in
// Operation.request_headers. nebius/api (common/v1/operation.proto) says
// the field holds the headers that matter to how the request was
// processed, lower-case, and names x-resetmask as the example; which
// headers the live service records is UNCONFIRMED. The emulator records
// that one and x-idempotency-key (which decides whether a repeated request
// is replayed), and nothing else a request carries: no credentials under
// any name, no proxy or caller metadata.
var recordedHeaders = []string{"x-idempotency-key", "x-resetmask"}

// requestHeaders returns the request's headers as Operation.request_headers
// records them: those of recordedHeaders the request has.
func requestHeaders(md metadata.MD) map[string]*commonv1.Operation_RequestHeader {
	out := map[string]*commonv1.Operation_RequestHeader{}
	for _, k := range recordedHeaders {
		if v := md.Get(k); len(v) > 0 {
			out[k] = &commonv1.Operation_RequestHeader{Values: append([]string(nil), v...)}
		}
	}
	return out
}

func isMutating(name string) bool {
	return !strings.HasPrefix(name, "Get") && !strings.HasPrefix(name, "List")
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// fault applies an injected fault; a nil error means serve the request.
// iamtest.AwaitFault holds the call for a latency or a hang; a call it
// ends gets the context's code when the client gave up, UNAVAILABLE when
// the emulator closed (never an answer).
func (s *Server) fault(ctx context.Context, f iamtest.Fault) error {
	if err := iamtest.AwaitFault(ctx, f, s.clk, s.done); err != nil {
		if ctx.Err() != nil {
			return status.FromContextError(ctx.Err()).Err()
		}
		return status.Error(codes.Unavailable, "nebiustest: server closed")
	}
	switch f.Kind {
	case iamtest.FaultLatency:
		return nil
	case iamtest.FaultReset:
		// gRPC gives a handler no way to drop its connection; the client
		// sees what a reset produces: UNAVAILABLE.
		return status.Error(codes.Unavailable, "nebiustest: connection reset (injected)")
	}
	code := codes.Unavailable
	if f.Status == 429 {
		code = codes.ResourceExhausted
	}
	if f.Code != "" {
		if n, err := strconv.Atoi(f.Code); err == nil {
			code = codes.Code(n)
		}
	}
	e := &svcError{code: code, message: "injected fault: " + code.String(), seCode: code.String()}
	switch code {
	case codes.ResourceExhausted:
		e.details = func(se *commonv1.ServiceError) {
			se.Details = &commonv1.ServiceError_TooManyRequests{TooManyRequests: &commonv1.TooManyRequests{Violation: "injected throttling"}}
		}
	case codes.Unavailable:
		e.retryType = commonv1.ServiceError_CALL
	}
	return e.grpcErr()
}

// authenticate checks "authorization: Bearer <token>" against the Registry.
func (s *Server) authenticate(md metadata.MD) (string, error) {
	h := first(md, "authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return "", status.Error(codes.Unauthenticated, "missing bearer token")
	}
	sub, ok := s.Registry.ValidateToken(tok, TokenIssuer, s.clk.Now())
	if !ok {
		return "", status.Error(codes.Unauthenticated, "invalid or expired token")
	}
	return sub, nil
}

// page cuts ids (sorted) into the page the request asks for.
func (s *Server) page(ids []string, pageSize int64, pageToken string) ([]string, string, *svcError) {
	sort.Strings(ids)
	return s.pageOrdered(ids, pageSize, pageToken)
}

// pageOrdered cuts ids, in their order, into the page the request asks for.
func (s *Server) pageOrdered(ids []string, pageSize int64, pageToken string) ([]string, string, *svcError) {
	start := 0
	if pageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(pageToken, "emu-page-"))
		if err != nil || n < 0 || n > len(ids) || !strings.HasPrefix(pageToken, "emu-page-") {
			return nil, "", badRequest("page_token", "invalid page token")
		}
		start = n
	}
	if pageSize < 0 {
		return nil, "", badRequest("page_size", "must not be negative")
	}
	size := int(min(pageSize, maxPageSize))
	if size == 0 {
		size = s.opts.DefaultPageSize
	}
	end := min(start+size, len(ids))
	next := ""
	if end < len(ids) {
		next = "emu-page-" + strconv.Itoa(end)
	}
	return ids[start:end], next, nil
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randString(n int, set string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}
