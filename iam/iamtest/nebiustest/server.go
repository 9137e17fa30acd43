package nebiustest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The client package registers the descriptors of the Nebius messages
	// the emulator serves.
	_ "github.com/iamkit/iamkit/iam/nebius"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/loopback"
)

// The gRPC services the emulator serves.
const (
	AccessKeyService     = "nebius.iam.v2.AccessKeyService"
	AuthPublicKeyService = "nebius.iam.v1.AuthPublicKeyService"
	OperationService     = "nebius.common.v1.OperationService"
)

// TokenIssuer is the Registry issuer of the bearer tokens the emulator
// accepts: those of iamtest.NewNebiusTokenServer and of [Server.IssueToken].
const TokenIssuer = "nebius"

// DefaultAddr is the listen address when Options.Addr is empty: a free
// port on 127.0.0.1.
const DefaultAddr = "127.0.0.1:0"

// Options configures a [Server].
type Options struct {
	// Addr is the listen address, host:port (default [DefaultAddr]). The
	// host must be a loopback address or "localhost": the emulator serves
	// plaintext gRPC and accepts test credentials anyone can read. Port 0
	// picks a free port.
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
	// default 10 (as the service); a negative value is refused.
	DefaultPageSize int
	// Authorize, when set, decides whether subject (the token's service
	// account) may call method ("AccessKeyService/Create"); a false answer
	// is PERMISSION_DENIED.
	Authorize func(subject, method string) bool
}

// Server is an in-process emulator of the Nebius IAM control plane
// (cpl.iam): AccessKeyService v2, AuthPublicKeyService v1 and
// OperationService, over gRPC on a loopback port without TLS.
//
// List filters are accepted and ignored; pages are in ID order, with
// opaque page tokens.
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
	// [Server.ClientOptions] gives it to a client as nebius.Options.Address
	// with Plaintext.
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
	done   chan struct{}
	served chan struct{}

	mu          sync.Mutex
	accessKeys  map[string]*accessKey
	publicKeys  map[string]*publicKey
	operations  map[string]*operation
	idempotency map[string]idemEntry
	failures    []failure
	injected    []*InjectedError
	idemKeys    map[string][]string
	calls       map[string]int
	requestSeq  int
}

type idemEntry struct {
	method string
	opID   string
}

type failure struct {
	match string
	err   *svcError
}

type operation struct {
	id          string
	description string
	createdBy   string
	createdAt   time.Time
	finishedAt  time.Time
	resourceID  string
	pollsLeft   int
	err         *svcError // nil: success
}

// New starts an emulator on Options.Addr (default a free port on
// 127.0.0.1). It returns an error for an address that is not loopback, a
// negative AsyncPolls or DefaultPageSize, or a failure to listen. Nil option
// functions are skipped.
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
	lis, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("nebiustest: listen on %s: %w", o.Addr, err)
	}
	s := &Server{
		URL:         "dns:///" + lis.Addr().String(),
		Addr:        lis.Addr().String(),
		Registry:    o.Registry,
		Faults:      &iamtest.Faults{},
		opts:        o,
		clk:         clock.Or(o.Clock),
		lis:         lis,
		done:        make(chan struct{}),
		served:      make(chan struct{}),
		accessKeys:  map[string]*accessKey{},
		publicKeys:  map[string]*publicKey{},
		operations:  map[string]*operation{},
		idempotency: map[string]idemEntry{},
		idemKeys:    map[string][]string{},
		calls:       map[string]int{},
	}
	s.grpc = grpc.NewServer()
	for _, svc := range []string{AccessKeyService, AuthPublicKeyService, OperationService} {
		desc, err := s.serviceDesc(svc)
		if err != nil {
			lis.Close()
			return nil, err
		}
		s.grpc.RegisterService(desc, s)
	}
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
			return fmt.Errorf("nebiustest: option Addr: %v; the emulator serves plaintext and accepts test credentials, so it listens on loopback only", err)
		}
	}
	switch {
	case o.AsyncPolls < 0:
		return fmt.Errorf("nebiustest: option AsyncPolls %d is negative", o.AsyncPolls)
	case o.DefaultPageSize < 0:
		return fmt.Errorf("nebiustest: option DefaultPageSize %d is negative", o.DefaultPageSize)
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
// ttl (an hour when 0), as the token-exchange emulator would; tests that do
// not exercise the exchange use it.
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
	s.failures = append(s.failures, failure{match: match, err: &svcError{code: code, message: message, seCode: code.String(),
		detail: "internal_error", detailVal: map[string]any{"request_id": "emu-failed-op"}}})
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
	return (&svcError{code: e.Code, message: "injected error: " + e.Code.String(), seCode: e.Code.String(), retryType: e.RetryType}).grpcErr()
}

