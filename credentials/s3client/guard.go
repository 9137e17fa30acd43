package s3client

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The redirect guard holds for a single operation too. An operation's own
// options may replace the HTTP client New guarded (s3.Options.HTTPClient
// set in a function passed to the call), and no hook of the SDK sees that
// client before it sends. So the signed request never reaches the client
// the operation ends up with: guard, the innermost Deserialize middleware,
// hands on a placeholder (no header, no body, a URL no client can reach)
// and keeps the signed request in the context; the client New made
// (guardedClient) swaps it back and sends it through its redirect guard.
// Any other client gets only the placeholder, which net/http refuses
// before any I/O, and the call fails with errPerOperationClient.

// errPerOperationClient is the error of an operation whose HTTP client is
// not the one New guarded (nor a wrapper of it).
var errPerOperationClient = errors.New("s3client: request not sent: a per-operation HTTPClient (set in the s3.Options of one call) " +
	"is not the client s3client.New keeps from following a redirect to another host with the signature and session token; " +
	"set HTTPClient in s3client.Options (or wrap the client's own)")

// placeholderURL is where the placeholder request points: a scheme no
// HTTP client implements, on a host that never resolves (RFC 6761).
const (
	placeholderScheme = "iamkit-s3client-guard"
	placeholderHost   = "guard.invalid"
)

// guardKey is the context key of the pending request.
type guardKey struct{}

// pending is one attempt's signed request, held back from the
// operation's HTTP client until the guarded client claims it.
type pending struct {
	req     *smithyhttp.Request
	claimed atomic.Bool
}

// guard is the Deserialize middleware that holds the signed request back.
type guard struct{}

// ID names the middleware in the stack.
func (guard) ID() string { return "iamkit.RedirectGuard" }

// HandleDeserialize passes a placeholder on in place of the signed request,
// and fails the attempt if the HTTP client did not claim the request.
func (guard) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return next.HandleDeserialize(ctx, in)
	}
	hr, err := http.NewRequest(req.Method, placeholderScheme+"://"+placeholderHost+"/", nil)
	if err != nil {
		return middleware.DeserializeOutput{}, middleware.Metadata{}, err
	}
	p := &pending{req: req}
	in.Request = &smithyhttp.Request{Request: hr}
	out, md, err := next.HandleDeserialize(context.WithValue(ctx, guardKey{}, p), in)
	if !p.claimed.Load() {
		if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
			resp.Body.Close()
		}
		return middleware.DeserializeOutput{}, md, errPerOperationClient
	}
	return out, md, err
}

// addGuard adds guard at the end of the Deserialize step, next to the
// HTTP client.
func addGuard(st *middleware.Stack) error {
	return st.Deserialize.Add(guard{}, middleware.After)
}

// guardedClient is the HTTP client New gives the S3 client: hc (which
// never follows a redirect to another origin) sending the signed request
// that guard held back.
type guardedClient struct{ hc *http.Client }

// Do sends the request guard held back in place of the placeholder r, or
// r itself when there is none (an operation without the guard).
func (g guardedClient) Do(r *http.Request) (*http.Response, error) {
	p, ok := r.Context().Value(guardKey{}).(*pending)
	if !ok || r.URL.Scheme != placeholderScheme {
		return g.hc.Do(r)
	}
	if !p.claimed.CompareAndSwap(false, true) {
		return nil, errors.New("s3client: a request was handed to the HTTP client twice")
	}
	signed := p.req.Build(r.Context())
	if err := smithyhttp.ValidateEndpointHost(signed.Host); err != nil {
		return nil, err // as smithy's ClientHandler checks the request it builds
	}
	resp, err := g.hc.Do(signed)
	// As smithy's ClientHandler does for the request it builds: release
	// the body so that a retry can rewind the stream.
	if signed.Body != nil {
		_ = signed.Body.Close()
	}
	return resp, err
}
