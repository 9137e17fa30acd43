package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkDo is one successful call through the default client (its own
// pool, the attempt timeout) and through a caller's client without a
// Timeout, against a loopback server.
func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	for name, c := range map[string]*Client{
		"default":           New(),
		"caller-no-timeout": New(func(o *Options) { o.HTTPClient = &http.Client{Transport: tr} }),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			req := &Request{Op: "Bench", URL: srv.URL}
			for b.Loop() {
				if _, err := c.Do(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
		c.CloseIdleConnections()
	}
}