// IdempotencyKeys returns the X-Idempotency-Key of every request that
// reached method ("AccessKeyService/Create"), in order ("" when absent).
func (s *Server) IdempotencyKeys(method string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for m, keys := range s.idemKeys {
		if strings.HasSuffix(m, method) {
			out = append(out, keys...)
		}
	}
	return out
}

// serviceDesc builds a grpc.ServiceDesc for a service from its descriptor:
// every method decodes into the registered request type and is dispatched
// by name.
func (s *Server) serviceDesc(name string) (*grpc.ServiceDesc, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, fmt.Errorf("nebiustest: service %s is not registered: %w", name, err)
	}
	sd := d.(protoreflect.ServiceDescriptor)
	desc := &grpc.ServiceDesc{ServiceName: name, HandlerType: (*any)(nil)}
	for i := 0; i < sd.Methods().Len(); i++ {
		md := sd.Methods().Get(i)
		in, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
		if err != nil {
			return nil, err
		}
		out, err := protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
		if err != nil {
			return nil, err
		}
		full := "/" + name + "/" + string(md.Name())
		desc.Methods = append(desc.Methods, grpc.MethodDesc{
			MethodName: string(md.Name()),
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				req := in.New().Interface()
				if err := dec(req); err != nil {
					return nil, err
				}
				return s.serve(ctx, full, req, out.New().Interface())
			},
		})
	}
	return desc, nil
}

// serve runs one request through faults, authentication, idempotency and
// the method's handler.
func (s *Server) serve(ctx context.Context, full string, req, resp proto.Message) (proto.Message, error) {
	method := full[1:]                                                              // "nebius.iam.v2.AccessKeyService/Create"
	short := method[strings.LastIndex(method[:strings.Index(method, "/")], ".")+1:] // "AccessKeyService/Create"
	s.mu.Lock()
	s.calls[method]++
	s.requestSeq++
	reqID := "emu-req-" + strconv.Itoa(s.requestSeq)
	s.mu.Unlock()
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", reqID))

	if f, ok := s.Faults.Next(method); ok {
		if err := s.fault(ctx, f); err != nil {
			return nil, err
		}
	}
	md, _ := metadata.FromIncomingContext(ctx)
	subject, err := s.authenticate(md)
	if err != nil {
		return nil, err
	}
	if s.opts.Authorize != nil && !s.opts.Authorize(subject, short) {
		return nil, (&svcError{code: codes.PermissionDenied, message: subject + " may not call " + short, seCode: "PermissionDenied",
			detail: "permission_denied", detailVal: map[string]any{"resource_id": subject}, retryType: "NOTHING"}).grpcErr()
	}
	var r jRequest
	if err := decode(req, &r); err != nil {
		return nil, badRequest("request", err.Error()).grpcErr()
	}
	c := &callCtx{subject: subject, resetMask: first(md, "x-resetmask"), method: short}

	s.mu.Lock()
	defer s.mu.Unlock()
	idemKey := first(md, "x-idempotency-key")
	s.idemKeys[method] = append(s.idemKeys[method], idemKey)
	inj := s.nextInjected(method)
	if inj != nil && !inj.AfterServing {
		return nil, inj.err()
	}
	mutating := isMutating(short)
	if mutating && idemKey != "" {
		k := subject + "\x00" + idemKey
		if e, ok := s.idempotency[k]; ok {
			if e.method != method {
				return nil, badRequest("X-Idempotency-Key", "key was used for "+e.method).grpcErr()
			}
			if op, ok := s.operations[e.opID]; ok {
				if inj != nil {
					return nil, inj.err()
				}
				return s.renderOperation(op, resp)
			}
		}
	}
	out, serr := s.dispatch(c, &r)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	if op, ok := out.(*operation); ok {
		if mutating && idemKey != "" {
			s.idempotency[subject+"\x00"+idemKey] = idemEntry{method: method, opID: op.id}
		}
		if inj != nil {
			return nil, inj.err()
		}
		return s.renderOperation(op, resp)
	}
	if inj != nil {
		return nil, inj.err()
	}
	if err := encode(out, resp); err != nil {
		return nil, status.Error(codes.Internal, "nebiustest: encode response: "+err.Error())
	}
	return resp, nil
}

