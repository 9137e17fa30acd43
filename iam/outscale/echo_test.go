package outscale_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestErrorScrubsEchoedAuthorization: a server that echoes the request's
// Authorization value (its SigV4 signature, or the Basic credentials) in
// its error body, in each of the body forms the client reads (the OSC
// ErrorResponse, problem+json, raw text), does not get it into the
// error's text. The signature is not a secret the client holds (it
// changes with every request), so only a credential-shape scrub finds it.
func TestErrorScrubsEchoedAuthorization(t *testing.T) {
	bodies := map[string]struct {
		contentType string
		body        func(auth string) string
	}{
		"ErrorResponse": {"application/json", func(a string) string {
			return fmt.Sprintf(`{"Errors":[{"Code":"1","Type":"AccessDenied","Details":%q}],"ResponseContext":{"RequestId":"r-1"}}`, "refused "+a)
		}},
		"problem+json": {"application/problem+json", func(a string) string {
			return fmt.Sprintf(`{"title":"refused","detail":%q,"status":401}`, "header was "+a)
		}},
		"raw": {"text/plain", func(a string) string { return "401 refused, Authorization: " + a }},
	}
	sigHex := regexp.MustCompile(`Signature=([0-9a-f]{64})`)
	for name, b := range bodies {
		t.Run(name, func(t *testing.T) {
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a := r.Header.Get("Authorization")
				seen = append(seen, a)
				w.Header().Set("Content-Type", b.contentType)
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, b.body(a))
			}))
			defer srv.Close()
			for auth, fn := range map[string]func(*outscale.Options){
				"SigV4": func(o *outscale.Options) {
					o.AccessKey, o.SecretKey = "AKECHOECHOECHOECHO01", iam.NewSecret("echo-secret")
				},
				"Basic": func(o *outscale.Options) { o.Login, o.Password = "echo@example.com", iam.NewSecret("echo-password") },
			} {
				seen = nil
				c, err := outscale.New(fn, func(o *outscale.Options) { o.Endpoint = srv.URL + "/api/v1"; o.MaxAttempts = 1 })
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
				_ = c.Close()
				if err == nil || len(seen) != 1 {
					t.Fatalf("%s: err %v after %d requests; want one refused request", auth, err, len(seen))
				}
				text := err.Error()
				leaked := []string{}
				if m := sigHex.FindStringSubmatch(seen[0]); m != nil && strings.Contains(text, m[1]) {
					leaked = append(leaked, "signature "+m[1])
				}
				if cred, ok := strings.CutPrefix(seen[0], "Basic "); ok && strings.Contains(text, cred) {
					leaked = append(leaked, "Basic credentials "+cred)
				}
				if len(leaked) > 0 {
					t.Errorf("%s: error text keeps the echoed %s: %s", auth, strings.Join(leaked, ", "), text)
				}
				if !strings.Contains(text, iam.Redacted) {
					t.Errorf("%s: error text %q does not say what was removed", auth, text)
				}
			}
		})
	}
}

// TestErrorScrubsBareEchoedSignature: S3-style servers echo the signature
// they were sent without its label (SignatureProvided), and may put it in
// the request ID; neither reaches the error's text. Each attempt's own
// signature is scrubbed exactly (it is not a secret the client holds, and
// a bare hex string has no shape a pattern could tell from an ID).
func TestErrorScrubsBareEchoedSignature(t *testing.T) {
	sigHex := regexp.MustCompile(`Signature=([0-9a-f]{64})`)
	var sigs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := sigHex.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil {
			t.Errorf("no signature in %q", r.Header.Get("Authorization"))
			return
		}
		sigs = append(sigs, m[1])
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"Errors":[{"Code":"1","Type":"AccessDenied","Details":"SignatureProvided: %s"}],"ResponseContext":{"RequestId":"sig:%s"}}`, m[1], m[1])
	}))
	defer srv.Close()
	c, err := outscale.New(func(o *outscale.Options) {
		o.AccessKey, o.SecretKey = "AKECHOECHOECHOECHO02", iam.NewSecret("echo-secret-2")
		o.Endpoint = srv.URL + "/api/v1"
		o.MaxAttempts = 1
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
	if err == nil || len(sigs) != 1 {
		t.Fatalf("err = %v after %d attempts, want an error after 1", err, len(sigs))
	}
	text := fmt.Sprintf("%v %+v %#v", err, err, err)
	var e *iam.Error
	if errors.As(err, &e) {
		text += e.RequestID + e.Message
	}
	for i, sig := range sigs {
		if strings.Contains(text, sig) {
			t.Errorf("the error keeps attempt %d's echoed bare signature %s…: %v", i+1, sig[:12], err)
		}
	}
}
