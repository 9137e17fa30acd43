package auth_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

const (
	canaryJWT   = "eyJhbGciOiJSUzI1NiJ9.CANARYJWT7f3a9.c2lnbmF0dXJl"
	canaryToken = "v1.CANARYTOKEN7f3a9"
)

// canarySigner returns a JWT with a known canary value.
type canarySigner struct{}

func (canarySigner) SignJWT(time.Time) (iam.Secret, error) { return iam.NewSecret(canaryJWT), nil }

// TestCanarySecretsNeverLeak covers the whole auth family (this package and
// the provider packages auth/nebiusauth and auth/yandexauth): it passes a private key, a JWT and a token with
// known values through every loader error, exchange error, debug logging,
// fmt verbs and JSON, and checks that none of them shows up anywhere.
func TestCanarySecretsNeverLeak(t *testing.T) {
	var out []string // everything a user could see
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// The private key: its PEM body lines are the canaries.
	k := testRSAKey(t)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	keyLines := canaryLines(pemKey)

	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := pemKey[:len(pemKey)/2]
	encrypted := strings.Replace(pemKey, "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", 2)
	nebiusJSON := func(mut func(m map[string]any)) string {
		m := map[string]any{"type": "JWT", "alg": "RS256", "private-key": pemKey, "kid": "publickey-1", "iss": "sa-1", "sub": "sa-1"}
		mut(m)
		b, _ := json.Marshal(map[string]any{"subject-credentials": m})
		return string(b)
	}
	yandexJSON := func(mut func(m map[string]any)) string {
		m := map[string]any{"id": "key-1", "service_account_id": "sa-1", "key_algorithm": "RSA_2048",
			"private_key": "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <key-1>\n" + pemKey}
		mut(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	var loaderErrs []error
	for name, content := range map[string]string{
		"truncated.pem": truncated,
		"encrypted.pem": encrypted,
		"garbage.pem":   "-----BEGIN PRIVATE KEY-----\n" + keyLines[1] + "\n!!!\n-----END PRIVATE KEY-----\n",
	} {
		_, err := auth.LoadPrivateKeyFile(write(name, content), "kid", "sa")
		loaderErrs = append(loaderErrs, err)
	}
	for name, content := range map[string]string{
		"alg.json":       nebiusJSON(func(m map[string]any) { m["alg"] = "HS256" }),
		"iss.json":       nebiusJSON(func(m map[string]any) { m["iss"] = "other" }),
		"nokid.json":     nebiusJSON(func(m map[string]any) { delete(m, "kid") }),
		"badkey.json":    nebiusJSON(func(m map[string]any) { m["private-key"] = truncated }),
		"syntax.json":    nebiusJSON(func(map[string]any) {})[:200],
		"wrongtype.json": nebiusJSON(func(m map[string]any) { m["private-key"] = 42 }),
	} {
		_, err := nebiusauth.LoadCredentialsFile(write(name, content))
		loaderErrs = append(loaderErrs, err)
	}
	for name, content := range map[string]string{
		"y-noid.json":   yandexJSON(func(m map[string]any) { delete(m, "id") }),
		"y-both.json":   yandexJSON(func(m map[string]any) { m["user_account_id"] = "u" }),
		"y-badkey.json": yandexJSON(func(m map[string]any) { m["private_key"] = truncated }),
		"y-syntax.json": yandexJSON(func(map[string]any) {})[:300],
	} {
		_, err := yandexauth.LoadKeyFile(write(name, content))
		loaderErrs = append(loaderErrs, err)
	}
	for i, err := range loaderErrs {
		if err == nil {
			t.Fatalf("loader case %d: want an error", i)
		}
		out = append(out, fmtAll(err)...)
	}

	// A loaded key under every verb.
	key, err := nebiusauth.ParseCredentials([]byte(nebiusJSON(func(map[string]any) {})), "creds.json")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, fmtAll(key)...)
	signer, _ := nebiusauth.NewSigner(key)
	out = append(out, fmtAll(signer)...)
	logger.Debug("key", "key", key, "signer", signer)

	// Exchange errors from servers that echo what they got (the JWT) and
	// servers that return a token in a malformed response.
	echo := func(status int, extra string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"bad token %s","message":"got %s","code":16%s}`, body, body, extra)
		}))
	}
	malformed := func(body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}))
	}
	servers := []*httptest.Server{
		echo(400, ""), echo(401, ""), echo(500, ""),
		malformed(`{"access_token":"` + canaryToken + `","token_type":"mac","expires_in":3600}`),
		malformed(`{"access_token":"` + canaryToken + `","token_type":"Bearer","expires_in":-5}`),
		malformed(`{"iamToken":"` + canaryToken + `","expiresAt":"not a date"}`),
		malformed(`{"access_token":"` + canaryToken + `", broken`),
	}
	for _, srv := range servers {
		defer srv.Close()
		nx, err := nebiusauth.NewExchanger(canarySigner{}, func(o *nebiusauth.ExchangerOptions) {
			o.Endpoint, o.Logger, o.MaxAttempts = srv.URL, logger, 1
		})
		if err != nil {
			t.Fatal(err)
		}
		yx, err := yandexauth.NewExchanger(canarySigner{}, func(o *yandexauth.ExchangerOptions) {
			o.Endpoint, o.Logger, o.MaxAttempts = srv.URL, logger, 1
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []auth.Exchanger{nx, yx} {
			c, err := auth.NewCache(x, func(o *auth.CacheOptions) { o.Logger = logger })
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AccessToken(context.Background())
			c.Close()
			if err == nil {
				t.Fatalf("%s: want an error", srv.URL)
			}
			out = append(out, fmtAll(err)...)
		}
	}

	// A successful exchange: the token in every printable form.
	reg := iamtest.NewRegistry()
	ts, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	good := registeredKey(t, reg, "publickey-1", "sa-1")
	cache, err := nebiusauth.ServiceAccount(good, func(o *auth.ServiceAccountOptions) { o.Endpoint = ts.URL; o.Logger = logger })
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	tok, err := cache.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	realToken := tok.Value.Reveal()
	out = append(out, fmtAll(tok)...)
	out = append(out, fmtAll(cache)...)
	logger.Debug("token", "token", tok, "value", tok.Value)

	out = append(out, logs.String())
	all := strings.Join(out, "\n")
	for _, c := range append(keyLines, canaryJWT, "CANARYJWT7f3a9", canaryToken, "CANARYTOKEN7f3a9", realToken) {
		if strings.Contains(all, c) {
			i := strings.Index(all, c)
			t.Fatalf("secret %q leaked in output: …%s…", c[:min(12, len(c))], all[max(0, i-80):min(len(all), i+len(c)+20)])
		}
	}
	if !strings.Contains(logs.String(), "REDACTED") {
		t.Fatal("the debug log never printed REDACTED: did logging run?")
	}
}

// canaryLines returns the base64 body lines of a PEM block, each a secret.
func canaryLines(p string) []string {
	var lines []string
	for _, l := range strings.Split(p, "\n") {
		if l == "" || strings.HasPrefix(l, "-----") {
			continue
		}
		if _, err := base64.StdEncoding.DecodeString(l); err == nil && len(l) >= 16 {
			lines = append(lines, l)
		}
	}
	return lines
}

// fmtAll renders v the ways a user might: every fmt verb (those with no
// meaning for v included: fmt then prints v by reflection), bare, nested in
// a slice, a []any and an unexported field, log/slog's text and JSON
// handlers, and JSON.
func fmtAll(v any) []string {
	var s []string
	type holder struct {
		name string
		v    any
	}
	for _, x := range []any{v, []any{v}, holder{"h", v}, &holder{"h", v}, map[string]any{"k": v}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%b", "%e", "%g", "%c", "%U", "%p", "%w", "%10s"} {
			s = append(s, fmt.Sprintf(verb, x))
		}
		if b, err := json.Marshal(x); err == nil {
			s = append(s, string(b))
		}
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(h).Info("m", "v", v, "list", []any{v})
	}
	return append(s, buf.String())
}

// TestStaticTokenSourceNeverPrintsToken is the regression test of issue 11
// item 2: a StaticTokenSource (and so nebiusauth.EnvTokenSource and
// yandexauth.EnvTokenSource) printed its token under %v %+v %s %q and in slog's
// text output.
func TestStaticTokenSourceNeverPrintsToken(t *testing.T) {
	const tok = "t1.CANARY-STATIC-5d0c"
	static, err := auth.NewStaticTokenSource(iam.NewSecret(tok), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(nebiusauth.EnvIAMToken, tok)
	t.Setenv(yandexauth.EnvIAMToken, tok)
	nebiusEnv, err := nebiusauth.EnvTokenSource()
	if err != nil {
		t.Fatal(err)
	}
	yandexEnv, err := yandexauth.EnvTokenSource()
	if err != nil {
		t.Fatal(err)
	}
	n, leaks := 0, 0
	for name, src := range map[string]*auth.StaticTokenSource{"static": static, "nebius env": nebiusEnv, "yandex env": yandexEnv} {
		for _, out := range fmtAll(src) {
			n++
			if strings.Contains(out, tok) {
				leaks++
				if leaks <= 5 {
					t.Errorf("%s: token printed: %s", name, out)
				}
			}
		}
		if ot, _ := src.Token(); ot.AccessToken != tok {
			t.Fatalf("%s: Token() = %q", name, ot.AccessToken)
		}
	}
	if leaks > 0 {
		t.Fatalf("%d of %d renderings show the token", leaks, n)
	}
	if got := fmt.Sprint(static); !strings.Contains(got, "REDACTED") {
		t.Errorf("Sprint = %s, want the token shown as REDACTED", got)
	}
}
