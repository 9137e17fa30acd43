package yandex_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestAPIKeysLifecycle(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	exp := start.Add(30 * 24 * time.Hour)
	created, err := e.client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{
		Description: "ci key",
		Scopes:      []string{"yc.ai.languageModels.execute", "yc.monitoring.read"},
		ExpiresAt:   exp,
	})
	if err != nil {
		t.Fatal(err)
	}
	k := created.APIKey
	if k.ID == "" || k.ServiceAccountID != e.srv.ServiceAccountID() || k.Description != "ci key" ||
		!k.ExpiresAt.Equal(exp) || !k.CreatedAt.Equal(start) ||
		!slices.Equal(k.Scopes, []string{"yc.ai.languageModels.execute", "yc.monitoring.read"}) {
		t.Fatalf("created key = %+v", k)
	}
	if created.Secret.IsZero() {
		t.Fatal("no secret")
	}
	if !strings.HasSuffix(created.Secret.Reveal(), strings.TrimPrefix(k.MaskedSecret, "****")) || !strings.HasPrefix(k.MaskedSecret, "****") {
		t.Errorf("maskedSecret %q does not mask the secret", k.MaskedSecret)
	}
	if k.Scope != "yc.ai.languageModels.execute" {
		t.Errorf("deprecated scope = %q", k.Scope)
	}
	if s := fmt.Sprintf("%v %+v %#v", created, created, created); strings.Contains(s, created.Secret.Reveal()) {
		t.Fatal("secret printed")
	}

	// The key works as "Authorization: Api-Key" and records its use.
	e.clock.Advance(time.Minute)
	if sa, err := e.srv.CheckAPIKey("Api-Key "+created.Secret.Reveal(), "yc.monitoring.read"); err != nil || sa != k.ServiceAccountID {
		t.Fatalf("CheckAPIKey = %q, %v", sa, err)
	}
	if _, err := e.srv.CheckAPIKey("Api-Key "+created.Secret.Reveal(), "yc.postbox.send"); err == nil {
		t.Fatal("key accepted for a scope it lacks")
	}

	got, err := e.client.APIKeys().Get(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastUsedAt.Equal(start.Add(time.Minute)) || got.MaskedSecret != k.MaskedSecret {
		t.Errorf("Get = %+v", got)
	}

	var listed []string
	for key, err := range e.client.APIKeys().List(ctx, yandex.ListAPIKeysRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, key.ID)
	}
	if !slices.Equal(listed, []string{k.ID}) {
		t.Fatalf("List = %v", listed)
	}

	upd, err := e.client.APIKeys().Update(ctx, yandex.UpdateAPIKeyRequest{ID: k.ID, Description: ptr("renamed")})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Description != "renamed" || !slices.Equal(upd.Scopes, k.Scopes) || !upd.ExpiresAt.Equal(exp) {
		t.Fatalf("Update = %+v", upd)
	}
	upd, err = e.client.APIKeys().Update(ctx, yandex.UpdateAPIKeyRequest{ID: k.ID,
		Scopes: []string{"yc.postbox.send"}, ExpiresAt: ptr(time.Time{})})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(upd.Scopes, []string{"yc.postbox.send"}) || !upd.ExpiresAt.IsZero() || upd.Description != "renamed" {
		t.Fatalf("Update scopes/expiry = %+v", upd)
	}

	// The two updates; Create answers directly and has no operation.
	var ops []*yandex.Operation
	for op, err := range e.client.APIKeys().ListOperations(ctx, yandex.ListOperationsRequest{ResourceID: k.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	if len(ops) != 2 || !strings.HasSuffix(ops[0].MetadataType(), "yandex.cloud.iam.v1.UpdateApiKeyMetadata") ||
		!strings.HasSuffix(ops[1].ResponseType(), "yandex.cloud.iam.v1.ApiKey") {
		t.Fatalf("ListOperations = %d ops (%v)", len(ops), ops)
	}
	opPage, err := e.client.APIKeys().ListOperationsPage(ctx, yandex.ListOperationsRequest{ResourceID: k.ID, PageRequest: yandex.PageRequest{PageSize: 1}})
	if err != nil || len(opPage.Items) != 1 || opPage.NextPageToken == "" {
		t.Fatalf("ListOperationsPage = %+v, %v", opPage, err)
	}
	scopes, err := e.client.APIKeys().ListScopesPage(ctx, yandex.PageRequest{})
	if err != nil || len(scopes.Items) != len(yandextest.DefaultScopes) || scopes.NextPageToken != "" {
		t.Fatalf("ListScopesPage = %+v, %v", scopes, err)
	}

	if err := e.client.APIKeys().Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.APIKeys().Get(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := e.client.APIKeys().Delete(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("second Delete = %v, want ErrNotFound", err)
	}
	if _, err := e.srv.CheckAPIKey("Api-Key "+created.Secret.Reveal(), ""); err == nil {
		t.Fatal("deleted key still accepted")
	}
}

func TestAPIKeysStartUpdateAndStartDelete(t *testing.T) {
	e := newEnv(t, envOpt{srv: []func(*yandextest.Options){func(o *yandextest.Options) { o.OperationPolls = 2 }}})
	ctx := ctxT(t)
	created, err := e.client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.APIKey.Scopes) == 0 {
		t.Error("a key created without scopes got none (the API assigns defaults)")
	}
	op, err := e.client.APIKeys().StartUpdate(ctx, yandex.UpdateAPIKeyRequest{ID: created.APIKey.ID, Description: ptr("x")})
	if err != nil {
		t.Fatal(err)
	}
	if op.Done || !strings.HasSuffix(op.MetadataType(), "UpdateApiKeyMetadata") {
		t.Fatalf("StartUpdate op = %+v", op)
	}
	done, err := e.client.Operations().Wait(ctx, op)
	if err != nil || !done.Done {
		t.Fatalf("Wait = %+v, %v", done, err)
	}
	var k yandex.APIKey
	if err := done.DecodeResponse(&k); err != nil || k.Description != "x" {
		t.Fatalf("response = %+v, %v", k, err)
	}
	dop, err := e.client.APIKeys().StartDelete(ctx, created.APIKey.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dop.Done {
		t.Fatal("delete operation done at once despite OperationPolls")
	}
	if got, err := e.client.Operations().Get(ctx, dop.ID); err != nil || got.ID != dop.ID {
		t.Fatalf("Operations.Get = %+v, %v", got, err)
	}
}

func TestAPIKeysPagingThreePages(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	var want []string
	for i := range 5 {
		c, err := e.client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: fmt.Sprint("k", i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c.APIKey.ID)
	}
	before := e.srv.Calls("ApiKeyService/List")
	var got []string
	for k, err := range e.client.APIKeys().List(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, k.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	if n := e.srv.Calls("ApiKeyService/List") - before; n != 3 {
		t.Fatalf("List made %d page calls, want 3", n)
	}

	// The page call, by hand.
	p1, err := e.client.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2}})
	if err != nil || len(p1.Items) != 2 || p1.NextPageToken == "" {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, err := e.client.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2, PageToken: p1.NextPageToken}})
	if err != nil || len(p2.Items) != 2 || p2.Items[0].ID != want[2] {
		t.Fatalf("page 2 = %+v, %v", p2, err)
	}
	p3, err := e.client.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2, PageToken: p2.NextPageToken}})
	if err != nil || len(p3.Items) != 1 || p3.NextPageToken != "" {
		t.Fatalf("page 3 = %+v, %v", p3, err)
	}

	// Stopping early makes no further calls.
	before = e.srv.Calls("ApiKeyService/List")
	for range e.client.APIKeys().List(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2}}) {
		break
	}
	if n := e.srv.Calls("ApiKeyService/List") - before; n != 1 {
		t.Fatalf("break after the first item made %d calls, want 1", n)
	}
}

