package observability_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// Canary secrets, each in one kind of secret field.
const (
	canaryToken    = "CANARY-TOKEN-6c1e0b7a"
	canarySecret   = "CANARY-SECRET-93d2f04e"
	canaryPassword = "CANARY-PASSWORD-1f8a5c3d"
)

// credentialPatterns are forms of credentials no test knows the value of:
// a signed JWT, a SigV4 signature, a private key, a Yandex IAM token.
var credentialPatterns = []*regexp.Regexp{
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.`),
	regexp.MustCompile(`(?i)signature=[0-9a-f]{16}`),
	regexp.MustCompile(`(?i)credential=[A-Z0-9]+/\d{8}/`),
	regexp.MustCompile(`PRIVATE KEY`),
	regexp.MustCompile(`t1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20}`),
}

// canaries is the set of secret values a test scans the telemetry for, in
// the forms an echo may give them.
type canaries struct{ needles []string }

func (c *canaries) add(secret string) {
	if len(secret) < 6 {
		return
	}
	c.needles = append(c.needles, secret, url.QueryEscape(secret), hex.EncodeToString([]byte(secret)),
		strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(secret)), "="),
		strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(secret)), "="))
}

// leaks returns what of s is a secret: a needle, or a credential pattern.
func (c *canaries) leaks(s string) []string {
	var out []string
	for _, n := range c.needles {
		if strings.Contains(s, n) {
			out = append(out, n)
		}
	}
	for _, p := range credentialPatterns {
		if m := p.FindString(s); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// echoTokenServer answers every token exchange with an error that echoes
// what the client sent (the JWT, any Authorization header) in its body and
// in its request ID header, as a misbehaving server or proxy could.
func echoTokenServer(t *testing.T, provider string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sent := string(body) + " " + r.Header.Get("Authorization")
		jwt := ""
		if provider == "nebius" {
			v, _ := url.ParseQuery(string(body))
			jwt = v.Get("subject_token")
		} else {
			var b struct {
				JWT string `json:"jwt"`
			}
			_ = json.Unmarshal(body, &b)
			jwt = b.JWT
		}
		w.Header().Set("X-Request-Id", "req "+jwt)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		if provider == "nebius" {
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": "refused " + jwt + " in " + sent})
		} else {
			_ = json.NewEncoder(w).Encode(map[string]any{"code": 3, "message": "refused " + jwt + " in " + sent,
				"details": []map[string]string{{"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": jwt}}})
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// echoAPIServer answers every API call with an error (403, or 400 in the
// OUTSCALE form) that echoes the Authorization header and the body.
func echoAPIServer(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		authz := r.Header.Get("Authorization")
		w.Header().Set("X-Request-Id", authz)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(r.URL.Path, "/api/v1/") {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"Errors":          []map[string]string{{"Code": "4000", "Type": "InvalidParameterValue", "Details": "got " + authz + " and " + string(body)}},
				"ResponseContext": map[string]string{"RequestId": authz},
			})
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 7, "message": "denied: " + authz + " " + string(body)})
	}))
	t.Cleanup(s.Close)
	return s
}

// TestNoSecretInTelemetry runs flows with canary and real secrets (token
// exchanges and API calls against servers that echo the credentials they
// receive, VM metadata token fetches, key creations, a managed provider's first key and rotation) and
// scans every span's name, attributes, events (with their attributes),
// links and status, and every metric's name, unit, description and point
// attributes, for the secrets, their encodings and credential patterns.
func TestNoSecretInTelemetry(t *testing.T) {
	r := newRec(t)
	ctx := context.Background()
	var c canaries
	for _, s := range []string{canaryToken, canarySecret, canaryPassword} {
		c.add(s)
	}

	// Token exchanges refused by echoing servers.
	for _, g := range []*tokenRig{newNebiusTokenRig(t), newYandexTokenRig(t)} {
		echo := echoTokenServer(t, g.provider)
		opts := func(o *auth.ServiceAccountOptions) {
			o.Endpoint, o.TracerProvider, o.MeterProvider = echo.URL, r.tp, r.mp
		}
		var src *auth.Cache
		var err error
		if g.provider == "nebius" {
			src, err = nebiusauth.ServiceAccount(g.key, opts)
		} else {
			src, err = yandexauth.ServiceAccount(g.key, opts)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.AccessToken(ctx); err == nil {
			t.Fatalf("%s: the echo server's exchange succeeded", g.provider)
		}
		_ = src.Close()
		// And a successful exchange, whose token must not show.
		ok := g.serviceAccount(t, r)
		tok, err := ok.AccessToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.add(tok.Value.Reveal())
	}

	// VM metadata token fetches: from both emulators, and from a service
	// that echoes the token it serves into its request ID header.
	for _, g := range newMetadataRigs(t) {
		tok, err := g.source(t, r).AccessToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.add(tok.Value.Reveal())
	}
	echoMD := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "req "+canaryToken)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"`+canaryToken+`","expires_in":3600,"token_type":"Bearer"}`)
	}))
	t.Cleanup(echoMD.Close)
	mdSrc, err := yandexauth.MetadataTokenSource(func(o *yandexauth.MetadataOptions) {
		o.Addr, o.TracerProvider, o.MeterProvider = echoMD.Listener.Addr().String(), r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mdSrc.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	_ = mdSrc.Close()

	// API calls with canary credentials, refused by an echoing server.
	api := echoAPIServer(t)
	yc, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: canaryToken}), func(o *yandex.Options) {
		o.Endpoint, o.OperationEndpoint, o.MaxAttempts = api.URL, api.URL, 1
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := yc.AccessKeys().Get(ctx, "ajecanarykey0000000"); err == nil {
		t.Fatal("yandex: the echo server's Get succeeded")
	}
	for _, cred := range []func(*outscale.Options){
		func(o *outscale.Options) {
			o.AccessKey, o.SecretKey = "AKCANARY0000000000000", iam.NewSecret(canarySecret)
		},
		func(o *outscale.Options) { o.Login, o.Password = "canary@example.com", iam.NewSecret(canaryPassword) },
	} {
		oc, err := outscale.New(cred, func(o *outscale.Options) {
			o.Endpoint, o.Region, o.MaxAttempts = api.URL+"/api/v1", "eu-west-2", 1
			o.TracerProvider, o.MeterProvider = r.tp, r.mp
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oc.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err == nil {
			t.Fatal("outscale: the echo server's call succeeded")
		}
	}
	c.add(base64.StdEncoding.EncodeToString([]byte("canary@example.com:" + canaryPassword)))

	// The Nebius gRPC client with a canary token the emulator rejects.
	ng := newNebiusTokenRig(t)
	nc, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: canaryToken}), ng.nebius.ClientOptions(), func(o *nebius.Options) {
		o.ProjectID, o.MaxAttempts = "project-e00canary", 1
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.AccessKeys().ListPage(ctx, nebius.ListRequest{}); err == nil {
		t.Fatal("nebius: a call with a rejected token succeeded")
	}

	// Keys created on each cloud, whose secrets must not show.
	clk := iamtest.NewFakeClock(time.Now())
	for _, g := range newKeyRigs(t, r, clk) {
		k, err := g.km.CreateKey(ctx, iam.CreateKeyRequest{Description: "canary", ExpiresAt: clk.Now().Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		c.add(k.Secret.Reveal())
	}

	// A managed provider's first key and one rotation (Yandex, through a
	// token source of the emulator's bootstrap key).
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg; o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	ysrv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg; o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer ysrv.Close()
	keyJSON, err := ysrv.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(keyJSON), `\n`) {
		if len(line) > 40 && !strings.Contains(line, "-----") {
			c.add(line[:40]) // lines of the private key's PEM
		}
	}
	key, err := yandexauth.ParseKey(keyJSON, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := yandexauth.ServiceAccount(key, tokens.ServiceAccountOptions(), func(o *auth.ServiceAccountOptions) {
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	client, err := yandex.New(ts, ysrv.ClientOptions(), func(o *yandex.Options) {
		o.Clock, o.PollInterval = clk, time.Millisecond
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	km, err := yandex.NewKeyManager(client, ysrv.ServiceAccountID())
	if err != nil {
		t.Fatal(err)
	}
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Clock, o.Policy.Lifetime = clk, time.Hour
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, d := range []time.Duration{0, 45 * time.Minute, 10 * time.Second, 5 * time.Minute} {
		clk.Advance(d)
		creds, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.add(creds.SecretAccessKey)
		if err := p.Settle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if p.Status().Rotations != 1 {
		t.Fatalf("managed provider status %+v, want one rotation", p.Status())
	}
	tok, err := ts.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.add(tok.Value.Reveal())
	c.add(ysrv.IssueToken(ysrv.ServiceAccountID(), time.Hour)) // the form of the emulator's tokens

	// Scan.
	var leaks []string
	scanned, redacted := 0, 0
	check := func(where, s string) {
		scanned++
		if strings.Contains(s, iam.Redacted) {
			redacted++
		}
		for _, l := range c.leaks(s) {
			leaks = append(leaks, fmt.Sprintf("%s: %q in %q", where, l, s))
		}
	}
	checkAttrs := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			check(where+" attribute key", string(kv.Key))
			check(where+" attribute "+string(kv.Key), kv.Value.Emit())
		}
	}
	spans := r.ended("")
	for _, s := range spans {
		where := "span " + s.Name()
		check(where+" name", s.Name())
		checkAttrs(where, s.Attributes())
		check(where+" status", s.Status().Description)
		for _, e := range s.Events() {
			check(where+" event name", e.Name)
			checkAttrs(where+" event "+e.Name, e.Attributes)
		}
		for _, l := range s.Links() {
			checkAttrs(where+" link", l.Attributes)
		}
	}
	ms := r.collect(t)
	for name, m := range ms {
		check("metric name", name)
		check("metric "+name+" unit", m.Unit)
		check("metric "+name+" description", m.Description)
		for _, set := range pointAttrs(m) {
			checkAttrs("metric "+name, set.ToSlice())
		}
	}
	t.Logf("%d spans, %d metrics, %d strings scanned (%d with REDACTED) for %d needles and %d patterns",
		len(spans), len(ms), scanned, redacted, len(c.needles), len(credentialPatterns))
	if len(leaks) > 0 {
		t.Fatalf("%d leaks:\n%s", len(leaks), strings.Join(leaks, "\n"))
	}
	// The echoed credentials reached the recorded errors, scrubbed: the
	// scan looked where the secrets would have been.
	if redacted == 0 {
		t.Fatal("no recorded text holds REDACTED: did the echo servers' answers reach the spans?")
	}
	if len(spans) < 20 {
		t.Fatalf("only %d spans recorded", len(spans))
	}
	for _, name := range []string{"nebius MetadataToken", "yandex MetadataToken"} {
		if len(r.ended(name)) == 0 {
			t.Fatalf("no span %q scanned", name)
		}
	}
}
