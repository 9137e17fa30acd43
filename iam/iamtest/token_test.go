package iamtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/iam/iamtest"
)

var tokT0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const (
	tokSA      = "serviceaccount-e00test"
	tokKID     = "publickey-e00test"
	tokOtherSA = "serviceaccount-e00other"
)

var (
	tokKeysOnce sync.Once
	tokKey      *rsa.PrivateKey
	tokOtherKey *rsa.PrivateKey
)

func tokKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	tokKeysOnce.Do(func() {
		var err error
		if tokKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if tokOtherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return tokKey, tokOtherKey
}

// psAnySalt is PS256 signing with the longest salt: a valid RSASSA-PSS
// signature, but not the salt length Yandex demands.
var psAnySalt = &jwt.SigningMethodRSAPSS{
	SigningMethodRSA: jwt.SigningMethodPS256.SigningMethodRSA,
	Options:          &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto},
}

func signJWT(t testing.TB, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// tokenSetup starts both emulators on one registry and fake clock, with the
// test key registered.
func tokenSetup(t *testing.T) (*iamtest.NebiusTokenServer, *iamtest.YandexTokenServer, *iamtest.FakeClock) {
	t.Helper()
	key, _ := tokKeys(t)
	clk := iamtest.NewFakeClock(tokT0)
	reg := iamtest.NewRegistry()
	reg.PutPublicKey(iamtest.PublicKey{KeyID: tokKID, ServiceAccountID: tokSA, Key: &key.PublicKey})
	opts := func(o *iamtest.TokenServerOptions) { o.Registry = reg; o.Clock = clk }
	n := startNebius(t, opts)
	y := startYandex(t, opts)
	t.Cleanup(n.Close)
	t.Cleanup(y.Close)
	return n, y, clk
}

func nebiusClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": tokSA, "sub": tokSA, "aud": iamtest.NebiusJWTAudience,
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

func yandexClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": tokSA, "aud": iamtest.YandexJWTAudience,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
}

