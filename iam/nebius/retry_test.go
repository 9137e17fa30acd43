package nebius_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// keysOf lists the access keys of the env's project.
func keysOf(t *testing.T, e *env) []*nebius.AccessKey {
	t.Helper()
	var out []*nebius.AccessKey
	for k, err := range e.client.AccessKeys().List(ctxT(t), nebius.ListRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func TestCreateRetriedIdempotently(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	// The service creates the key, but the answer is lost twice.
	e.srv.InjectError(nebiustest.InjectedError{Match: "AccessKeyService/Create", Code: codes.Unavailable, AfterServing: true, Times: 2})
	k, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	keys := e.srv.IdempotencyKeys("AccessKeyService/Create")
	if len(keys) != 3 || !uuidV4.MatchString(keys[0]) || keys[1] != keys[0] || keys[2] != keys[0] {
		t.Fatalf("idempotency keys = %q, want 3 equal random (v4) UUIDs", keys)
	}
	if all := keysOf(t, e); len(all) != 1 || all[0].ID != k.ID {
		t.Fatalf("keys after retried create = %d, want exactly 1", len(all))
	}
	// A second Create is a new request: new key, new resource.
	if _, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)}); err != nil {
		t.Fatal(err)
	}
	if keys := e.srv.IdempotencyKeys("AccessKeyService/Create"); keys[3] == keys[0] {
		t.Fatal("a new Create reused the idempotency key")
	}
	if n := len(keysOf(t, e)); n != 2 {
		t.Fatalf("keys = %d, want 2", n)
	}
	// Reads carry no idempotency key.
	if keys := e.srv.IdempotencyKeys("AccessKeyService/Get"); len(keys) == 0 || keys[0] != "" {
		t.Fatalf("Get idempotency keys = %q", keys)
	}
}

func TestRetryFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   iamtest.Fault
		calls   int
		wantErr error
	}{
		{"unavailable then ok", iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Times: 2}, 3, nil},
		{"throttled then ok", iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429, Times: 1}, 2, nil},
		{"reset then ok", iamtest.Fault{Kind: iamtest.FaultReset, Times: 1}, 2, nil},
		{"throttled forever", iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429, Times: -1}, 4, iam.ErrThrottled},
		{"unavailable forever", iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Times: -1}, 4, iam.ErrUnavailable},
		{"not retried: permission", iamtest.Fault{Kind: iamtest.FaultStatus, Code: "7"}, 1, iam.ErrPermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tc.fault.Match = "AccessKeyService/Get"
			e.srv.Faults.Add(tc.fault)
			_, err := e.client.AccessKeys().Get(ctxT(t), e.sa.KeyID) // any ID: NotFound when served
			if tc.wantErr == nil {
				if !errors.Is(err, iam.ErrNotFound) {
					t.Fatalf("err = %v, want the served answer (not found)", err)
				}
			} else if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if n := e.srv.Calls("AccessKeyService/Get"); n != tc.calls {
				t.Errorf("calls = %d, want %d", n, tc.calls)
			}
		})
	}
}

func TestRetryTypeHonoured(t *testing.T) {
	for _, tc := range []struct {
		retryType string
		code      codes.Code
		calls     int
	}{
		{"NOTHING", codes.Unavailable, 1},      // the service says: do not retry
		{"UNIT_OF_WORK", codes.Unavailable, 1}, // retry the whole job, not the call
		{"CALL", codes.Internal, 2},            // retry even a code that is not retried by default
		{"", codes.Internal, 1},
	} {
		t.Run(tc.retryType+"_"+tc.code.String(), func(t *testing.T) {
			e := newEnv(t, nil)
			e.srv.InjectError(nebiustest.InjectedError{Match: "AccessKeyService/Get", Code: tc.code, RetryType: tc.retryType})
			_, err := e.client.AccessKeys().Get(ctxT(t), "accesskey-x")
			if err == nil {
				t.Fatal("no error")
			}
			if n := e.srv.Calls("AccessKeyService/Get"); n != tc.calls {
				t.Fatalf("calls = %d, want %d (err %v)", n, tc.calls, err)
			}
		})
	}
}

func TestRetryBackoffOnClock(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := newEnv(t, func(o *nebiustest.Options) { o.Clock = clk }, func(o *nebius.Options) {
		o.Clock = clk
		o.BaseDelay = time.Minute // a real sleep this long would time the test out
		o.MaxDelay = time.Hour
	})
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: "AccessKeyService/Get"})
	ctx := ctxT(t)
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.AccessKeys().Get(ctx, "accesskey-x")
		errc <- err
	}()
	if !clk.BlockUntilTimers(1, ctx.Done()) {
		t.Fatal("client never waited on the clock")
	}
	clk.AdvanceToNextTimer()
	if err := <-errc; !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if n := e.srv.Calls("AccessKeyService/Get"); n != 2 {
		t.Fatalf("calls = %d", n)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := newEnv(t, func(o *nebiustest.Options) { o.Clock = clk }, func(o *nebius.Options) { o.Clock = clk; o.BaseDelay = time.Minute })
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429, Match: "AccessKeyService/Get", Times: -1})
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.AccessKeys().Get(ctx, "accesskey-x")
		errc <- err
	}()
	clk.BlockUntilTimers(1, ctx.Done())
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || !errors.Is(err, iam.ErrThrottled) {
		t.Fatalf("err = %v, want throttled and canceled", err)
	}
}

