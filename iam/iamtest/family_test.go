package iamtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// emulatorCtor starts one of the package's emulators on addr and returns
// its URL and Addr, or the constructor's error.
type emulatorCtor struct {
	name  string
	start func(addr string) (u, a string, closeFn func(), err error)
}

var emulatorCtors = []emulatorCtor{
	{"NebiusTokenServer", func(addr string) (string, string, func(), error) {
		s, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Addr = addr })
		if err != nil {
			return "", "", nil, err
		}
		return s.URL, s.Addr, s.Close, nil
	}},
	{"YandexTokenServer", func(addr string) (string, string, func(), error) {
		s, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Addr = addr })
		if err != nil {
			return "", "", nil, err
		}
		return s.URL, s.Addr, s.Close, nil
	}},
	{"S3Server", func(addr string) (string, string, func(), error) {
		s, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Addr = addr })
		if err != nil {
			return "", "", nil, err
		}
		return s.URL, s.Addr, s.Close, nil
	}},
}

// TestEmulatorsListenOnAddr checks the Addr option of the three
// emulators: the default is a free port on 127.0.0.1, a given loopback
// host:port is the one listened on (URL and Addr say so), and an address
// that is not loopback, or not host:port, is refused before listening.
func TestEmulatorsListenOnAddr(t *testing.T) {
	for _, e := range emulatorCtors {
		t.Run(e.name, func(t *testing.T) {
			u, a, closeFn, err := e.start("")
			if err != nil {
				t.Fatalf("default Addr: %v", err)
			}
			closeFn()
			host, port, _ := net.SplitHostPort(a)
			if host != "127.0.0.1" || port == "0" || !strings.HasPrefix(u, "http://"+a) {
				t.Errorf("default Addr: URL %q, Addr %q; want a free port on 127.0.0.1 in both", u, a)
			}

			fixed := loopbacktest.Free(t)
			u, a, closeFn, err = e.start(fixed)
			if err != nil {
				t.Fatalf("Addr %s: %v", fixed, err)
			}
			if a != fixed || !strings.HasPrefix(u, "http://"+fixed) {
				t.Errorf("Addr %s: URL %q, Addr %q", fixed, u, a)
			}
			if _, _, _, err := e.start(fixed); err == nil || !strings.Contains(err.Error(), "listen on "+fixed) {
				t.Errorf("second emulator on %s: err = %v, want a listen error", fixed, err)
			}
			closeFn()

			if _, a, closeFn, err = e.start("localhost:0"); err != nil {
				t.Errorf("Addr localhost:0: %v", err)
			} else {
				closeFn()
				if !iamLoopback(a) {
					t.Errorf("Addr localhost:0 listens on %s", a)
				}
			}

			for addr, want := range map[string]string{
				"0.0.0.0:0":      `host "0.0.0.0" is not a loopback address`,
				":0":             `host "" is not a loopback address`,
				"[::]:0":         `host "::" is not a loopback address`,
				"10.1.2.3:80":    `host "10.1.2.3" is not a loopback address`,
				"example.com:80": `host "example.com" is not a loopback address`,
				"127.0.0.1":      `want host:port`,
			} {
				_, _, closeFn, err := e.start(addr)
				if err == nil {
					closeFn()
					t.Errorf("Addr %q was accepted", addr)
					continue
				}
				if !strings.Contains(err.Error(), "option Addr") || !strings.Contains(err.Error(), want) {
					t.Errorf("Addr %q: err = %q, want it to name option Addr and say %q", addr, err, want)
				}
			}
		})
	}
}

func iamLoopback(addr string) bool {
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TestEmulatorOptionsAreValidated checks that the constructors refuse
// negative durations and sizes instead of quietly using the defaults, and
// skip nil option functions.
func TestEmulatorOptionsAreValidated(t *testing.T) {
	for name, fn := range map[string]func(*iamtest.TokenServerOptions){
		"option TokenLifetime -1s is negative": func(o *iamtest.TokenServerOptions) { o.TokenLifetime = -time.Second },
		"option MaxJWTTTL -1m0s is negative":   func(o *iamtest.TokenServerOptions) { o.MaxJWTTTL = -time.Minute },
	} {
		if s, err := iamtest.NewNebiusTokenServer(fn); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("NewNebiusTokenServer: err = %v, want %q", err, name)
			if s != nil {
				s.Close()
			}
		}
		if s, err := iamtest.NewYandexTokenServer(fn); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("NewYandexTokenServer: err = %v, want %q", err, name)
			if s != nil {
				s.Close()
			}
		}
	}
	if s, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.MaxObjectSize = -1 }); err == nil || !strings.Contains(err.Error(), "option MaxObjectSize -1 is negative") {
		t.Errorf("NewS3Server: err = %v, want MaxObjectSize refused", err)
		if s != nil {
			s.Close()
		}
	}
	n, err := iamtest.NewNebiusTokenServer(nil)
	if err != nil {
		t.Fatalf("NewNebiusTokenServer(nil): %v", err)
	}
	n.Close()
	y, err := iamtest.NewYandexTokenServer(nil)
	if err != nil {
		t.Fatalf("NewYandexTokenServer(nil): %v", err)
	}
	y.Close()
	s, err := iamtest.NewS3Server(nil)
	if err != nil {
		t.Fatalf("NewS3Server(nil): %v", err)
	}
	s.Close()
}