func nebiusForm(jwtStr string) url.Values {
	return url.Values{
		"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"requested_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"subject_token":        {jwtStr},
		"subject_token_type":   {"urn:ietf:params:oauth:token-type:jwt"},
	}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func post(t *testing.T, ctx context.Context, u, contentType, body string) (answer, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a, nil
}

func postNebius(t *testing.T, n *iamtest.NebiusTokenServer, form url.Values) answer {
	t.Helper()
	a, err := post(t, t.Context(), n.URL, "application/x-www-form-urlencoded", form.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func postYandex(t *testing.T, y *iamtest.YandexTokenServer, body string) answer {
	t.Helper()
	a, err := post(t, t.Context(), y.URL, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func yandexBody(jwtStr string) string {
	b, _ := json.Marshal(map[string]string{"jwt": jwtStr})
	return string(b)
}

func TestNebiusTokenServerExchange(t *testing.T) {
	n, _, clk := tokenSetup(t)
	key, _ := tokKeys(t)
	if !strings.HasPrefix(n.URL, "http://127.0.0.1:") || !strings.HasSuffix(n.URL, "/oauth2/token/exchange") {
		t.Fatalf("URL = %q", n.URL)
	}
	a := postNebius(t, n, nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, tokKID, nebiusClaims(clk.Now()))))
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	tok, _ := a.body["access_token"].(string)
	if !strings.HasPrefix(tok, "v1.") || len(tok) < 20 {
		t.Errorf("access_token %q: want an opaque v1. token", tok)
	}
	if a.body["token_type"] != "Bearer" || a.body["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" ||
		a.body["expires_in"] != float64(12*3600) {
		t.Errorf("response %v", a.body)
	}
	if sub, ok := n.Registry.ValidateToken(tok, "nebius", clk.Now()); !ok || sub != tokSA {
		t.Errorf("ValidateToken = %q, %v; want %q, true", sub, ok, tokSA)
	}
	if _, ok := n.Registry.ValidateToken(tok, "yandex", clk.Now()); ok {
		t.Error("a nebius token validated as a yandex token")
	}
	clk.Advance(12 * time.Hour)
	if _, ok := n.Registry.ValidateToken(tok, "nebius", clk.Now()); ok {
		t.Error("token still valid after its lifetime")
	}
	if n.Calls(iamtest.NebiusTokenPath) != 1 {
		t.Errorf("Calls = %d, want 1", n.Calls(iamtest.NebiusTokenPath))
	}
}

func TestNebiusTokenServerAcceptsDocumentedVariants(t *testing.T) {
	n, _, clk := tokenSetup(t)
	key, _ := tokKeys(t)
	now := clk.Now()
	for name, edit := range map[string]func(c jwt.MapClaims){
		"aud as array": func(c jwt.MapClaims) { c["aud"] = []string{iamtest.NebiusJWTAudience} },
		"no aud":       func(c jwt.MapClaims) { delete(c, "aud") },
		"no iat, exp in 5 min": func(c jwt.MapClaims) {
			delete(c, "iat")
			c["exp"] = now.Add(5 * time.Minute).Unix()
		},
		"ttl exactly 5 min": func(c jwt.MapClaims) { c["exp"] = now.Add(5 * time.Minute).Unix() },
	} {
		c := nebiusClaims(now)
		edit(c)
		form := nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, tokKID, c))
		if name == "no aud" {
			form.Del("requested_token_type") // optional too
		}
		if a := postNebius(t, n, form); a.status != 200 {
			t.Errorf("%s: status %d: %s", name, a.status, a.raw)
		}
	}
}

func TestNebiusTokenServerRejects(t *testing.T) {
	n, _, clk := tokenSetup(t)
	key, other := tokKeys(t)
	now := clk.Now()
	n.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-disabled", ServiceAccountID: tokSA, Key: &key.PublicKey, Disabled: true})
	sign := func(edit func(c jwt.MapClaims)) string {
		c := nebiusClaims(now)
		if edit != nil {
			edit(c)
		}
		return signJWT(t, jwt.SigningMethodRS256, key, tokKID, c)
	}
	good := sign(nil)
	tests := []struct {
		name   string
		form   url.Values
		status int
		code   string
		desc   string
	}{
		{"unknown kid", nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, "publickey-nope", nebiusClaims(now))), 401, "invalid_grant", "Key 'publickey-nope' was not found"},
		{"missing kid", nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, "", nebiusClaims(now))), 401, "invalid_grant", "'kid' is missing"},
		{"disabled key", nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, "publickey-disabled", nebiusClaims(now))), 401, "invalid_grant", "disabled"},
		{"bad signature", nebiusForm(signJWT(t, jwt.SigningMethodRS256, other, tokKID, nebiusClaims(now))), 401, "invalid_grant", "signature validation fails"},
		{"tampered claims", nebiusForm(tamper(good)), 401, "invalid_grant", "signature validation fails"},
		{"PS256", nebiusForm(signJWT(t, jwt.SigningMethodPS256, key, tokKID, nebiusClaims(now))), 401, "invalid_grant", "only RS256"},
		{"HS256", nebiusForm(signJWT(t, jwt.SigningMethodHS256, []byte("k"), tokKID, nebiusClaims(now))), 401, "invalid_grant", "only RS256"},
		{"alg none", nebiusForm(signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, tokKID, nebiusClaims(now))), 401, "invalid_grant", "only RS256"},
		{"wrong iss", nebiusForm(sign(func(c jwt.MapClaims) { c["iss"] = tokOtherSA })), 401, "invalid_grant", "iss"},
		{"wrong sub", nebiusForm(sign(func(c jwt.MapClaims) { c["sub"] = tokOtherSA })), 401, "invalid_grant", "sub"},
		{"wrong aud", nebiusForm(sign(func(c jwt.MapClaims) { c["aud"] = "https://elsewhere" })), 401, "invalid_grant", "aud"},
		{"two auds", nebiusForm(sign(func(c jwt.MapClaims) { c["aud"] = []string{iamtest.NebiusJWTAudience, "x"} })), 401, "invalid_grant", "aud"},
		{"expired", nebiusForm(sign(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-2 * time.Minute).Unix()
			c["exp"] = now.Add(-time.Second).Unix()
		})), 401, "invalid_grant", "expired"},
		{"no exp", nebiusForm(sign(func(c jwt.MapClaims) { delete(c, "exp") })), 401, "invalid_grant", "exp"},
		{"ttl too long", nebiusForm(sign(func(c jwt.MapClaims) { c["exp"] = now.Add(6 * time.Minute).Unix() })), 401, "invalid_grant", "exceeds"},
		{"no iat, ttl too long", nebiusForm(sign(func(c jwt.MapClaims) { delete(c, "iat"); c["exp"] = now.Add(time.Hour).Unix() })), 401, "invalid_grant", "exceeds"},
		{"not yet valid", nebiusForm(sign(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() })), 401, "invalid_grant", "nbf"},
		{"not a JWT", nebiusForm("not.a-jwt"), 401, "invalid_grant", "malformed"},
		{"wrong grant_type", withForm(nebiusForm(good), "grant_type", "client_credentials"), 400, "unsupported_grant_type", "grant_type"},
		{"wrong subject_token_type", withForm(nebiusForm(good), "subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), 400, "invalid_request", "subject_token_type"},
		{"wrong requested_token_type", withForm(nebiusForm(good), "requested_token_type", "urn:ietf:params:oauth:token-type:id_token"), 400, "invalid_request", "requested_token_type"},
		{"no subject_token", withForm(nebiusForm(good), "subject_token", ""), 400, "invalid_request", "subject_token"},
	}
	for _, tt := range tests {
		a := postNebius(t, n, tt.form)
		if a.status != tt.status || a.body["error"] != tt.code || !strings.Contains(a.body["error_description"].(string), tt.desc) {
			t.Errorf("%s: got %d %s; want %d %s containing %q", tt.name, a.status, a.raw, tt.status, tt.code, tt.desc)
		}
		if a.header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", tt.name)
		}
	}
	// Wrong content type and method.
	if a, _ := post(t, t.Context(), n.URL, "application/json", `{"subject_token":"x"}`); a.status != 400 || a.body["error"] != "invalid_request" {
		t.Errorf("JSON body: %d %s", a.status, a.raw)
	}
	if resp, err := http.Get(n.URL); err != nil || resp.StatusCode != 405 {
		t.Errorf("GET: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if n.Calls(iamtest.NebiusTokenPath) != len(tests)+2 {
		t.Errorf("Calls = %d, want %d", n.Calls(iamtest.NebiusTokenPath), len(tests)+2)
	}
}

