package yandexauth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
)

const canarySecret = "AQVNcanaryApiKeySecret00000000000000000"

// ycAPIKeyYAML is the file of the documentation page "Creating an API
// key", with another secret.
const ycAPIKeyYAML = `api_key:
  id: ajeuo7ng2p6u00000000
  service_account_id: ajegtlf2q28a00000000
  created_at: "2025-04-04T10:23:08.722440521Z"
  scopes:
    - yc.monitoring.read
    - yc.serverless.functions.invoke
    - yc.postbox.send
  expires_at: "2026-01-01T21:00:00Z"
secret: ` + canarySecret + "\n"

func TestParseAPIKey(t *testing.T) {
	k, err := yandexauth.ParseAPIKey([]byte(ycAPIKeyYAML), "api_key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := yandexauth.APIKey{
		ID: "ajeuo7ng2p6u00000000", ServiceAccountID: "ajegtlf2q28a00000000",
		Scopes:    []string{"yc.monitoring.read", "yc.serverless.functions.invoke", "yc.postbox.send"},
		CreatedAt: time.Date(2025, 4, 4, 10, 23, 8, 722440521, time.UTC),
		ExpiresAt: time.Date(2026, 1, 1, 21, 0, 0, 0, time.UTC),
		Source:    "api_key.yaml",
	}
	if k.ID != want.ID || k.ServiceAccountID != want.ServiceAccountID || strings.Join(k.Scopes, ",") != strings.Join(want.Scopes, ",") ||
		!k.CreatedAt.Equal(want.CreatedAt) || !k.ExpiresAt.Equal(want.ExpiresAt) || k.Source != want.Source ||
		k.Secret.Reveal() != canarySecret {
		t.Fatalf("parsed %+v", k)
	}
	if !k.Expired(want.ExpiresAt) || k.Expired(want.ExpiresAt.Add(-time.Second)) {
		t.Fatal("Expired is wrong at the expiry")
	}

	// The older layout (singular scope, description, unquoted times), a
	// JSON file and a bare secret are read too.
	for name, data := range map[string]string{
		"older": "api_key:\n  id: aje1\n  description: ci\n  scope: yc.postbox.send\n  created_at: 2024-01-02T03:04:05Z\nsecret: " + canarySecret + "\n",
		"json":  `{"api_key": {"id": "aje1", "description": "ci", "scopes": ["yc.postbox.send"], "createdAt": "2024-01-02T03:04:05Z"}, "secret": "` + canarySecret + `"}`,
		"bare":  "secret: " + canarySecret + "\n",
	} {
		k, err := yandexauth.ParseAPIKey([]byte("\ufeff"+data), name)
		if err != nil || k.Secret.Reveal() != canarySecret {
			t.Errorf("%s: %v %v", name, k, err)
			continue
		}
		if name != "bare" && (k.ID != "aje1" || k.Description != "ci" || len(k.Scopes) != 1 || k.Scopes[0] != "yc.postbox.send" || k.CreatedAt.Year() != 2024) {
			t.Errorf("%s: %+v", name, k)
		}
	}

	// Nothing prints the secret.
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("key", "k", k, "p", *k)
	js, _ := json.Marshal(k)
	out := fmt.Sprintf("%v %+v %#v %s %q %x", k, k, k, *k, *k, *k) + logs.String() + string(js)
	if strings.Contains(out, canarySecret) || strings.Contains(out, fmt.Sprintf("%x", canarySecret)) {
		t.Fatalf("printing shows the secret: %s", out)
	}
}

