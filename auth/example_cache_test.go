package auth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// A Cache wraps any Exchanger; here a function stands in for the token
// service. The second call is served from the cache.
func ExampleNewCache() {
	calls := 0
	exchange := auth.ExchangerFunc(func(ctx context.Context) (auth.Token, error) {
		calls++
		return auth.Token{Value: iam.NewSecret("t1.secret-token"), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	})
	cache, err := auth.NewCache(exchange)
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	ctx := context.Background()
	tok, _ := cache.AccessToken(ctx)
	tok, _ = cache.AccessToken(ctx)
	fmt.Println("token:", tok.Value, "exchanges:", calls)
	// Output: token: REDACTED exchanges: 1
}

// Transport authorizes every request with a token from the cache.
func ExampleNewTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t1.secret-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "hello, authorized caller")
	}))
	defer srv.Close()

	src, _ := auth.NewStaticTokenSource(iam.NewSecret("t1.secret-token"), time.Time{})
	client := &http.Client{Transport: auth.NewTransport(src, nil)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 hello, authorized caller
}

// NewClient puts the cache's token on every request, bounds the wait for a
// token by the request's context, and after a 401 sends the request once
// more with a fresh token: here the server has revoked the first token.
// (oauth2.NewClient with the same cache would return the 401.)
func ExampleNewClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t1.second" {
			w.WriteHeader(http.StatusUnauthorized) // t1.first was revoked
			return
		}
		io.WriteString(w, "hello, authorized caller")
	}))
	defer srv.Close()

	tokens := []string{"t1.first", "t1.second"}
	exchanges := 0
	cache, err := auth.NewCache(auth.ExchangerFunc(func(ctx context.Context) (auth.Token, error) {
		tok := tokens[exchanges]
		exchanges++
		return auth.Token{Value: iam.NewSecret(tok), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	}))
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	client := auth.NewClient(cache)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		panic(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body), "exchanges:", exchanges)
	// Output: 200 hello, authorized caller exchanges: 2
}