func TestListStopsOnRepeatedPageToken(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"apiKeys":[{"id":"a"}],"nextPageToken":"same"}`)
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL)
	n := 0
	var last error
	for _, err := range c.APIKeys().List(ctxT(t), yandex.ListAPIKeysRequest{}) {
		n++
		last = err
		if n > 10 {
			t.Fatal("endless listing")
		}
	}
	if last == nil || !strings.Contains(last.Error(), "repeated a page token") {
		t.Fatalf("last = %v", last)
	}
}

func TestListScopesBothPaths(t *testing.T) {
	tests := []struct {
		name      string
		paths     yandextest.ScopesPaths
		notFounds int // 404s seen by the server over two calls
	}{
		{"current path", yandextest.ScopesCurrentOnly, 0},
		{"both paths", yandextest.ScopesBoth, 0},
		{"legacy path after 404, remembered", yandextest.ScopesLegacyOnly, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpt{srv: []func(*yandextest.Options){func(o *yandextest.Options) { o.ScopesPaths = tc.paths }}})
			ctx := ctxT(t)
			for range 2 {
				var scopes []string
				for s, err := range e.client.APIKeys().ListScopes(ctx, yandex.PageRequest{PageSize: 7}) {
					if err != nil {
						t.Fatal(err)
					}
					scopes = append(scopes, s)
				}
				if !slices.Equal(scopes, yandextest.DefaultScopes) {
					t.Fatalf("scopes = %v", scopes)
				}
			}
			if n := e.srv.Calls("NotFound"); n != tc.notFounds {
				t.Fatalf("server saw %d 404s, want %d", n, tc.notFounds)
			}
			// 20 scopes in pages of 7 = 3 pages, twice.
			if n := e.srv.Calls("ApiKeyService/ListScopes"); n != 6 {
				t.Fatalf("ListScopes calls = %d, want 6", n)
			}
		})
	}
}

// captured records the requests a raw loopback server received.
type captured struct {
	mu   sync.Mutex
	reqs []capturedReq
}

type capturedReq struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func (c *captured) add(r *http.Request) capturedReq {
	b, _ := io.ReadAll(r.Body)
	cr := capturedReq{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), b}
	c.mu.Lock()
	c.reqs = append(c.reqs, cr)
	c.mu.Unlock()
	return cr
}

func (c *captured) all() []capturedReq {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]capturedReq(nil), c.reqs...)
}

// rawClient is a client of a hand-written loopback server.
func rawClient(t *testing.T, url string, optFns ...func(*yandex.Options)) *yandex.Client {
	t.Helper()
	opts := append([]func(*yandex.Options){func(o *yandex.Options) {
		o.Endpoint, o.OperationEndpoint = url, url
		o.PollInterval = time.Millisecond
	}}, optFns...)
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t1.raw-test-token"}), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUpdateMaskPerFieldCombination(t *testing.T) {
	var cap captured
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cap.add(r)
		fmt.Fprint(w, `{"id":"op","done":true,"response":{"@type":"type.googleapis.com/yandex.cloud.iam.v1.ApiKey","id":"k1"}}`)
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	desc, scopes := ptr("d"), []string{"yc.postbox.send"}
	tests := []struct {
		name string
		req  yandex.UpdateAPIKeyRequest
		mask string
		keys []string
	}{
		{"description", yandex.UpdateAPIKeyRequest{Description: desc}, "description", []string{"description"}},
		{"scopes", yandex.UpdateAPIKeyRequest{Scopes: scopes}, "scopes", []string{"scopes"}},
		{"expiresAt", yandex.UpdateAPIKeyRequest{ExpiresAt: &exp}, "expiresAt", []string{"expiresAt"}},
		{"description+scopes", yandex.UpdateAPIKeyRequest{Description: desc, Scopes: scopes}, "description,scopes", []string{"description", "scopes"}},
		{"description+expiresAt", yandex.UpdateAPIKeyRequest{Description: desc, ExpiresAt: &exp}, "description,expiresAt", []string{"description", "expiresAt"}},
		{"scopes+expiresAt", yandex.UpdateAPIKeyRequest{Scopes: scopes, ExpiresAt: &exp}, "scopes,expiresAt", []string{"scopes", "expiresAt"}},
		{"all", yandex.UpdateAPIKeyRequest{Description: desc, Scopes: scopes, ExpiresAt: &exp}, "description,scopes,expiresAt", []string{"description", "scopes", "expiresAt"}},
		{"empty description", yandex.UpdateAPIKeyRequest{Description: ptr("")}, "description", []string{"description"}},
		{"clear expiry", yandex.UpdateAPIKeyRequest{ExpiresAt: ptr(time.Time{})}, "expiresAt", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(cap.all())
			req := tc.req
			req.ID = "k1"
			if _, err := c.APIKeys().Update(ctxT(t), req); err != nil {
				t.Fatal(err)
			}
			reqs := cap.all()[n:]
			if len(reqs) != 1 || reqs[0].method != http.MethodPatch || reqs[0].path != "/iam/v1/apiKeys/k1" {
				t.Fatalf("requests = %+v", reqs)
			}
			var body map[string]any
			if err := json.Unmarshal(reqs[0].body, &body); err != nil {
				t.Fatal(err)
			}
			if body["updateMask"] != tc.mask {
				t.Fatalf("updateMask = %v, want %q", body["updateMask"], tc.mask)
			}
			var keys []string
			for k := range body {
				if k != "updateMask" {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			want := slices.Clone(tc.keys)
			slices.Sort(want)
			if !slices.Equal(keys, want) {
				t.Fatalf("body fields = %v, want %v", keys, want)
			}
			if v, ok := body["expiresAt"]; ok && v != exp.Format(time.RFC3339) {
				t.Fatalf("expiresAt = %v", v)
			}
		})
	}
	if _, err := c.APIKeys().Update(ctxT(t), yandex.UpdateAPIKeyRequest{ID: "k1"}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("empty update = %v, want ErrInvalidArgument", err)
	}
}

func TestCreateAPIKeyBadInput(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint("yc.scope", i)
	}
	tests := []struct {
		name string
		req  yandex.CreateAPIKeyRequest
		want string
	}{
		{"101 scopes", yandex.CreateAPIKeyRequest{Scopes: many}, "scopes: 101 given"},
		{"duplicate scopes", yandex.CreateAPIKeyRequest{Scopes: []string{"a", "b", "a"}}, "scopes[2]"},
		{"empty scope", yandex.CreateAPIKeyRequest{Scopes: []string{""}}, "scopes[0] is empty"},
		{"expiry in the past", yandex.CreateAPIKeyRequest{ExpiresAt: start.Add(-time.Second)}, "not in the future"},
		{"expiry now", yandex.CreateAPIKeyRequest{ExpiresAt: start}, "not in the future"},
		{"expiry beyond 2105", yandex.CreateAPIKeyRequest{ExpiresAt: time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)}, "after the latest allowed expiry"},
		{"long description", yandex.CreateAPIKeyRequest{Description: strings.Repeat("я", 257)}, "description is 257 characters"},
		{"long service account", yandex.CreateAPIKeyRequest{ServiceAccountID: strings.Repeat("a", 51)}, "serviceAccountId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.APIKeys().Create(ctx, tc.req)
			if !errors.Is(err, iam.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidArgument mentioning %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "ApiKeyService/Create") {
				t.Errorf("error does not name the call: %v", err)
			}
		})
	}
	// Exactly 100 unique scopes and 256 characters are fine for the client;
	// the limit is the only check.
	if _, err := e.client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Scopes: many[:100], Description: strings.Repeat("я", 256),
		ExpiresAt: yandex.MaxExpiresAt}); err != nil {
		t.Fatalf("limits themselves refused: %v", err)
	}
	// Update checks too.
	for _, req := range []yandex.UpdateAPIKeyRequest{
		{Scopes: []string{}},
		{Scopes: many},
		{Description: ptr(strings.Repeat("x", 300))},
		{ExpiresAt: ptr(start.Add(-time.Hour))},
	} {
		req.ID = "k"
		if _, err := e.client.APIKeys().Update(ctx, req); !errors.Is(err, iam.ErrInvalidArgument) {
			t.Errorf("Update(%+v) = %v, want ErrInvalidArgument", req, err)
		}
	}
	if c, u := e.srv.Calls("ApiKeyService/Create"), e.srv.Calls("ApiKeyService/Update"); c != 1 || u != 0 {
		t.Fatalf("bad input reached the server: %d creates, %d updates", c, u)
	}
}

func TestEmptyIDsRefusedBeforeCall(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	c := e.client
	calls := map[string]func() error{
		"APIKeys.Get": func() error { _, err := c.APIKeys().Get(ctx, ""); return err },
		"APIKeys.Update": func() error {
			_, err := c.APIKeys().Update(ctx, yandex.UpdateAPIKeyRequest{ID: " ", Description: ptr("")})
			return err
		},
		"APIKeys.Delete": func() error { return c.APIKeys().Delete(ctx, "") },
		"APIKeys.ListOps": func() error {
			_, err := c.APIKeys().ListOperationsPage(ctx, yandex.ListOperationsRequest{ResourceID: ""})
			return err
		},
		"AccessKeys.Get": func() error { _, err := c.AccessKeys().Get(ctx, ""); return err },
		"AccessKeys.Update": func() error {
			_, err := c.AccessKeys().Update(ctx, yandex.UpdateAccessKeyRequest{ID: "", Description: "d"})
			return err
		},
		"AccessKeys.Delete": func() error { return c.AccessKeys().Delete(ctx, "") },
		"AccessKeys.ListOps": func() error {
			_, err := c.AccessKeys().ListOperationsPage(ctx, yandex.ListOperationsRequest{ResourceID: ""})
			return err
		},
		"KeyManager.GetKey":    func() error { _, err := keyManager(t, c, "").GetKey(ctx, ""); return err },
		"KeyManager.DeleteKey": func() error { return keyManager(t, c, "").DeleteKey(ctx, "") },
		"KeyManager.UpdateKey": func() error { _, err := keyManager(t, c, "").UpdateKey(ctx, "", iam.UpdateKeyRequest{}); return err },
		"Operations.Cancel":    func() error { _, err := c.Operations().Cancel(ctx, ""); return err },
		"Keys.Get":             func() error { _, err := c.Keys().Get(ctx, ""); return err },
		"Keys.Update": func() error {
			_, err := c.Keys().Update(ctx, yandex.UpdateKeyRequest{ID: "", Description: "d"})
			return err
		},
		"Keys.Delete": func() error { return c.Keys().Delete(ctx, "") },
		"Keys.ListOps": func() error {
			_, err := c.Keys().ListOperationsPage(ctx, yandex.ListOperationsRequest{ResourceID: ""})
			return err
		},
		"Operations.Get":  func() error { _, err := c.Operations().Get(ctx, ""); return err },
		"Operations.Wait": func() error { _, err := c.Operations().Wait(ctx, &yandex.Operation{}); return err },
		"ID with slash":   func() error { _, err := c.APIKeys().Get(ctx, "a/../b"); return err },
		"page size": func() error {
			_, err := c.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 1001}})
			return err
		},
	}
	for name, f := range calls {
		if err := f(); !errors.Is(err, iam.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	if n := e.srv.Calls(""); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestCreateRetriedAcrossLostAnswerMakesOneKey(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	// The first answer is lost after the key was made; the retry carries
	// the same Idempotency-Key and gets the original answer.
	e.srv.LoseResponses("ApiKeyService/Create", 1)
	created, err := e.client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: "once"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.client.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != created.APIKey.ID {
		t.Fatalf("keys after a retried create: %+v", page.Items)
	}
	st := e.srv.Stats()
	if st.LostResponses != 1 || st.Replays != 1 || e.srv.Calls("ApiKeyService/Create") != 2 {
		t.Fatalf("stats = %+v, creates %d", st, e.srv.Calls("ApiKeyService/Create"))
	}
	if _, err := e.srv.CheckAPIKey("Api-Key "+created.Secret.Reveal(), ""); err != nil {
		t.Fatalf("the replayed secret does not work: %v", err)
	}

	// A 503 before processing (an injected fault) is retried too.
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: "AccessKeyService/Create"})
	if _, err := e.client.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{}); err != nil {
		t.Fatal(err)
	}
	if ak, _ := keyManager(t, e.client, "").ListKeys(ctx); len(ak) != 1 {
		t.Fatalf("access keys = %d, want 1", len(ak))
	}
}
