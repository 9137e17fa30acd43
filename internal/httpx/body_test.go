package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	const limit = 16
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		r       io.Reader
		size    int64 // announced (Content-Length), -1 unknown
		want    string
		wantErr error
	}{
		{"exact", strings.NewReader("hello"), 5, "hello", nil},
		{"exact, one byte per read", iotest.OneByteReader(strings.NewReader("hello")), 5, "hello", nil},
		{"exact, data with EOF", iotest.DataErrReader(strings.NewReader("hello")), 5, "hello", nil},
		{"empty", strings.NewReader(""), 0, "", nil},
		{"unknown size", strings.NewReader("hello"), -1, "hello", nil},
		{"longer than announced", strings.NewReader("hello world"), 5, "hello world", nil},
		{"shorter than announced", strings.NewReader("hel"), 5, "hel", nil},
		{"announced over the limit", strings.NewReader(strings.Repeat("a", 40)), 40, strings.Repeat("a", limit+1), nil},
		{"longer than announced, over the limit", strings.NewReader(strings.Repeat("a", 40)), 5, strings.Repeat("a", limit+1), nil},
		{"at the limit", strings.NewReader(strings.Repeat("a", limit)), limit, strings.Repeat("a", limit), nil},
		{"read error", io.MultiReader(strings.NewReader("he"), iotest.ErrReader(errBoom)), 5, "", errBoom},
		{"read error, unknown size", io.MultiReader(strings.NewReader("he"), iotest.ErrReader(errBoom)), -1, "", errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBody(tt.r, tt.size, limit)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("readBody = %q, %v; want %q", got, err, tt.want)
			}
			if got == nil {
				t.Error("nil body, want an empty slice")
			}
		})
	}
}

func TestCloneHeader(t *testing.T) {
	for _, h := range []http.Header{
		nil,
		{},
		{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}, "X-Nil": nil, "User-Agent": {"old"}},
	} {
		got := cloneHeader(h, "iamkit/test")
		if ua := got["User-Agent"]; len(ua) != 1 || ua[0] != "iamkit/test" {
			t.Errorf("%v: User-Agent = %q", h, ua)
		}
		for k, v := range h {
			if k == "User-Agent" {
				continue
			}
			if g, ok := got[k]; !ok || fmt.Sprint(g) != fmt.Sprint(v) || (v == nil) != (g == nil) {
				t.Errorf("%s = %q, want %q", k, g, v)
			}
		}
		if len(got) != len(h)+1-boolInt(h["User-Agent"] != nil) {
			t.Errorf("%v: clone has %d keys: %v", h, len(got), got)
		}
		// Appending to the copy leaves the original alone, and the other
		// keys' values.
		for k := range got {
			got[k] = append(got[k], "extra")
		}
		if v := h["X-Multi"]; v != nil && len(v) != 2 {
			t.Errorf("original changed: %q", v)
		}
		if v := got["Content-Type"]; v != nil && len(v) != 2 {
			t.Errorf("Content-Type = %q: shares its array with another key", v)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestKeepAlive checks that calls reuse one connection, whatever the
// status and the body framing: Do reads every body to its end and closes
// it.
func TestKeepAlive(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.WriteHeader(200)
			for range 3 {
				w.Write(bytes.Repeat([]byte("x"), 5000))
				w.(http.Flusher).Flush()
			}
		case "/404":
			http.Error(w, "no such thing", http.StatusNotFound)
		default:
			w.Write([]byte(`{"ok":true}`))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c := New(fast, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr} })
	for i := range 30 {
		path := []string{"/", "/chunked", "/404"}[i%3]
		resp, err := c.Do(t.Context(), &Request{Op: "KeepAlive", Method: http.MethodPost, URL: srv.URL + path, Body: []byte("{}"),
			Sign: func(r *http.Request, _ []byte) error { r.Header.Set("X-Sig", "s"); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if path == "/chunked" && len(resp.Body) != 15000 {
			t.Fatalf("chunked body: %d bytes", len(resp.Body))
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 30 sequential calls, want 1", n)
	}
}
