package s3client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/loopback"
	"github.com/iamkit/iamkit/internal/s3endpoint"
	"github.com/iamkit/iamkit/internal/version"
)

// Options configures [New]. Zero values mean the defaults.
type Options struct {
	// Endpoint overrides the cloud's endpoint URL, for emulators and for
	// regions without a known endpoint. Plain http is accepted only for
	// loopback hosts.
	Endpoint string
	// Region overrides the signing region (default: the cloud's, see
	// iamcreds.S3Endpoint; required with Endpoint when the region
	// argument is empty).
	Region string
	// HTTPClient is the transport; default: the AWS SDK's. It must be an
	// *http.Client (its Transport may be any http.RoundTripper) or an
	// *awshttp.BuildableClient, also when set through S3Options: New makes
	// a copy that never follows a redirect to another host:port (the AWS
	// SDK follows 307 and 308 anywhere, net/http every redirect, and the
	// signature, session token and signing date would go along). Another
	// type is refused, as New cannot see its redirects.
	//
	// Set the client here, not per operation: a call whose own options
	// replace s3.Options.HTTPClient (c.GetObject(ctx, in, func(o
	// *s3.Options) { o.HTTPClient = … })) fails without sending anything,
	// since no hook of the SDK lets New guard that client. A per-operation
	// client that wraps the one the S3 client has (o.HTTPClient) and calls
	// its Do works, and sees a placeholder request: the signed request is
	// built inside. An operation that both clears APIOptions and replaces
	// HTTPClient removes the guard, and is the caller's own.
	HTTPClient s3.HTTPClient
	// RetryMaxAttempts is the AWS SDK's attempt count; 0 keeps its default
	// (3). Negative values are refused.
	RetryMaxAttempts int
	// S3Options are applied last, to set anything else on the s3.Options.
	S3Options []func(*s3.Options)
}

// validate reports the first unusable field. The defaults are the AWS
// SDK's and the cloud's (iamcreds.S3Endpoint), resolved by New.
func (o *Options) validate() error {
	if o.RetryMaxAttempts < 0 {
		return fmt.Errorf("s3client: Options.RetryMaxAttempts %d is negative", o.RetryMaxAttempts)
	}
	if o.Endpoint != "" {
		return checkEndpoint(o.Endpoint)
	}
	return nil
}

// keyRejecter is implemented by credential providers that want to know when
// object storage refuses their key (iamcreds.ManagedProvider).
type keyRejecter interface {
	KeyRejected(accessKeyID string)
}

// New returns an S3 client for the object storage of provider in region,
// signing with creds: path-style addressing, and request checksums and
// response checksum validation only when an operation requires them (the
// AWS SDK's default checksums are refused by non-AWS S3 servers).
//
// When creds is a *iamcreds.ManagedProvider (or anything with a
// KeyRejected(accessKeyID) method), an InvalidAccessKeyId answer is
// reported to it, which triggers one early key rotation. Pass the provider
// itself (it is its own cache): wrapped in an aws.CredentialsCache it
// cannot be told, and the cache would keep the refused key until it
// expires.
//
// Nil option functions are skipped.
func New(provider iam.Provider, region string, creds aws.CredentialsProvider, optFns ...func(*Options)) (*s3.Client, error) {
	if creds == nil {
		return nil, errors.New("s3client: credentials provider is nil")
	}
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	var epURL, epRegion string
	if o.Endpoint != "" {
		epURL = strings.TrimRight(o.Endpoint, "/")
		epRegion = region
		if epRegion == "" && provider == iam.Yandex {
			epRegion = s3endpoint.YandexRegion
		}
	} else {
		var err error
		if epURL, epRegion, err = s3endpoint.Lookup(provider, region); err != nil {
			return nil, fmt.Errorf("s3client: %w", err)
		}
	}
	if o.Region != "" {
		epRegion = o.Region
	}
	if epRegion == "" {
		return nil, fmt.Errorf("s3client: no signing region for %s at %s; pass a region, or set Options.Region", provider, epURL)
	}
	so := s3.Options{
		Region:                     epRegion,
		BaseEndpoint:               aws.String(epURL),
		UsePathStyle:               true,
		Credentials:                creds,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		HTTPClient:                 o.HTTPClient,
		RetryMaxAttempts:           o.RetryMaxAttempts,
		AppID:                      strings.ReplaceAll(version.Product, "/", "-"),
	}
	if kr, ok := creds.(keyRejecter); ok {
		so.APIOptions = append(so.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(rejectionReporter{kr}, middleware.Before)
		})
	}
	// The redirect guard goes last, on the HTTP client s3.New resolved
	// and S3Options may have replaced, with the middleware that keeps a
	// per-operation HTTP client from sending (guard.go).
	var guardErr error
	fns := append(make([]func(*s3.Options), 0, len(o.S3Options)+1), o.S3Options...)
	fns = append(fns, func(so *s3.Options) {
		so.HTTPClient, guardErr = keepOnHost(so.HTTPClient)
		so.APIOptions = append(so.APIOptions[:len(so.APIOptions):len(so.APIOptions)], addGuard)
	})
	c := s3.New(so, fns...)
	if guardErr != nil {
		return nil, guardErr
	}
	return c, nil
}

// keepOnHost returns a client that sends with hc but never follows a
// redirect to another origin than the request's (see httpx.KeepOnHost),
// and that sends the requests guard holds back (see guardedClient). A
// BuildableClient (the SDK's default, already configured by s3.New) is
// frozen into the *http.Client it would build, so that its own redirect
// policy (307 and 308 only) still applies on the same origin.
func keepOnHost(hc s3.HTTPClient) (s3.HTTPClient, error) {
	switch c := hc.(type) {
	case nil:
		return keepOnHost(awshttp.NewBuildableClient())
	case *http.Client:
		return guardedClient{httpx.KeepOnHost(c)}, nil
	case *awshttp.BuildableClient:
		if frozen, ok := c.Freeze().(*http.Client); ok {
			return guardedClient{httpx.KeepOnHost(frozen)}, nil
		}
	}
	return nil, fmt.Errorf("s3client: Options.HTTPClient (%T) is neither an *http.Client nor an *awshttp.BuildableClient, "+
		"so its redirects could carry credentials to another host; wrap its transport in an *http.Client", hc)
}

func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("s3client: Options.Endpoint %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.IsHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("s3client: Options.Endpoint %q: plain http is allowed only on loopback (emulators); use https", raw)
	}
	return fmt.Errorf("s3client: Options.Endpoint %q: scheme must be https (or http on loopback)", raw)
}

// rejectionReporter tells the credentials provider when S3 answered
// InvalidAccessKeyId for the key a request was signed with.
type rejectionReporter struct{ r keyRejecter }

// ID names the middleware in the stack.
func (rejectionReporter) ID() string { return "iamkit.ReportRejectedKey" }

// HandleDeserialize passes the call on and reports an InvalidAccessKeyId
// answer with the access key ID the request was signed with.
func (m rejectionReporter) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err == nil {
		return out, md, err
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAccessKeyId" {
		return out, md, err
	}
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		if id := signingKeyID(req.Header.Get("Authorization")); id != "" {
			m.r.KeyRejected(id)
		}
	}
	return out, md, err
}

// signingKeyID extracts the access key ID from a SigV4 Authorization header.
func signingKeyID(h string) string {
	_, rest, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}
