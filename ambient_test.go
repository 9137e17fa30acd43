package iamkit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// TestMain refuses, and reports, every dial of a default chain (metadata
// probes and requests, token exchanges) to an address that is not
// loopback: no test of this package may send a packet to 169.254.169.254,
// metadata.nebius.internal or a real cloud.
func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	code := m.Run()
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: a default-chain run dialled addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}

// TestEveryChainListsItsSourcesWhenNothingIsFound runs the default chain
// of each cloud with nothing configured (an empty HOME, no variables) and
// the metadata addresses at a closed loopback port (OUTSCALE has no
// metadata source): each fails with one
// *auth.NoCredentialsError that lists every source of that cloud, in
// order, with why it was skipped, and matches auth.ErrNoCredentials.
func TestEveryChainListsItsSourcesWhenNothingIsFound(t *testing.T) {
	closed := loopbacktest.Refused(t)
	home := t.TempDir()
	env := map[string]string{
		"HOME":                              home,
		"IAMKIT_NEBIUS_METADATA_URL":        "http://" + closed,
		"IAMKIT_NEBIUS_METADATA_TOKEN_FILE": filepath.Join(home, "cloud-metadata", "token"),
		"YC_METADATA_ADDR":                  closed,
	}
	// Every chain finds its default file under the HOME of its Getenv; the
	// process's HOME points elsewhere to prove it.
	t.Setenv("HOME", t.TempDir())
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	type want struct{ kind, name, why string }
	for _, tc := range []struct {
		cloud iam.Provider
		load  func() error
		want  []want
	}{
		{iam.Nebius, func() error {
			_, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) { o.Getenv = getenv })
			return err
		}, []want{
			{auth.SourceEnv, "NEBIUS_IAM_TOKEN", "not set"},
			{auth.SourceProfile, filepath.Join(home, ".nebius", "config.yaml"), "no such file"},
			{auth.SourceMetadata, "http://" + closed + "/v1/iam/sa/token", "no metadata service at " + closed},
			{auth.SourceTokenFile, env["IAMKIT_NEBIUS_METADATA_TOKEN_FILE"], "no such file"},
		}},
		{iam.Yandex, func() error {
			_, err := yandex.LoadDefaultConfig(ctx, func(o *yandex.LoadOptions) { o.Getenv = getenv })
			return err
		}, []want{
			{auth.SourceEnv, "YC_IAM_TOKEN, YC_TOKEN", "not set"},
			{auth.SourceKeyFile, "YC_SERVICE_ACCOUNT_KEY_FILE", "not set"},
			{auth.SourceProfile, filepath.Join(home, ".config", "yandex-cloud", "config.yaml"), "no such file"},
			{auth.SourceMetadata, "http://" + closed + "/computeMetadata/v1/instance/service-accounts/default/token", "no metadata service at " + closed},
		}},
		{iam.Outscale, func() error {
			_, err := outscale.LoadDefaultConfig(ctx, func(o *outscale.LoadOptions) { o.Getenv = getenv })
			return err
		}, []want{
			{auth.SourceEnv, "OSC_ACCESS_KEY, OSC_SECRET_KEY", "not set"},
			{auth.SourceEnv, "OSC_LOGIN, OSC_PASSWORD", "not set"},
			{auth.SourceProfile, filepath.Join(home, ".osc", "config.json"), "no such file"},
		}},
	} {
		start := time.Now()
		err := tc.load()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: the chain took %v with nothing configured", tc.cloud, d)
		}
		var nc *auth.NoCredentialsError
		if !errors.As(err, &nc) || !errors.Is(err, auth.ErrNoCredentials) || nc.Provider != tc.cloud {
			t.Errorf("%s: err = %v, want a NoCredentialsError of %s", tc.cloud, err, tc.cloud)
			continue
		}
		if len(nc.Tried) != len(tc.want) {
			t.Errorf("%s: tried %d sources %v, want %d", tc.cloud, len(nc.Tried), nc.Tried, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			s := nc.Tried[i]
			if s.Kind != w.kind || s.Name != w.name || !strings.Contains(s.Detail, w.why) {
				t.Errorf("%s: tried[%d] = %v, want %s %s (%s…)", tc.cloud, i, s, w.kind, w.name, w.why)
			}
			if !strings.Contains(err.Error(), s.String()) {
				t.Errorf("%s: the error %q does not list %v", tc.cloud, err, s)
			}
		}
	}
}

// chainCall matches a call of a default chain or of a metadata source.
var chainCall = regexp.MustCompile(`\b(nebius|yandex|outscale)\.LoadDefaultConfig\(|\bMetadataTokenSource\(|\bProbeMetadata\(`)

// TestEveryChainTestPackageGuardsItsDials: every package of the module
// whose code or tests run a default chain or a metadata source has a
// TestMain that installs chaindial.Guard, so that a test that forgot an
// address override fails instead of reaching a real metadata service or
// cloud.
func TestEveryChainTestPackageGuardsItsDials(t *testing.T) {
	uses := map[string]string{} // dir → a file that runs a chain
	guarded := map[string]bool{}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // a nested module
				}
			}
			if strings.HasPrefix(d.Name(), ".") && p != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dir := filepath.Dir(p)
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "//") {
				continue
			}
			if chainCall.MatchString(line) {
				uses[dir] = p
			}
			if strings.HasSuffix(p, "_test.go") && strings.Contains(line, "chaindial.Guard()") {
				guarded[dir] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) < 6 {
		t.Fatalf("found only %d packages running a chain (%v): the search is broken", len(uses), uses)
	}
	for dir, file := range uses {
		if !guarded[dir] && dir != "internal/chaindial" {
			t.Errorf("%s runs a default chain or a metadata source (%s) but no TestMain of it calls chaindial.Guard()", dir, file)
		}
	}
}