// TestTokenServerIssueTokenTTL checks that IssueToken's token lives ttl
// on the emulator's clock, or the token lifetime when ttl is 0.
func TestTokenServerIssueTokenTTL(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	opts := func(o *iamtest.TokenServerOptions) { o.Clock = clk; o.TokenLifetime = 2 * time.Hour }
	n := startNebius(t, opts)
	y := startYandex(t, opts)
	for _, tc := range []struct {
		issuer string
		issue  func(string, time.Duration) string
	}{{"nebius", n.IssueToken}, {"yandex", y.IssueToken}} {
		short := tc.issue("sa-short", time.Minute)
		dflt := tc.issue("sa-default", 0)
		reg := n.Registry
		if tc.issuer == "yandex" {
			reg = y.Registry
		}
		check := func(tok string, at time.Duration, want bool) {
			t.Helper()
			if _, ok := reg.ValidateToken(tok, tc.issuer, t0.Add(at)); ok != want {
				t.Errorf("%s: token valid at +%s = %v, want %v", tc.issuer, at, ok, want)
			}
		}
		check(short, 59*time.Second, true)
		check(short, time.Minute, false)
		check(dflt, 2*time.Hour-time.Second, true)
		check(dflt, 2*time.Hour, false)
	}
	if n.Calls("") != 0 || y.Calls("") != 0 {
		t.Errorf("IssueToken counted as calls: nebius %d, yandex %d", n.Calls(""), y.Calls(""))
	}
}

// TestTokenServerCalls checks Calls' vocabulary: the emulator's one
// operation (its path) or "" count every exchange request, failures and
// faults included; another name counts none, and requests to other paths
// are not exchanges.
func TestTokenServerCalls(t *testing.T) {
	n := startNebius(t)
	y := startYandex(t)
	for _, tc := range []struct {
		name, op, url string
		calls         func(string) int
		faults        *iamtest.Faults
	}{
		{"nebius", iamtest.NebiusTokenPath, n.URL, n.Calls, n.Faults},
		{"yandex", iamtest.YandexTokenPath, y.URL, y.Calls, y.Faults},
	} {
		tc.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503})
		for range 3 {
			resp, err := http.Post(tc.url, "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		base := strings.TrimSuffix(tc.url, tc.op)
		resp, err := http.Get(base + "/elsewhere")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := tc.calls(tc.op); got != 3 {
			t.Errorf("%s: Calls(%q) = %d, want 3", tc.name, tc.op, got)
		}
		if got := tc.calls(""); got != 3 {
			t.Errorf("%s: Calls(\"\") = %d, want 3", tc.name, got)
		}
		if got := tc.calls("AccessKeyService/Create"); got != 0 {
			t.Errorf("%s: Calls(another method) = %d, want 0", tc.name, got)
		}
	}
}