// TestParseAPIKeyErrors: each error names the file and the field, and never
// quotes the secret.
func TestParseAPIKeyErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data, field string
		kind              error
	}{
		{"empty", "  \n", "", auth.ErrEmptyKey},
		{"only a comment", "# api_key.yaml\n", "", auth.ErrEmptyKey}, // the fuzzer's find: it panicked
		{"syntax", "api_key: [\n", "", auth.ErrMalformedKey},
		{"a list", "- " + canarySecret + "\n", "", auth.ErrMalformedKey},
		{"no secret", "api_key:\n  id: aje1\n", "secret", auth.ErrMissingField},
		{"empty secret", "secret: ''\n", "secret", auth.ErrMissingField},
		{"secret a list", "secret: [" + canarySecret + "]\n", "secret", auth.ErrInvalidField},
		{"secret with space", "secret: \"" + canarySecret + " x\"\n", "secret", auth.ErrInvalidField},
		{"bad expiry", "api_key:\n  expires_at: next year\nsecret: " + canarySecret + "\n", "api_key.expires_at", auth.ErrInvalidField},
		{"bad creation", "api_key:\n  created_at: 12\nsecret: " + canarySecret + "\n", "api_key.created_at", auth.ErrInvalidField},
		{"scopes a string", "api_key:\n  scopes: yc.postbox.send\nsecret: " + canarySecret + "\n", "api_key.scopes", auth.ErrInvalidField},
		{"scope a mapping", "api_key:\n  scopes:\n    - {a: b}\nsecret: " + canarySecret + "\n", "api_key.scopes[0]", auth.ErrInvalidField},
		{"api_key a list", "api_key: [1]\nsecret: " + canarySecret + "\n", "api_key", auth.ErrInvalidField},
		{"secret twice", "secret: a\nsecret: " + canarySecret + "\n", "secret", auth.ErrInvalidField},
		{"a key.json", `{"id": "k", "service_account_id": "s", "private_key": "-----BEGIN PRIVATE KEY-----"}`, "", auth.ErrInvalidField},
	} {
		path := writeFile(t, "api_key.yaml", tc.data)
		_, err := yandexauth.LoadAPIKeyFile(path)
		var ke *auth.KeyFileError
		if !errors.As(err, &ke) || ke.Source != path || ke.Field != tc.field || !errors.Is(err, tc.kind) {
			t.Errorf("%s: err = %v; want a KeyFileError for the file, field %q, matching %v", tc.name, err, tc.field, tc.kind)
			continue
		}
		if strings.Contains(err.Error(), "canaryApiKey") {
			t.Errorf("%s: the error quotes the secret: %v", tc.name, err)
		}
	}
	if _, err := yandexauth.LoadAPIKeyFile(filepath.Join(t.TempDir(), "none.yaml")); !errors.Is(err, fs.ErrNotExist) ||
		!strings.Contains(err.Error(), "none.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestAPIKeyFromFileAgainstEmulator is done-when item "a request
// authenticated with an API key loaded from an api_key.yaml": the key is
// created in the Yandex emulator, saved as yc saves it, loaded, and used
// on the emulator's API-key route, which checks the secret and the scope.
func TestAPIKeyFromFileAgainstEmulator(t *testing.T) {
	srv, err := yandextest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa := srv.ServiceAccountID()

	// yc iam api-key create --scopes yc.postbox.send … > api_key.yaml
	body := `{"serviceAccountId":"` + sa + `","description":"mail","scopes":["yc.postbox.send"],"expiresAt":"2099-01-01T00:00:00Z"}`
	req, _ := http.NewRequest("POST", srv.URL+"/iam/v1/apiKeys", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+srv.IssueToken(sa, 0))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		APIKey struct {
			ID, ServiceAccountID, CreatedAt, ExpiresAt string
			Scopes                                     []string
		}
		Secret string
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || created.Secret == "" {
		t.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	file := "api_key:\n" +
		"  id: " + created.APIKey.ID + "\n" +
		"  service_account_id: " + created.APIKey.ServiceAccountID + "\n" +
		"  created_at: \"" + created.APIKey.CreatedAt + "\"\n" +
		"  scopes:\n    - " + strings.Join(created.APIKey.Scopes, "\n    - ") + "\n" +
		"  expires_at: \"" + created.APIKey.ExpiresAt + "\"\n" +
		"secret: " + created.Secret + "\n"
	path := writeFile(t, "api_key.yaml", file)

	key, err := yandexauth.LoadAPIKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if key.ServiceAccountID != sa || key.ExpiresAt.Year() != 2099 {
		t.Fatalf("loaded %v", key)
	}
	client := yandexauth.NewAPIKeyClient(key)
	for scope, want := range map[string]int{"": 200, "yc.postbox.send": 200, "yc.monitoring.read": 401} {
		resp, err := client.Get(srv.URL + "/iamtest/v1/apiKeyCheck?scope=" + scope)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("scope %q: status %d (%s), want %d", scope, resp.StatusCode, b, want)
		}
		if want == 200 && !strings.Contains(string(b), sa) {
			t.Errorf("scope %q: answer %s does not name the service account", scope, b)
		}
	}
	// The emulator's own check agrees.
	if got, err := srv.CheckAPIKey("Api-Key "+key.Secret.Reveal(), "yc.postbox.send"); err != nil || got != sa {
		t.Fatalf("CheckAPIKey: %q %v", got, err)
	}
}

// apiKeySink records the Authorization headers it receives.
type apiKeySink struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newAPIKeySink(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *apiKeySink {
	s := &apiKeySink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.auth = append(s.auth, r.URL.Path+" "+r.Header.Get("Authorization"))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *apiKeySink) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// TestAPIKeyTransportNoKeyAcrossHosts: a redirect to another origin (here
// another port) is followed without the key, for every redirect code and
// for the package's client as well as a caller's; a redirect on the same
// origin keeps it, and so does a hop back to the first origin.
func TestAPIKeyTransportNoKeyAcrossHosts(t *testing.T) {
	key := &yandexauth.APIKey{Secret: iam.NewSecret(canarySecret)}
	b := newAPIKeySink(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("B")) })
	for _, code := range []int{301, 302, 303, 307, 308} {
		for name, client := range map[string]*http.Client{
			"NewAPIKeyClient":      yandexauth.NewAPIKeyClient(key),
			"caller's http.Client": {Transport: yandexauth.NewAPIKeyTransport(key, http.DefaultTransport.(*http.Transport).Clone())},
		} {
			a := newAPIKeySink(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/start":
					http.Redirect(w, r, "/same", code)
				case "/same":
					http.Redirect(w, r, b.URL+"/landing", code)
				}
			})
			before := len(b.seen())
			req, _ := http.NewRequest("POST", a.URL+"/start", strings.NewReader("body"))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%d %s: %v", code, name, err)
			}
			resp.Body.Close()
			if got := a.seen(); len(got) != 2 || got[0] != "/start Api-Key "+canarySecret || got[1] != "/same Api-Key "+canarySecret {
				t.Errorf("%d %s: the first origin saw %q, want the key on both hops", code, name, got)
			}
			got := b.seen()[before:]
			if len(got) != 1 || got[0] != "/landing " {
				t.Errorf("%d %s: the other origin saw %q, want one request without Authorization", code, name, got)
			}
		}
	}

	// A hop to B and back to A: B gets nothing, A gets the key again.
	var a *apiKeySink
	back := newAPIKeySink(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, a.URL+"/home", 302) })
	a = newAPIKeySink(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			http.Redirect(w, r, back.URL+"/away", 302)
		}
	})
	resp, err := yandexauth.NewAPIKeyClient(key).Get(a.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := back.seen(); len(got) != 1 || got[0] != "/away " {
		t.Errorf("the other origin saw %q", got)
	}
	if got := a.seen(); len(got) != 2 || got[1] != "/home Api-Key "+canarySecret {
		t.Errorf("the first origin saw %q, want the key on the hop back", got)
	}

	// No key: an error, nothing sent.
	for _, k := range []*yandexauth.APIKey{nil, {}} {
		if _, err := yandexauth.NewAPIKeyClient(k).Get(b.URL + "/nokey"); err == nil || !strings.Contains(err.Error(), "no API key secret") {
			t.Errorf("key %v: err = %v", k, err)
		}
	}
	for _, s := range b.seen() {
		if strings.HasPrefix(s, "/nokey") {
			t.Errorf("a request without a key was sent: %q", s)
		}
	}
}
