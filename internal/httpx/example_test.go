package httpx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/internal/httpx"
)

// A throttled first answer is retried; the caller sees the final response.
func ExampleClient_Do() {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()

	c := httpx.New(func(o *httpx.Options) {
		o.MaxAttempts = 3
		o.BaseDelay = time.Millisecond
	})
	resp, err := c.Do(context.Background(), &httpx.Request{
		Op:     "Example",
		Method: http.MethodPost,
		URL:    srv.URL + "/v1/things",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"name":"a"}`),
		Retry:  httpx.RetryUnprocessed,
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.StatusCode, string(resp.Body), "after", resp.Attempts, "attempts")
	// Output: 200 {"ok":true} after 2 attempts
}

// Sign runs before every attempt, so each one carries a fresh signature.
func ExampleRequest_sign() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("X-Signature"))
	}))
	defer srv.Close()

	resp, err := httpx.New().Do(context.Background(), &httpx.Request{
		Op:  "Signed",
		URL: srv.URL,
		Sign: func(r *http.Request, body []byte) error {
			r.Header.Set("X-Signature", fmt.Sprintf("len=%d", len(body)))
			return nil
		},
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(string(resp.Body))
	// Output: len=0
}