type callCtx struct {
	subject   string
	resetMask string
	method    string
}

func isMutating(short string) bool {
	m := short[strings.Index(short, "/")+1:]
	return !strings.HasPrefix(m, "Get") && !strings.HasPrefix(m, "List")
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// fault applies an injected fault; a nil error means serve the request.
func (s *Server) fault(ctx context.Context, f iamtest.Fault) error {
	switch f.Kind {
	case iamtest.FaultLatency:
		if err := clock.Sleep(ctx, s.clk, f.Delay); err != nil {
			return status.FromContextError(err).Err()
		}
		return nil
	case iamtest.FaultHang:
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.done:
			return status.Error(codes.Unavailable, "nebiustest: server closed")
		}
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
		e.detail, e.detailVal = "too_many_requests", map[string]any{"violation": "injected throttling"}
	case codes.Unavailable:
		e.retryType = "CALL"
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

// dispatch runs a method's handler under s.mu. It returns a response
// struct, or an *operation for mutating methods.
func (s *Server) dispatch(c *callCtx, r *jRequest) (any, *svcError) {
	switch c.method {
	case "OperationService/Get":
		return s.getOperation(r.ID)

	case "AccessKeyService/Create":
		return s.createAccessKey(c, r)
	case "AccessKeyService/Get":
		return s.getAccessKey(r.ID, "")
	case "AccessKeyService/GetByAwsId":
		return s.getAccessKey("", r.AwsAccessKeyID)
	case "AccessKeyService/GetSecret":
		return s.getAccessKeySecret(r.ID)
	case "AccessKeyService/List":
		return s.listAccessKeys(r, false)
	case "AccessKeyService/ListByAccount":
		return s.listAccessKeys(r, true)
	case "AccessKeyService/Update":
		return s.updateAccessKey(c, r)
	case "AccessKeyService/Delete":
		return s.deleteAccessKey(c, r.ID, "")
	case "AccessKeyService/DeleteByAwsId":
		return s.deleteAccessKey(c, "", r.AwsAccessKeyID)
	case "AccessKeyService/Activate":
		return s.setAccessKeyState(c, r.ID, "", true)
	case "AccessKeyService/ActivateByAwsId":
		return s.setAccessKeyState(c, "", r.AwsAccessKeyID, true)
	case "AccessKeyService/Deactivate":
		return s.setAccessKeyState(c, r.ID, "", false)
	case "AccessKeyService/DeactivateByAwsId":
		return s.setAccessKeyState(c, "", r.AwsAccessKeyID, false)

	case "AuthPublicKeyService/Create":
		return s.createPublicKey(c, r)
	case "AuthPublicKeyService/Get":
		return s.getPublicKey(r.ID)
	case "AuthPublicKeyService/List":
		return s.listPublicKeys(r, false)
	case "AuthPublicKeyService/ListByAccount":
		return s.listPublicKeys(r, true)
	case "AuthPublicKeyService/Update":
		return s.updatePublicKey(c, r)
	case "AuthPublicKeyService/Activate":
		return s.setPublicKeyState(c, r.ID, true)
	case "AuthPublicKeyService/Deactivate":
		return s.setPublicKeyState(c, r.ID, false)
	case "AuthPublicKeyService/Delete":
		return s.deletePublicKey(c, r.ID)
	}
	return nil, &svcError{code: codes.Unimplemented, message: c.method + " is not emulated", seCode: "Unimplemented"}
}

// newOperation records an operation on resourceID. Unless a failure is
// queued for the method, it succeeds; it is done at once, or after
// AsyncPolls polls.
func (s *Server) newOperation(c *callCtx, description, resourceID string) *operation {
	now := s.clk.Now()
	op := &operation{
		id:          "operation-e00" + randString(17, lowerAlnum),
		description: description,
		createdBy:   c.subject,
		createdAt:   now,
		resourceID:  resourceID,
		pollsLeft:   s.opts.AsyncPolls,
	}
	for i, f := range s.failures {
		if strings.Contains(c.method, f.match) {
			op.err = f.err
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			break
		}
	}
	if op.pollsLeft == 0 {
		op.finishedAt = now
	}
	s.operations[op.id] = op
	return op
}

// failurePending reports whether a queued failure applies to the next
// operation of c.method, without using it up.
func (s *Server) failurePending(c *callCtx) bool {
	for _, f := range s.failures {
		if strings.Contains(c.method, f.match) {
			return true
		}
	}
	return false
}

func (s *Server) getOperation(id string) (any, *svcError) {
	if id == "" {
		return nil, badRequest("id", "operation ID is required")
	}
	op, ok := s.operations[id]
	if !ok {
		return nil, notFound("operation", id)
	}
	if op.pollsLeft > 0 {
		op.pollsLeft--
		if op.pollsLeft == 0 {
			op.finishedAt = s.clk.Now()
		}
	}
	return s.operationJSON(op), nil
}

func (s *Server) operationJSON(op *operation) *jOperation {
	out := &jOperation{
		ID:          op.id,
		Description: op.description,
		CreatedAt:   ptime(op.createdAt),
		CreatedBy:   op.createdBy,
		ResourceID:  op.resourceID,
	}
	if op.pollsLeft == 0 {
		out.FinishedAt = ptime(op.finishedAt)
		out.Status = &jStatus{}
		if op.err != nil {
			out.Status = op.err.jsonStatus()
		}
	}
	return out
}

func (s *Server) renderOperation(op *operation, resp proto.Message) (proto.Message, error) {
	if err := encode(s.operationJSON(op), resp); err != nil {
		return nil, status.Error(codes.Internal, "nebiustest: encode operation: "+err.Error())
	}
	return resp, nil
}

// page cuts ids (sorted) into the page the request asks for.
func (s *Server) page(ids []string, r *jRequest) ([]string, string, *svcError) {
	sort.Strings(ids)
	start := 0
	if r.PageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(r.PageToken, "emu-page-"))
		if err != nil || n < 0 || n > len(ids) || !strings.HasPrefix(r.PageToken, "emu-page-") {
			return nil, "", badRequest("page_token", "invalid page token")
		}
		start = n
	}
	size := int(r.PageSize)
	if size < 0 {
		return nil, "", badRequest("page_size", "must not be negative")
	}
	if size == 0 {
		size = s.opts.DefaultPageSize
	}
	size = min(size, 1000)
	end := min(start+size, len(ids))
	next := ""
	if end < len(ids) {
		next = "emu-page-" + strconv.Itoa(end)
	}
	return ids[start:end], next, nil
}

// resetMask parses X-ResetMask into a set of paths. Only plain
// comma-separated dotted paths are understood; they are all the clients of
// this emulator send.
func resetMask(h string) map[string]bool {
	out := map[string]bool{}
	for _, p := range strings.Split(h, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out[p] = true
		}
	}
	return out
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