func withForm(f url.Values, k, v string) url.Values {
	f.Set(k, v)
	return f
}

// tamper changes the claims of a signed JWT without re-signing.
func tamper(s string) string {
	parts := strings.Split(s, ".")
	parts[1] = parts[1][:len(parts[1])-2] + "AA"
	return strings.Join(parts, ".")
}

func TestYandexTokenServerExchange(t *testing.T) {
	_, y, clk := tokenSetup(t)
	key, _ := tokKeys(t)
	if !strings.HasPrefix(y.URL, "http://127.0.0.1:") || !strings.HasSuffix(y.URL, "/iam/v1/tokens") {
		t.Fatalf("URL = %q", y.URL)
	}
	for name, edit := range map[string]func(jwt.MapClaims){
		"aud string": func(jwt.MapClaims) {},
		"aud array":  func(c jwt.MapClaims) { c["aud"] = []string{iamtest.YandexJWTAudience} },
		"ttl 1h":     func(c jwt.MapClaims) { c["exp"] = clk.Now().Add(time.Hour).Unix() },
		"with nbf":   func(c jwt.MapClaims) { c["nbf"] = clk.Now().Unix() },
	} {
		c := yandexClaims(clk.Now())
		edit(c)
		a := postYandex(t, y, yandexBody(signJWT(t, jwt.SigningMethodPS256, key, tokKID, c)))
		if a.status != 200 {
			t.Fatalf("%s: status %d: %s", name, a.status, a.raw)
		}
		tok, _ := a.body["iamToken"].(string)
		if !strings.HasPrefix(tok, "t1.") {
			t.Errorf("%s: iamToken %q: want t1. prefix", name, tok)
		}
		exp, err := time.Parse(time.RFC3339Nano, a.body["expiresAt"].(string))
		if err != nil || !exp.Equal(clk.Now().Add(12*time.Hour)) {
			t.Errorf("%s: expiresAt %v (%v), want now+12h", name, a.body["expiresAt"], err)
		}
		if sub, ok := y.Registry.ValidateToken(tok, "yandex", clk.Now()); !ok || sub != tokSA {
			t.Errorf("%s: ValidateToken = %q, %v", name, sub, ok)
		}
	}
	if y.Calls(iamtest.YandexTokenPath) != 4 {
		t.Errorf("Calls = %d, want 4", y.Calls(iamtest.YandexTokenPath))
	}
}

