package httpx

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

// TestObserveSeesEveryAttempt checks the Observe hook: one call per
// attempt, with its status and whether a retry follows.
func TestObserveSeesEveryAttempt(t *testing.T) {
	s := newStatusServer(t, 503, 429, 200)
	c := New(fast)
	var got []string
	resp, err := c.Do(context.Background(), &Request{Op: "Test", URL: s.URL, Retry: RetryIdempotent,
		Observe: func(attempt, status int, err error, retrying bool) {
			got = append(got, fmt.Sprintf("%d:%d:%v:%v", attempt, status, err != nil, retrying))
		}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Do: %v %v", resp, err)
	}
	want := []string{"1:503:false:true", "2:429:false:true", "3:200:false:false"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Observe calls %q, want %q", got, want)
	}
}

// TestObserveLastAttemptNotRetried checks that the last allowed attempt
// is reported without a retry, and a transport error with its error.
func TestObserveLastAttemptNotRetried(t *testing.T) {
	c := New(fast, func(o *Options) { o.MaxAttempts = 2 })
	var got []string
	_, err := c.Do(context.Background(), &Request{Op: "Test", URL: "http://127.0.0.1:1/", Retry: RetryIdempotent,
		Observe: func(attempt, status int, err error, retrying bool) {
			got = append(got, fmt.Sprintf("%d:%d:%v:%v", attempt, status, err != nil, retrying))
		}})
	if err == nil {
		t.Fatal("Do to a closed port succeeded")
	}
	want := []string{"1:0:true:true", "2:0:true:false"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Observe calls %q, want %q", got, want)
	}
}
