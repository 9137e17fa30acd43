package authtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// T0 is the start time of an [Env]'s fake clock.
var T0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// CapturingSigner records every JWT its real signer hands out, so that a
// test can check it never shows up in errors or logs. With Err set, it
// fails instead.
type CapturingSigner struct {
	auth.JWTSigner
	// Err, when set, is returned by every SignJWT.
	Err error

	mu   sync.Mutex
	jwts []string
}

// SignJWT signs with the real signer and records the JWT.
func (c *CapturingSigner) SignJWT(now time.Time) (iam.Secret, error) {
	if c.Err != nil {
		return iam.Secret{}, c.Err
	}
	s, err := c.JWTSigner.SignJWT(now)
	c.mu.Lock()
	c.jwts = append(c.jwts, s.Reveal())
	c.mu.Unlock()
	return s, err
}

// Secrets returns every JWT signed so far.
func (c *CapturingSigner) Secrets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.jwts...)
}

// Logs collects debug-level JSON logs.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Logger returns a debug-level JSON logger writing to l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Env is a registry, a fake clock at [T0], both token emulators, and the
// keys registered with them: NebiusKey (publickey-e00x of
// serviceaccount-e00x) and YandexKey (ajekey of ajesa), both of [RSAKey].
type Env struct {
	Clock     *iamtest.FakeClock         // the emulators' clock
	Registry  *iamtest.Registry          // the keys and tokens both emulators know
	Nebius    *iamtest.NebiusTokenServer // the Nebius token exchange
	Yandex    *iamtest.YandexTokenServer // the Yandex IAM token service
	NebiusKey *auth.ServiceAccountKey    // registered with Nebius
	YandexKey *auth.ServiceAccountKey    // registered with Yandex
	Logs      *Logs                      // for the exchangers' Logger

	signers []*CapturingSigner
}

// NewEnv is [NewManualEnv] whose fake clock moves on by itself to any
// timer that waits on it (the exchangers' retry waits), as time passes
// while a client waits.
func NewEnv(t *testing.T) *Env {
	t.Helper()
	e := NewManualEnv(t)
	e.advanceWhileWaiting(t)
	return e
}

// advanceWhileWaiting moves the fake clock on to each timer as soon as one
// waits on it, until the test ends.
func (e *Env) advanceWhileWaiting(t *testing.T) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for e.Clock.BlockUntilTimers(1, done) {
			e.Clock.AdvanceToNextTimer()
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
	})
}

// NewManualEnv starts the emulators, with a fake clock that moves only when
// the test moves it; they stop when the test ends.
func NewManualEnv(t *testing.T) *Env {
	t.Helper()
	pk := RSAKey(t)
	e := &Env{Clock: iamtest.NewFakeClock(T0), Registry: iamtest.NewRegistry(), Logs: &Logs{}}
	e.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-e00x", ServiceAccountID: "serviceaccount-e00x", Key: &pk.PublicKey})
	e.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "ajekey", ServiceAccountID: "ajesa", Key: &pk.PublicKey})
	opts := func(o *iamtest.TokenServerOptions) { o.Registry = e.Registry; o.Clock = e.Clock }
	var err error
	if e.Nebius, err = iamtest.NewNebiusTokenServer(opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Nebius.Close)
	if e.Yandex, err = iamtest.NewYandexTokenServer(opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Yandex.Close)
	if e.NebiusKey, err = auth.NewServiceAccountKey("publickey-e00x", "serviceaccount-e00x", pk); err != nil {
		t.Fatal(err)
	}
	if e.YandexKey, err = auth.NewServiceAccountKey("ajekey", "ajesa", pk); err != nil {
		t.Fatal(err)
	}
	return e
}

// Capture wraps s in a [CapturingSigner] whose JWTs [Env.CheckNoSecrets]
// looks for.
func (e *Env) Capture(s auth.JWTSigner, err error) *CapturingSigner {
	if err != nil {
		panic(err)
	}
	c := &CapturingSigner{JWTSigner: s}
	e.signers = append(e.signers, c)
	return c
}

// JWTs returns every JWT the captured signers signed.
func (e *Env) JWTs() []string {
	var out []string
	for _, s := range e.signers {
		out = append(out, s.Secrets()...)
	}
	return out
}

// CheckNoSecrets fails if err (any fmt form) or the logs carry a JWT a
// captured signer signed or one of tokens.
func (e *Env) CheckNoSecrets(t *testing.T, err error, tokens ...string) {
	t.Helper()
	secrets := append(e.JWTs(), tokens...)
	texts := []string{e.Logs.String()}
	if err != nil {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Errorf("a secret (%d bytes) leaked into %q", len(s), text)
			}
		}
	}
}

// FixedServer answers every request with status, header and body; it
// reports the last request body it saw. It stops when the test ends.
func FixedServer(t *testing.T, status int, header http.Header, body string) (string, *bytes.Buffer) {
	t.Helper()
	var mu sync.Mutex
	last := &bytes.Buffer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last.Reset()
		last.Write(b)
		mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, last
}

// LenientField pulls a string field out of body when it is a JSON object,
// to check that a rejected response's token never reaches the error text.
func LenientField(body []byte, name string) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}

// CheckParseError checks what every token-response parse error must be: an
// *iam.Error of bounded size that does not carry the token.
func CheckParseError(t *testing.T, err error, token string) {
	t.Helper()
	var ie *iam.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %T is not *iam.Error", err)
	}
	msg := err.Error()
	if len(msg) > 300 {
		t.Fatalf("error text is %d bytes", len(msg))
	}
	if len(token) >= 16 && strings.Contains(msg, token) {
		t.Fatalf("error %q carries the token", msg)
	}
}