func TestYandexTokenServerRejects(t *testing.T) {
	_, y, clk := tokenSetup(t)
	key, other := tokKeys(t)
	now := clk.Now()
	y.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "ajedisabled", ServiceAccountID: tokSA, Key: &key.PublicKey, Disabled: true})
	sign := func(edit func(c jwt.MapClaims)) string {
		c := yandexClaims(now)
		if edit != nil {
			edit(c)
		}
		return signJWT(t, jwt.SigningMethodPS256, key, tokKID, c)
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   float64
		msg    string
	}{
		{"unknown kid", yandexBody(signJWT(t, jwt.SigningMethodPS256, key, "ajenope", yandexClaims(now))), 401, 16, "Key 'ajenope' was not found"},
		{"missing kid", yandexBody(signJWT(t, jwt.SigningMethodPS256, key, "", yandexClaims(now))), 401, 16, "The required field 'kid' is missing from the JWT header"},
		{"disabled key", yandexBody(signJWT(t, jwt.SigningMethodPS256, key, "ajedisabled", yandexClaims(now))), 401, 16, "disabled"},
		{"bad signature", yandexBody(signJWT(t, jwt.SigningMethodPS256, other, tokKID, yandexClaims(now))), 401, 16, "JWT signature validation fails"},
		{"RS256", yandexBody(signJWT(t, jwt.SigningMethodRS256, key, tokKID, yandexClaims(now))), 401, 16, "only PS256"},
		{"PS256 wrong salt length", yandexBody(signJWT(t, psAnySalt, key, tokKID, yandexClaims(now))), 401, 16, "JWT signature validation fails"},
		{"wrong iss", yandexBody(sign(func(c jwt.MapClaims) { c["iss"] = tokOtherSA })), 401, 16, "iss"},
		{"wrong aud", yandexBody(sign(func(c jwt.MapClaims) { c["aud"] = iamtest.NebiusJWTAudience })), 401, 16, "aud"},
		{"no aud", yandexBody(sign(func(c jwt.MapClaims) { delete(c, "aud") })), 401, 16, "aud is missing"},
		{"no iat", yandexBody(sign(func(c jwt.MapClaims) { delete(c, "iat") })), 401, 16, "iat"},
		{"expired", yandexBody(sign(func(c jwt.MapClaims) { c["iat"] = now.Add(-time.Hour).Unix(); c["exp"] = now.Unix() })), 401, 16, "expired"},
		{"ttl too long", yandexBody(sign(func(c jwt.MapClaims) { c["exp"] = now.Add(time.Hour + time.Second).Unix() })), 401, 16, "exceeds"},
		{"exp before iat", yandexBody(sign(func(c jwt.MapClaims) { c["iat"] = now.Add(2 * time.Hour).Unix() })), 401, 16, "exp is not after iat"},
		{"neither field", `{}`, 400, 3, "Exactly one of 'yandexPassportOauthToken' and 'jwt' should be specified."},
		{"both fields", `{"jwt":"a.b.c","yandexPassportOauthToken":"y0_x"}`, 400, 3, "Exactly one of"},
		{"oauth token", `{"yandexPassportOauthToken":"y0_x"}`, 501, 12, "only jwt"},
		{"jwt not a string", `{"jwt":12}`, 400, 3, "jwt must be a string"},
		{"jwt too long", yandexBody(strings.Repeat("a", 8001)), 400, 3, "jwt must be a string"},
		{"not JSON", `jwt=abc`, 400, 3, "not a JSON object"},
	}
	for _, tt := range tests {
		a := postYandex(t, y, tt.body)
		msg, _ := a.body["message"].(string)
		if a.status != tt.status || a.body["code"] != tt.code || !strings.Contains(msg, tt.msg) {
			t.Errorf("%s: got %d %s; want %d code %v containing %q", tt.name, a.status, a.raw, tt.status, tt.code, tt.msg)
			continue
		}
		details, _ := a.body["details"].([]any)
		if len(details) != 1 || details[0].(map[string]any)["@type"] != "type.googleapis.com/google.rpc.RequestInfo" ||
			details[0].(map[string]any)["requestId"] != a.header.Get("X-Request-Id") {
			t.Errorf("%s: details %v, X-Request-Id %q", tt.name, a.body["details"], a.header.Get("X-Request-Id"))
		}
	}
}

