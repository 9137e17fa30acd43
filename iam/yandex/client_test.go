package yandex_test

import (
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/yandex"
)

func TestNewOptionValidation(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})
	tests := []struct {
		name string
		fn   func(*yandex.Options)
		want string
	}{
		{"plain http to a remote host", func(o *yandex.Options) { o.Endpoint = "http://iam.api.cloud.yandex.net" }, "plain http"},
		{"not a URL", func(o *yandex.Options) { o.OperationEndpoint = "operation.api.cloud.yandex.net" }, "OperationEndpoint"},
		{"query", func(o *yandex.Options) { o.Endpoint = "https://x.example/?a=b" }, "query"},
		{"user info", func(o *yandex.Options) { o.Endpoint = "https://u:p@x.example" }, "user info"},
		{"bad service account", func(o *yandex.Options) { o.ServiceAccountID = "a/b" }, "ServiceAccountID"},
		{"negative attempts", func(o *yandex.Options) { o.MaxAttempts = -1 }, "MaxAttempts"},
		{"negative poll", func(o *yandex.Options) { o.PollInterval = -1 }, "PollInterval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := yandex.New(ts, tc.fn)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := yandex.New(nil); err == nil {
		t.Fatal("nil token source accepted")
	}
	for _, ok := range []string{"https://iam.api.cloud.yandex.net/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"} {
		if _, err := yandex.New(ts, func(o *yandex.Options) { o.Endpoint = ok }); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	if _, err := yandex.New(ts, nil, func(o *yandex.Options) { o.HTTPClient = http.DefaultClient }); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoverEndpoints(t *testing.T) {
	e := newEnv(t, envOpt{})
	eps, err := yandex.DiscoverEndpoints(ctxT(t), e.srv.URL+"/endpoints", nil)
	if err != nil {
		t.Fatal(err)
	}
	if eps.IAM != e.srv.URL || eps.Operation != e.srv.URL {
		t.Fatalf("endpoints = %+v, want %s", eps, e.srv.URL)
	}
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.srv.IssueToken("x")}), eps.Apply)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIKeys.ListPage(ctxT(t), yandex.ListAPIKeysRequest{}); err != nil {
		t.Fatalf("client on discovered endpoints: %v", err)
	}
	if _, err := yandex.DiscoverEndpoints(ctxT(t), e.srv.URL+"/nothing-here", nil); err == nil {
		t.Fatal("404 discovery accepted")
	}
	if _, err := yandex.DiscoverEndpoints(ctxT(t), "not a url", nil); err == nil {
		t.Fatal("bad URL accepted")
	}
}

// TestNoGRPCDependency keeps iam/yandex free of gRPC, so that a Yandex-only
// user does not build it.
func TestNoGRPCDependency(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "google.golang.org/grpc") || strings.HasPrefix(dep, "google.golang.org/genproto") {
			t.Fatalf("iam/yandex depends on %s", dep)
		}
	}
}
