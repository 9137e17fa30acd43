package s3client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
)

const (
	xhostSecret  = "xhost-canary-secret-key"
	xhostSession = "xhost-canary-session-token"
)

// xhostCredentialHeaders are the headers that carry (or belong to) a
// credential: the oracle of these tests.
var xhostCredentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "X-Amz-Security-Token", "X-Amz-Date",
	"X-Amz-Content-Sha256", "X-Osc-Date", "Cookie",
}

// xhostSink is server B, where a redirect points: it records what it gets.
type xhostSink struct {
	*httptest.Server
	mu   sync.Mutex
	n    int
	seen []string
}

func newXhostSink(t *testing.T) *xhostSink {
	t.Helper()
	s := &xhostSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.n++
		for _, k := range xhostCredentialHeaders {
			if v := r.Header.Get(k); v != "" {
				s.seen = append(s.seen, k+": "+v)
			}
		}
		if strings.Contains(string(body), "xhost-canary") {
			s.seen = append(s.seen, "body "+string(body))
		}
		s.mu.Unlock()
		io.WriteString(w, "object from B")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *xhostSink) check(t *testing.T, what string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) > 0 {
		t.Errorf("%s: the other host received credentials: %s", what, strings.Join(s.seen, "; "))
	}
	if s.n != 0 {
		t.Errorf("%s: the other host got %d requests, want the cross-host redirect refused", what, s.n)
	}
}

// xhostRedirector is server A, the S3 endpoint: every request gets code
// with a Location on B (another port: another host:port).
func xhostRedirector(t *testing.T, code int, to string) *httptest.Server {
	t.Helper()
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", to+r.URL.RequestURI())
		w.WriteHeader(code)
	}))
	t.Cleanup(a.Close)
	return a
}

// TestNoCredentialAcrossHosts checks that the S3 client s3client builds
// never sends its SigV4 signature, session token or signing date to
// another host:port: the AWS SDK follows 307 and 308 by default (and keeps
// Authorization for the same host name on another port), and a caller's
// client may follow every redirect.
func TestNoCredentialAcrossHosts(t *testing.T) {
	clients := map[string]func(o *s3client.Options){
		"default": func(*s3client.Options) {},
		"caller's http.Client": func(o *s3client.Options) {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			o.HTTPClient = &http.Client{Transport: tr} // follows every redirect
		},
		"caller's BuildableClient": func(o *s3client.Options) { o.HTTPClient = awshttp.NewBuildableClient() },
		"caller's http.Client through S3Options": func(o *s3client.Options) {
			o.S3Options = append(o.S3Options, func(so *s3.Options) { so.HTTPClient = &http.Client{} })
		},
	}
	creds := awscreds.NewStaticCredentialsProvider("AKXHOST", xhostSecret, xhostSession)
	for name, opt := range clients {
		for _, code := range []int{301, 302, 303, 307, 308} {
			b := newXhostSink(t)
			a := xhostRedirector(t, code, b.URL)
			c, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) {
				o.Endpoint = a.URL
				o.RetryMaxAttempts = 1
				opt(o)
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			what := name + ", " + http.StatusText(code)
			ctx := t.Context()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key"),
				Body: strings.NewReader("object body")}); err == nil {
				t.Errorf("%s: PutObject succeeded through a cross-host redirect", what)
			}
			if out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key")}); err == nil {
				out.Body.Close()
				t.Errorf("%s: GetObject succeeded through a cross-host redirect", what)
			}
			b.check(t, what)
		}
	}
}

// TestHTTPClientKinds checks which HTTP clients New accepts, that it does
// not change the caller's, and that a redirect on the same host is still
// followed as the client's own policy says.
func TestHTTPClientKinds(t *testing.T) {
	creds := awscreds.NewStaticCredentialsProvider("AKXHOST", xhostSecret, "")
	_, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) {
		o.Endpoint = "http://127.0.0.1:1"
		o.HTTPClient = smithyhttp.ClientDoFunc(func(*http.Request) (*http.Response, error) { return nil, io.EOF })
	})
	if err == nil || !strings.Contains(err.Error(), "Options.HTTPClient (http.ClientDoFunc) is neither") {
		t.Errorf("a client New cannot guard: err = %v, want it refused", err)
	}

	var mu sync.Mutex
	var auth []string
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.URL.Path+" "+strings.Fields(r.Header.Get("Authorization") + " -")[0])
		mu.Unlock()
		if r.URL.Path == "/bucket/key" {
			http.Redirect(w, r, "/bucket/moved", http.StatusTemporaryRedirect)
			return
		}
		io.WriteString(w, "moved object")
	}))
	defer a.Close()
	caller := &http.Client{}
	for name, hc := range map[string]s3.HTTPClient{"default": nil, "http.Client": caller, "BuildableClient": awshttp.NewBuildableClient()} {
		mu.Lock()
		auth = nil
		mu.Unlock()
		c, err := s3client.New(iam.Outscale, "eu-west-2", creds, func(o *s3client.Options) { o.Endpoint, o.HTTPClient = a.URL, hc })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("key")})
		if err != nil {
			t.Errorf("%s: same-host 307: %v", name, err)
			continue
		}
		body, _ := io.ReadAll(out.Body)
		out.Body.Close()
		mu.Lock()
		got := strings.Join(auth, "|")
		mu.Unlock()
		if string(body) != "moved object" || got != "/bucket/key AWS4-HMAC-SHA256|/bucket/moved AWS4-HMAC-SHA256" {
			t.Errorf("%s: body %q, requests %q; want the same-host 307 followed, signed", name, body, got)
		}
	}
	if caller.CheckRedirect != nil || caller.Transport != nil {
		t.Error("the caller's http.Client was changed")
	}
}