// TestTokenServerServiceAccountOptions checks that ServiceAccountOptions
// is all a token source needs: on an emulator whose fake clock is a year
// ahead of the machine's, a JWT signed on the machine's time would have
// expired, so the token source gets a token only if the option passed the
// emulator's clock along with its URL.
func TestTokenServerServiceAccountOptions(t *testing.T) {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.NewServiceAccountKey("publickey-e00opts", "serviceaccount-e00opts", pk)
	if err != nil {
		t.Fatal(err)
	}
	clk := iamtest.NewFakeClock(time.Now().Add(365 * 24 * time.Hour))
	reg := iamtest.NewRegistry()
	reg.PutPublicKey(iamtest.PublicKey{KeyID: key.KeyID, ServiceAccountID: key.ServiceAccountID, Key: &pk.PublicKey})
	opts := func(o *iamtest.TokenServerOptions) { o.Clock = clk; o.Registry = reg }
	n := startNebius(t, opts)
	y := startYandex(t, opts)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		source func(*auth.ServiceAccountKey, ...func(*auth.ServiceAccountOptions)) (*auth.Cache, error)
		opt    func(*auth.ServiceAccountOptions)
		issuer string
	}{
		{"nebius", nebiusauth.ServiceAccount, n.ServiceAccountOptions(), "nebius"},
		{"yandex", yandexauth.ServiceAccount, y.ServiceAccountOptions(), "yandex"},
	} {
		ts, err := tc.source(key, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := ts.AccessToken(ctx)
		ts.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if sub, ok := reg.ValidateToken(tok.Value.Reveal(), tc.issuer, clk.Now()); !ok || sub != key.ServiceAccountID {
			t.Errorf("%s: token %v validates as %q, %v", tc.name, tok, sub, ok)
		}
		// Without the clock, the same emulator refuses the JWT: the test
		// above depends on the option passing it.
		bare, err := tc.source(key, func(o *auth.ServiceAccountOptions) { tc.opt(o); o.Clock = nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bare.AccessToken(ctx); err == nil {
			t.Errorf("%s: a JWT signed on the machine's clock was accepted a year later", tc.name)
		}
		bare.Close()
	}
}

// TestS3ClientOptions checks that ClientOptions is all s3client.New needs
// to reach the S3 emulator (endpoint, and the one region it accepts when
// it has one), and that Calls counts each S3 operation by its name,
// refused and unsupported requests included.
func TestS3ClientOptions(t *testing.T) {
	ctx := context.Background()
	creds := awscreds.NewStaticCredentialsProvider("AKIDOPTIONS000000001", "options-secret", "")
	for _, region := range []string{"", "ru-central1"} {
		srv := startS3(t, func(o *iamtest.S3Options) { o.Region = region })
		srv.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: "AKIDOPTIONS000000001", Secret: iam.NewSecret("options-secret"), Active: true})
		// A Nebius region argument: with a restricted server, the
		// option's Region replaces it, or the server would refuse the
		// signature's scope.
		c, err := s3client.New(iam.Nebius, "eu-north1", creds, srv.ClientOptions())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("opts")}); err != nil {
			t.Fatalf("region %q: CreateBucket: %v", region, err)
		}
		for range 2 {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("opts"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
				t.Fatalf("region %q: PutObject: %v", region, err)
			}
		}
		bad, err := s3client.New(iam.Nebius, "eu-north1", awscreds.NewStaticCredentialsProvider("AKIDOPTIONS000000001", "wrong", ""),
			srv.ClientOptions(), func(o *s3client.Options) { o.RetryMaxAttempts = 1 })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bad.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("opts"), Key: aws.String("k")}); apiCode(err) != "SignatureDoesNotMatch" {
			t.Fatalf("region %q: wrong secret: %v", region, err)
		}
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/opts/k?"+url.Values{"legal-hold": {""}}.Encode(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for op, want := range map[string]int{"CreateBucket": 1, "PutObject": 2, "S3/PutObject": 2, "GetObject": 1, "Unsupported": 1, "DeleteObject": 0, "": 5} {
			if got := srv.Calls(op); got != want {
				t.Errorf("region %q: Calls(%q) = %d, want %d", region, op, got, want)
			}
		}
	}
}

// TestEmulatorsLeaveNoGoroutine checks that Close (after requests, a hung
// one included) and a refused constructor leave no goroutine behind.
func TestEmulatorsLeaveNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, e := range emulatorCtors {
		if _, _, _, err := e.start("0.0.0.0:0"); err == nil {
			t.Fatalf("%s: a non-loopback Addr was accepted", e.name)
		}
	}
	n, err := iamtest.NewNebiusTokenServer()
	if err != nil {
		t.Fatal(err)
	}
	y, err := iamtest.NewYandexTokenServer()
	if err != nil {
		t.Fatal(err)
	}
	s, err := iamtest.NewS3Server()
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	done := make(chan struct{}, 3)
	for _, f := range []*iamtest.Faults{n.Faults, y.Faults, s.Faults} {
		f.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	}
	for _, u := range []string{n.URL, y.URL, s.URL + "/bucket"} {
		go func() {
			defer func() { done <- struct{}{} }()
			if resp, err := hc.Post(u, "application/json", strings.NewReader(`{}`)); err == nil {
				resp.Body.Close()
			}
		}()
	}
	// Wait until each request has arrived, so that Close has a hung
	// request to release.
	for _, calls := range []func(string) int{n.Calls, y.Calls, s.Calls} {
		for calls("") == 0 {
			runtime.Gosched()
		}
	}
	n.Close()
	y.Close()
	s.Close()
	for range 3 {
		<-done
	}
	hc.CloseIdleConnections()
}

// TestMetadataOptionsAreValidated checks that the metadata emulators
// refuse options they cannot honour with an error naming the field: a
// negative TokenLifetime, and a ServiceAccountID with a space or a control
// character (it is written into JSON answers and compared with the IDs
// clients send).
func TestMetadataOptionsAreValidated(t *testing.T) {
	for want, set := range map[string]func(o *iamtest.NebiusMetadataOptions){
		"option TokenLifetime -1s is negative":     func(o *iamtest.NebiusMetadataOptions) { o.TokenLifetime = -time.Second },
		`option ServiceAccountID "sa 1"`:           func(o *iamtest.NebiusMetadataOptions) { o.ServiceAccountID = "sa 1" },
		`option ServiceAccountID "sa\n"`:           func(o *iamtest.NebiusMetadataOptions) { o.ServiceAccountID = "sa\n" },
		`option Addr: host "0.0.0.0" is not a loo`: func(o *iamtest.NebiusMetadataOptions) { o.Addr = "0.0.0.0:0" },
	} {
		if s, err := iamtest.NewNebiusMetadataServer(set); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewNebiusMetadataServer: err = %v, want %q", err, want)
			if s != nil {
				s.Close()
			}
		}
		if s, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) {
			var n iamtest.NebiusMetadataOptions
			set(&n)
			*o = iamtest.YandexMetadataOptions(n)
		}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewYandexMetadataServer: err = %v, want %q", err, want)
			if s != nil {
				s.Close()
			}
		}
	}
}
