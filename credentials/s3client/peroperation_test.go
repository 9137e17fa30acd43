package s3client_test

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
)

// TestPerOperationHTTPClientCannotCarryCredentials: an HTTP client set
// for one operation (an s3.Options function passed to the call) is not the
// one New guarded, and would follow a redirect to another host:port with
// the signature and the session token. Such a call is refused before
// anything is sent through that client (issue 11 review).
func TestPerOperationHTTPClientCannotCarryCredentials(t *testing.T) {
	creds := awscreds.NewStaticCredentialsProvider("AKXHOST", xhostSecret, xhostSession)
	var mu sync.Mutex
	var handed []string // what a caller's RoundTripper was handed
	recorder := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		handed = append(handed, r.URL.String()+" "+strings.Join(slices.Sorted(maps.Keys(r.Header)), ","))
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})
	perOp := map[string]func(*s3.Options){
		"http.Client": func(o *s3.Options) { o.HTTPClient = &http.Client{} },
		"http.Client with the caller's RoundTripper": func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: recorder} },
		"BuildableClient": func(o *s3.Options) { o.HTTPClient = awshttp.NewBuildableClient() },
		"http.Client, APIOptions copied": func(o *s3.Options) {
			o.HTTPClient = &http.Client{Timeout: time.Minute}
			o.APIOptions = append([]func(*middleware.Stack) error(nil), o.APIOptions...)
		},
	}
	for name, fn := range perOp {
		for _, code := range []int{302, 307, 308} {
			b := newXhostSink(t)
			var toA atomic.Int32
			a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				toA.Add(1)
				http.Redirect(w, r, b.URL+r.URL.RequestURI(), code)
			}))
			defer a.Close()
			c, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) {
				o.Endpoint, o.RetryMaxAttempts = a.URL, 1
			})
			if err != nil {
				t.Fatal(err)
			}
			what := name + ", " + http.StatusText(code)
			ctx := t.Context()
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key"), Body: strings.NewReader("object body")}, fn)
			if err == nil || !strings.Contains(err.Error(), "per-operation HTTPClient") {
				t.Errorf("%s: PutObject err = %v, want it refused for its per-operation HTTPClient", what, err)
			}
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key")}, fn)
			if err == nil {
				out.Body.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "per-operation HTTPClient") {
				t.Errorf("%s: GetObject err = %v, want it refused for its per-operation HTTPClient", what, err)
			}
			b.check(t, what)
			if n := toA.Load(); n != 0 {
				t.Errorf("%s: the endpoint got %d requests, want nothing sent through the per-operation client", what, n)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range handed {
		if h != "iamkit-s3client-guard://guard.invalid/ " {
			t.Errorf("the caller's RoundTripper was handed %q, want only the placeholder, without headers", h)
		}
	}
	if len(handed) == 0 {
		t.Error("the caller's RoundTripper was never called")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestGuardIsInnermost: the guard is the last Deserialize middleware, next
// to the HTTP client, so that every other middleware sees the signed
// request; one that an operation adds after it is the caller's.
func TestGuardIsInnermost(t *testing.T) {
	creds := awscreds.NewStaticCredentialsProvider("AKXHOST", xhostSecret, "")
	c, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) {
		o.Endpoint = "http://127.0.0.1:1"
		o.S3Options = append(o.S3Options, func(so *s3.Options) {
			so.APIOptions = append(so.APIOptions, func(st *middleware.Stack) error {
				return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("caller.Late", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					return next.HandleDeserialize(ctx, in)
				}), middleware.After)
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	_, _ = c.ListBuckets(t.Context(), &s3.ListBucketsInput{}, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			ids = st.Deserialize.List()
			return errors.New("listed")
		})
	})
	if len(ids) == 0 || ids[len(ids)-1] != "iamkit.RedirectGuard" || !slices.Contains(ids, "caller.Late") {
		t.Errorf("Deserialize step %q: want iamkit.RedirectGuard last, after the client's S3Options middleware", ids)
	}
}

// TestPerOperationOptionsStillWork: what an operation's options may do is
// still done — wrap the guarded client (it sees the request New's client
// sends), add middleware, clear APIOptions (the client itself still keeps
// to the host), presign — and a same-host redirect is still followed,
// signed.
func TestPerOperationOptionsStillWork(t *testing.T) {
	var mu sync.Mutex
	var got []string
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path+" "+strings.Fields(r.Header.Get("Authorization") + " -")[0])
		mu.Unlock()
		if r.URL.Path == "/bucket/key" {
			http.Redirect(w, r, "/bucket/moved", http.StatusTemporaryRedirect)
			return
		}
		io.WriteString(w, "moved object")
	}))
	defer a.Close()
	creds := awscreds.NewStaticCredentialsProvider("AKXHOST", xhostSecret, xhostSession)
	c, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) { o.Endpoint = a.URL })
	if err != nil {
		t.Fatal(err)
	}
	var wrapped []string
	perOp := map[string]func(*s3.Options){
		"none": func(*s3.Options) {},
		"client wrapped": func(o *s3.Options) {
			inner := o.HTTPClient
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := inner.Do(r)
				if err == nil {
					wrapped = append(wrapped, r.URL.String()+" → "+resp.Request.URL.Path)
				}
				return resp, err
			})
		},
		"APIOptions cleared": func(o *s3.Options) { o.APIOptions = nil },
		"retries":            func(o *s3.Options) { o.RetryMaxAttempts = 2 },
	}
	for name, fn := range perOp {
		mu.Lock()
		got = nil
		mu.Unlock()
		out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key")}, fn)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		body, _ := io.ReadAll(out.Body)
		out.Body.Close()
		mu.Lock()
		seen := strings.Join(got, "|")
		mu.Unlock()
		if string(body) != "moved object" || seen != "/bucket/key AWS4-HMAC-SHA256|/bucket/moved AWS4-HMAC-SHA256" {
			t.Errorf("%s: body %q, requests %q; want the same-host 307 followed, signed", name, body, seen)
		}
	}
	if strings.Join(wrapped, "|") != "iamkit-s3client-guard://guard.invalid/ → /bucket/moved" {
		t.Errorf("the wrapping client saw %q, want the placeholder and the response to /bucket/moved", wrapped)
	}
	ps, err := s3.NewPresignClient(c).PresignGetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key")})
	if err != nil || !strings.HasPrefix(ps.URL, a.URL+"/bucket/key?") || !strings.Contains(ps.URL, "X-Amz-Signature=") {
		t.Errorf("presign: %v, %+v", err, ps)
	}

	// An operation that clears APIOptions still sends with New's client,
	// which keeps to the host.
	b := newXhostSink(t)
	r := xhostRedirector(t, http.StatusTemporaryRedirect, b.URL)
	c2, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) { o.Endpoint = r.URL })
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key"), Body: strings.NewReader("x")},
		func(o *s3.Options) { o.APIOptions = nil })
	if err == nil {
		t.Error("PutObject through a cross-host redirect succeeded")
	}
	b.check(t, "APIOptions cleared")
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestGuardRetrySendsWholeBody: each attempt of a retried PutObject goes
// through the guard, and the retry sends the whole body, signed.
func TestGuardRetrySendsWholeBody(t *testing.T) {
	var mu sync.Mutex
	var got []string
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(body)+" "+strings.Fields(r.Header.Get("Authorization") + " -")[0])
		n := len(got)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer a.Close()
	creds := awscreds.NewStaticCredentialsProvider("AKXHOST", xhostSecret, xhostSession)
	c, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) {
		o.Endpoint = a.URL
		o.S3Options = append(o.S3Options, func(so *s3.Options) {
			so.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key"), Body: strings.NewReader("object body")}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "object body AWS4-HMAC-SHA256|object body AWS4-HMAC-SHA256"; strings.Join(got, "|") != want {
		t.Errorf("attempts %q, want %q", got, want)
	}
}