func TestTokenServerOptions(t *testing.T) {
	key, _ := tokKeys(t)
	clk := iamtest.NewFakeClock(tokT0)
	n := startNebius(t, func(o *iamtest.TokenServerOptions) {
		o.Clock = clk
		o.TokenLifetime = time.Hour
		o.MaxJWTTTL = time.Hour
	})
	defer n.Close()
	n.Registry.PutPublicKey(iamtest.PublicKey{KeyID: tokKID, ServiceAccountID: tokSA, Key: &key.PublicKey})
	c := nebiusClaims(clk.Now())
	c["exp"] = clk.Now().Add(time.Hour).Unix()
	a := postNebius(t, n, nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, tokKID, c)))
	if a.status != 200 || a.body["expires_in"] != float64(3600) {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	tok := n.IssueToken("serviceaccount-direct", 0)
	if sub, ok := n.Registry.ValidateToken(tok, "nebius", clk.Now()); !ok || sub != "serviceaccount-direct" || !strings.HasPrefix(tok, "v1.") {
		t.Errorf("IssueToken: %q validates as %q, %v", tok, sub, ok)
	}
	y := startYandex(t, func(o *iamtest.TokenServerOptions) { o.Clock = clk })
	defer y.Close()
	ytok := y.IssueToken("ajesa", 0)
	if sub, ok := y.Registry.ValidateToken(ytok, "yandex", clk.Now()); !ok || sub != "ajesa" || !strings.HasPrefix(ytok, "t1.") {
		t.Errorf("IssueToken: %q validates as %q, %v", ytok, sub, ok)
	}
	if y.Registry == n.Registry {
		t.Error("emulators without a Registry option share one")
	}
}

// emulator is one token emulator under a fault test.
type emulator struct {
	name   string
	url    string
	faults *iamtest.Faults
	count  func() int
	good   func() (contentType, body string)
}

func emulators(t *testing.T) ([]emulator, *iamtest.FakeClock) {
	n, y, clk := tokenSetup(t)
	key, _ := tokKeys(t)
	return []emulator{
		{"nebius", n.URL, n.Faults, func() int { return n.Calls("") }, func() (string, string) {
			return "application/x-www-form-urlencoded", nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, tokKID, nebiusClaims(clk.Now()))).Encode()
		}},
		{"yandex", y.URL, y.Faults, func() int { return y.Calls("") }, func() (string, string) {
			return "application/json", yandexBody(signJWT(t, jwt.SigningMethodPS256, key, tokKID, yandexClaims(clk.Now())))
		}},
	}, clk
}

func TestTokenServerFaultStatus(t *testing.T) {
	ems, _ := emulators(t)
	for _, e := range ems {
		e.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429, RetryAfter: "7"})
		e.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus})
		ct, body := e.good()
		a1, err1 := post(t, t.Context(), e.url, ct, body)
		a2, err2 := post(t, t.Context(), e.url, ct, body)
		a3, err3 := post(t, t.Context(), e.url, ct, body)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		if a1.status != 429 || a1.header.Get("Retry-After") != "7" || a2.status != 503 || a3.status != 200 {
			t.Errorf("%s: statuses %d (Retry-After %q), %d, %d; want 429 (7), 503, 200", e.name, a1.status, a1.header.Get("Retry-After"), a2.status, a3.status)
		}
		switch e.name {
		case "nebius":
			if a1.body["error"] != "slow_down" || a2.body["error"] != "temporarily_unavailable" {
				t.Errorf("nebius fault bodies %s / %s", a1.raw, a2.raw)
			}
		case "yandex":
			if a1.body["code"] != float64(8) || a2.body["code"] != float64(14) {
				t.Errorf("yandex fault bodies %s / %s", a1.raw, a2.raw)
			}
		}
		if e.count() != 3 {
			t.Errorf("%s: Exchanges = %d, want 3", e.name, e.count())
		}
	}
}