// The caller's own deadline ends a hanging call with the caller's error;
// as with the REST clients, it is not the service being unavailable
// (issue 11: it matched iam.ErrUnavailable).
func TestHangFaultBoundedByContext(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "AccessKeyService/Get"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.client.AccessKeys().Get(ctx, "accesskey-x")
	var ie *iam.Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ie) || ie.Op != "AccessKeyService/Get" {
		t.Fatalf("err = %v, want an *iam.Error matching the caller's deadline", err)
	}
	if errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("err = %v matches iam.ErrUnavailable: the caller's own deadline is not an unavailable service", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "AccessKeyService/Get"})
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = e.client.AccessKeys().Get(ctx, "accesskey-x")
	if !errors.Is(err, context.Canceled) || errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("cancelled: err = %v, want context.Canceled and not ErrUnavailable", err)
	}
}

func TestLatencyFault(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: 5 * time.Millisecond, Match: "AccessKeyService/Get"})
	if _, err := e.client.AccessKeys().Get(ctxT(t), "accesskey-x"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestUnauthenticatedReexchangesOnce(t *testing.T) {
	e := newEnv(t, nil)
	var exchanges atomic.Int32
	var last atomic.Value
	cache, err := auth.NewCache(auth.ExchangerFunc(func(ctx context.Context) (auth.Token, error) {
		exchanges.Add(1)
		tok := e.srv.IssueToken(e.sa.ID, time.Hour)
		last.Store(tok)
		return auth.Token{Value: iam.NewSecret(tok), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	c, err := nebius.New(cache, e.srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = e.sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	if _, err := c.AuthPublicKeys().Get(ctx, e.sa.KeyID); err != nil {
		t.Fatal(err)
	}
	// The service forgets the token: the next call is refused once, the
	// client invalidates it, the cache exchanges again, and the call passes.
	e.srv.Registry.RevokeToken(last.Load().(string))
	if _, err := c.AuthPublicKeys().Get(ctx, e.sa.KeyID); err != nil {
		t.Fatal(err)
	}
	if n := exchanges.Load(); n != 2 {
		t.Fatalf("exchanges = %d, want 2", n)
	}
	if n := e.srv.Calls("AuthPublicKeyService/Get"); n != 3 {
		t.Fatalf("calls = %d, want 3", n)
	}

	// A token source that cannot refresh is not retried.
	static, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "v1.not-issued"}),
		e.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer static.Close()
	before := e.srv.Calls("AuthPublicKeyService/Get")
	_, err = static.AuthPublicKeys().Get(ctx, e.sa.KeyID)
	if !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	if n := e.srv.Calls("AuthPublicKeyService/Get") - before; n != 1 {
		t.Fatalf("static source: calls = %d, want 1", n)
	}

	// A source whose fresh tokens are refused too gets exactly one
	// re-exchange: the client does not loop.
	var bad atomic.Int32
	refused, err := auth.NewCache(auth.ExchangerFunc(func(ctx context.Context) (auth.Token, error) {
		n := bad.Add(1)
		return auth.Token{Value: iam.NewSecret("v1.refused-" + strconv.Itoa(int(n))), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	rc, err := nebius.New(refused, e.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	before = e.srv.Calls("AuthPublicKeyService/Get")
	if _, err := rc.AuthPublicKeys().Get(ctx, e.sa.KeyID); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	if n := e.srv.Calls("AuthPublicKeyService/Get") - before; n != 2 || bad.Load() != 2 {
		t.Fatalf("refused tokens: calls = %d, exchanges = %d, want 2 and 2", n, bad.Load())
	}
}

func TestCallerIdempotencyKey(t *testing.T) {
	e := newEnv(t, nil)
	const key = "0b7f5c7e-4f1e-4c2a-9a55-1d1f2f3e4a5b"
	ctx := metadata.AppendToOutgoingContext(ctxT(t), "x-idempotency-key", key, "x-trace", "t-1")
	k1, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	// A second run of the same job (say, after a crash) with the same key
	// gets the same key back, not a second one.
	k2, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if k1.ID != k2.ID || len(keysOf(t, e)) != 1 {
		t.Fatalf("same idempotency key created %s and %s", k1.ID, k2.ID)
	}
	if keys := e.srv.IdempotencyKeys("AccessKeyService/Create"); len(keys) != 2 || keys[0] != key || keys[1] != key {
		t.Fatalf("keys = %q", keys)
	}
}

// uuidV4 matches a random (version 4) UUID in its canonical form.
var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