func TestTokenServerFaultLatency(t *testing.T) {
	ems, clk := emulators(t)
	for _, e := range ems {
		e.faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: 30 * time.Second})
		ct, body := e.good()
		done := make(chan answer, 1)
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			a, err := post(t, t.Context(), e.url, ct, body)
			if err != nil {
				t.Error(err)
			}
			done <- a
		}()
		if !clk.BlockUntilTimers(1, finished) {
			a := <-done
			t.Fatalf("%s: answered (%d) before the clock moved", e.name, a.status)
		}
		// The JWT had 1-10 minutes to live; 30s of latency leaves it
		// valid, so the request is then served.
		clk.Advance(30 * time.Second)
		if a := <-done; a.status != 200 {
			t.Errorf("%s: after latency: %d %s", e.name, a.status, a.raw)
		}
	}
}

func TestTokenServerFaultLatencyEndsWithRequest(t *testing.T) {
	ems, clk := emulators(t)
	for _, e := range ems {
		e.faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: time.Hour})
		ct, body := e.good()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			_, err := post(t, ctx, e.url, ct, body)
			done <- err
		}()
		if !clk.BlockUntilTimers(1, finished) {
			t.Fatalf("%s: request ended before the latency timer: %v", e.name, <-done)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", e.name, err)
		}
		// The emulator's handler gives up its timer.
		waitUntil(t, func() bool { return clk.Timers() == 0 })
	}
}

func TestTokenServerFaultHang(t *testing.T) {
	ems, _ := emulators(t)
	for _, e := range ems {
		e.faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
		ct, body := e.good()
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		_, err := post(t, ctx, e.url, ct, body)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want a deadline error", e.name, err)
		}
		if a, err := post(t, t.Context(), e.url, ct, body); err != nil || a.status != 200 {
			t.Errorf("%s: after the hang: %v %d", e.name, err, a.status)
		}
	}
}

func TestTokenServerFaultReset(t *testing.T) {
	ems, _ := emulators(t)
	for _, e := range ems {
		e.faults.Add(iamtest.Fault{Kind: iamtest.FaultReset})
		ct, body := e.good()
		if _, err := post(t, t.Context(), e.url, ct, body); err == nil {
			t.Errorf("%s: want a transport error", e.name)
		}
		if a, err := post(t, t.Context(), e.url, ct, body); err != nil || a.status != 200 {
			t.Errorf("%s: after the reset: %v %d", e.name, err, a.status)
		}
	}
}

func TestTokenServerCloseReleasesHungRequests(t *testing.T) {
	for _, kind := range []string{"nebius", "yandex"} {
		var (
			endpoint string
			fs       *iamtest.Faults
			closeFn  func()
		)
		if kind == "nebius" {
			n := startNebius(t)
			endpoint, fs, closeFn = n.URL, n.Faults, n.Close
		} else {
			y := startYandex(t)
			endpoint, fs, closeFn = y.URL, y.Faults, y.Close
		}
		fs.Add(iamtest.Fault{Kind: iamtest.FaultHang, Times: -1})
		const hung = 3
		errs := make(chan error, hung)
		for range hung {
			go func() {
				_, err := post(t, context.Background(), endpoint, "application/json", `{}`)
				errs <- err
			}()
		}
		waitUntil(t, func() bool { return emulatorHandlers() >= hung })
		closed := make(chan struct{})
		go func() {
			closeFn()
			closeFn() // idempotent
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Close did not return with hung requests", kind)
		}
		for range hung {
			if err := <-errs; err == nil {
				t.Errorf("%s: a hung request got an answer", kind)
			}
		}
		waitUntil(t, func() bool { return emulatorHandlers() == 0 })
	}
}

// emulatorHandlers counts goroutines running a token emulator handler.
func emulatorHandlers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "iamtest.(*tokenServer).applyFault")
}

// waitUntil polls cond (goroutines finishing, not time passing).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		runtime.Gosched()
	}
}
