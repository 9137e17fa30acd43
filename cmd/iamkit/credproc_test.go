package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// credentials parses a credential-process run's stdout and checks it: the
// JSON the AWS tools read, its Expiration more than 15 minutes ahead and
// not after the key's expiry at the emulator, the key accepted by S3.
func (w *world) credentials(t *testing.T, cloud iam.Provider, r result) credentialOutput {
	t.Helper()
	r.requireExit(t, exitOK)
	var out credentialOutput
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil || out.Version != 1 || out.AccessKeyID == "" || out.SecretAccessKey == "" {
		t.Fatalf("stdout is not the credential_process JSON (%v)\n%s", err, r)
	}
	if strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("stdout has more than the JSON line:\n%s", r)
	}
	w.addSecret(out.SecretAccessKey)
	w.requireNoSecret(t, "stderr", r.stderr)
	exp, err := time.Parse(time.RFC3339, out.Expiration)
	if err != nil {
		t.Fatalf("Expiration %q: %v", out.Expiration, err)
	}
	if ahead := time.Until(exp); ahead <= 15*time.Minute {
		t.Errorf("Expiration %s is %v ahead: the AWS tools would refresh before every request", out.Expiration, ahead.Round(time.Second))
	}
	k, ok := w.key(t, cloud, out.AccessKeyID)
	if !ok {
		t.Fatalf("the printed key %s is not in the account", out.AccessKeyID)
	}
	if k.State != iam.StateActive && k.State != iam.StateUnspecified {
		t.Errorf("the printed key %s is %s", out.AccessKeyID, k.State)
	}
	if !k.ExpiresAt.IsZero() && exp.After(k.ExpiresAt) {
		t.Errorf("Expiration %s is after the key's expiry %s", out.Expiration, k.ExpiresAt.UTC().Format(time.RFC3339))
	}
	// The key signs S3 requests the emulator accepts.
	region := map[iam.Provider]string{iam.Nebius: nebiusRegion, iam.Yandex: yandexRegion, iam.Outscale: outscaleRegion}[cloud]
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken}, nil
	})
	client, err := s3client.New(cloud, region, creds, w.s3.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("S3 refused the printed key: %v", err)
	}
	return out
}

// stateFiles lists the default state files under the sandbox's cache.
func (sb *sandbox) stateFiles(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(sb.dirs["cache"], "iamkit", "credential-process", "*", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCredentialProcess: for each cloud, repeated runs with the default
// state share one key (one create at the emulator), in one state file per
// account under the user cache directory, mode 0600; nothing on stderr.
func TestCredentialProcess(t *testing.T) {
	w := newWorld(t)
	for _, cloud := range allClouds {
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			args := append([]string{"credential-process"}, w.args(cloud)...)
			before := w.creates(cloud)
			var first credentialOutput
			for i := range 3 {
				r := sb.run(t, w, args...)
				out := w.credentials(t, cloud, r)
				if r.stderr != "" {
					t.Errorf("run %d wrote to stderr:\n%s", i+1, r.stderr)
				}
				if i == 0 {
					first = out
				} else if out.AccessKeyID != first.AccessKeyID {
					t.Errorf("run %d printed key %s, not the first run's %s", i+1, out.AccessKeyID, first.AccessKeyID)
				}
				t.Logf("run %d: %v", i+1, r.took.Round(time.Millisecond))
			}
			if n := w.creates(cloud) - before; n != 1 {
				t.Errorf("%d keys created for three runs, want 1", n)
			}
			files := sb.stateFiles(t)
			if len(files) != 1 || !strings.Contains(filepath.Base(filepath.Dir(files[0])), string(cloud)+"-") {
				t.Fatalf("state files %v, want one under cache/iamkit/credential-process/%s-…", files, cloud)
			}
			if st, err := os.Stat(files[0]); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
				t.Errorf("state file %s: %v, mode %v", files[0], err, st.Mode())
			}
			// Another description is another family of keys: another file.
			w.credentials(t, cloud, sb.run(t, w, append(args, "--description", "other-family")...))
			if n := len(sb.stateFiles(t)); n != 2 {
				t.Errorf("%d state files after a run with another --description, want 2", n)
			}
		})
	}
}

// TestCredentialProcessConcurrent: concurrent runs on a fresh state create
// one key and all print it.
func TestCredentialProcessConcurrent(t *testing.T) {
	w := newWorld(t)
	const runs = 8
	for _, cloud := range allClouds {
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			before := w.creates(cloud)
			args := append([]string{"credential-process"}, w.args(cloud)...)
			results := sb.runConcurrently(t, w, runs, args...)
			ids := map[string]bool{}
			for _, r := range results {
				ids[w.credentials(t, cloud, r).AccessKeyID] = true
			}
			if len(ids) != 1 {
				t.Errorf("%d concurrent runs printed %d keys, want 1", runs, len(ids))
			}
			if n := w.creates(cloud) - before; n != 1 {
				t.Errorf("%d concurrent runs created %d keys, want 1", runs, n)
			}
		})
	}
}

// TestCredentialProcessRotatesEarly: when the current key's credentials
// are due to change within 15 minutes (here: a key created with a 50
// minute lifetime, under a policy that rotates 40 minutes before the end),
// the run rotates at once instead of printing an Expiration the AWS tools
// would refresh before every request; the old key is left alive, since
// its Expiration was handed out.
func TestCredentialProcessRotatesEarly(t *testing.T) {
	w := newWorld(t)
	for _, cloud := range []iam.Provider{iam.Nebius, iam.Outscale} { // clouds whose keys expire
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			args := append([]string{"credential-process"}, w.args(cloud)...)
			first := w.credentials(t, cloud, sb.run(t, w, append(args, "--lifetime", "50m", "--rotate-before", "10m")...))
			before := w.creates(cloud)
			r := sb.run(t, w, append(args, "--lifetime", "4h", "--rotate-before", "40m")...)
			second := w.credentials(t, cloud, r)
			if second.AccessKeyID == first.AccessKeyID {
				t.Fatalf("the run kept key %s, whose credentials change in 10 minutes (Expiration %s)", first.AccessKeyID, second.Expiration)
			}
			if n := w.creates(cloud) - before; n != 1 {
				t.Errorf("%d keys created by the rotating run, want 1", n)
			}
			if k, ok := w.key(t, cloud, first.AccessKeyID); !ok || k.State != iam.StateActive {
				t.Errorf("the old key %s (handed out until %s) is gone or inactive: %v %v", first.AccessKeyID, first.Expiration, ok, k.State)
			}
			// The next run reuses the new key.
			if third := w.credentials(t, cloud, sb.run(t, w, append(args, "--lifetime", "4h", "--rotate-before", "40m")...)); third.AccessKeyID != second.AccessKeyID {
				t.Errorf("the next run printed %s, not %s", third.AccessKeyID, second.AccessKeyID)
			}
		})
	}
}

// TestCredentialProcessDefaultChain: without a key flag, each cloud's
// default chain gives the credentials, and the endpoints come from the
// flags, the IAMKIT_ variables, the profiles of iamkit's configuration, or
// the cloud's own variables and profiles.
func TestCredentialProcessDefaultChain(t *testing.T) {
	w := newWorld(t)
	sb := newSandbox(t)
	// The clouds' own configuration files in the sandbox's HOME.
	home := sb.dirs["home"]
	mkfile := func(rel, text string) string {
		p := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mkfile(".nebius/config.yaml", "default: emu\nprofiles:\n  emu:\n    parent-id: "+w.nebiusSA.ProjectID+
		"\n    auth-type: service account\n    service-account-credentials-file-path: "+w.nebiusKeyFile+"\n")
	yKey, err := os.ReadFile(w.yandexKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var yKeyObj map[string]any
	if err := json.Unmarshal(yKey, &yKeyObj); err != nil {
		t.Fatal(err)
	}
	yKeyInline, _ := json.Marshal(yKeyObj)
	mkfile(".config/yandex-cloud/config.yaml", "current: emu\nprofiles:\n  emu:\n    endpoint: "+w.gateway.addr+"\n    service-account-key: "+string(yKeyInline)+"\n")
	oscConfig, err := os.ReadFile(w.writeOutscaleConfig(t, "osc-no-endpoint.json", ""))
	if err != nil {
		t.Fatal(err)
	}
	mkfile(".osc/config.json", string(oscConfig))
	iamkitConf := filepath.Join(sb.dirs["config"], "iamkit", "config.yaml")

	for _, tc := range []struct {
		name  string
		cloud iam.Provider
		env   []string
		args  []string
		conf  string // iamkit's configuration file
	}{
		{"nebius address by flag", iam.Nebius, nil, []string{"--nebius-address", "http://" + w.nebius.Addr}, ""},
		{"nebius address by variable", iam.Nebius, []string{"IAMKIT_NEBIUS_ADDRESS", "http://" + w.nebius.Addr}, nil, ""},
		{"nebius address by profile", iam.Nebius, nil, nil, "nebius-address: http://" + w.nebius.Addr},
		{"yandex endpoint of yc's profile", iam.Yandex, nil, nil, ""},
		{"yandex endpoint by flag", iam.Yandex, []string{"YC_SERVICE_ACCOUNT_KEY_FILE", w.yandexKeyFile}, []string{"--yandex-endpoint", w.gateway.addr}, ""},
		{"yandex endpoint by variable", iam.Yandex, []string{"YC_SERVICE_ACCOUNT_KEY_FILE", w.yandexKeyFile, "IAMKIT_YANDEX_ENDPOINT", w.gateway.addr}, nil, ""},
		{"yandex endpoint by profile", iam.Yandex, []string{"YC_SERVICE_ACCOUNT_KEY_FILE", w.yandexKeyFile}, nil, "yandex-endpoint: " + w.gateway.addr},
		{"outscale endpoint by flag", iam.Outscale, nil, []string{"--outscale-endpoint", w.outscale.URL}, ""},
		{"outscale endpoint by OSC_ENDPOINT_API", iam.Outscale, []string{"OSC_ENDPOINT_API", w.outscale.URL}, nil, ""},
		{"outscale endpoint by variable", iam.Outscale, []string{"IAMKIT_OUTSCALE_ENDPOINT", w.outscale.URL}, nil, ""},
		{"outscale endpoint by profile", iam.Outscale, nil, nil, "outscale-endpoint: " + w.outscale.URL},
		{"outscale endpoint of config.json", iam.Outscale, []string{"OSC_CONFIG_FILE", w.outscaleConfig}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(iamkitConf)
			if tc.conf != "" {
				if err := os.MkdirAll(filepath.Dir(iamkitConf), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(iamkitConf, []byte("profiles:\n  default:\n    "+tc.conf+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := sb.with(tc.env...).run(t, w, append([]string{"credential-process", "--cloud", string(tc.cloud)}, tc.args...)...)
			w.credentials(t, tc.cloud, r)
		})
	}
	_ = os.Remove(iamkitConf)
	// doctor says where each chain found its credentials.
	r := sb.with("IAMKIT_NEBIUS_ADDRESS", "http://"+w.nebius.Addr, "OSC_ENDPOINT_API", w.outscale.URL).run(t, w, "doctor").requireExit(t, exitOK)
	for _, want := range []string{`nebius: works`, `credentials  profile "emu"`, "yandex: works", "outscale: works", " access key"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor: no %q\n%s", want, r)
		}
	}
}

// TestCredentialProcessFailures: a run that fails says so once on stderr,
// naming the host and the cause, prints nothing on stdout, exits with its
// code, and leaves no file behind (no state, no lock, no directory).
func TestCredentialProcessFailures(t *testing.T) {
	w := newWorld(t)
	closed := loopbacktest.Refused(t)
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"nebius unreachable", []string{"--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://" + closed, "--nebius-project-id", w.nebiusSA.ProjectID},
			exitFailure, []string{"nebius at " + closed, "connection refused"}},
		{"yandex unreachable", []string{"--cloud", "yandex", "--yandex-key-file", w.yandexKeyFile, "--yandex-endpoint", closed},
			exitFailure, []string{closed, "connection refused"}},
		{"outscale unreachable", []string{"--cloud", "outscale", "--outscale-config-file", w.outscaleConfig, "--outscale-endpoint", "http://" + closed + "/api/v1"},
			exitFailure, []string{"outscale at http://" + closed, "connection refused"}},
		{"yandex token refused", []string{"--cloud", "yandex", "--yandex-key-file", w.writeFile(t, "other-key.json", otherYandexKey(t)), "--yandex-endpoint", w.gateway.addr},
			exitFailure, []string{"yandex at http://" + w.gateway.addr}},
		{"nebius bad key file", []string{"--cloud", "nebius", "--nebius-key-file", w.writeFile(t, "bad.json", []byte(`{"x": 1}`))},
			exitConfig, []string{"--nebius-key-file", "bad.json", "subject-credentials"}},
		{"yandex missing key file", []string{"--cloud", "yandex", "--yandex-key-file", filepath.Join(w.dir, "missing.json")},
			exitConfig, []string{"--yandex-key-file", "missing.json"}},
		{"nebius no credentials", []string{"--cloud", "nebius"}, exitConfig, []string{"no nebius credentials found", "NEBIUS_IAM_TOKEN", "config.yaml", "metadata"}},
		{"yandex no credentials", []string{"--cloud", "yandex"}, exitConfig, []string{"no yandex credentials found", "YC_SERVICE_ACCOUNT_KEY_FILE"}},
		{"outscale no credentials", []string{"--cloud", "outscale"}, exitConfig, []string{"no outscale credentials found", "OSC_ACCESS_KEY"}},
		{"nebius no project", []string{"--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://" + w.nebius.Addr}, exitConfig, []string{"--nebius-project-id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			r := sb.run(t, w, append([]string{"credential-process"}, tc.args...)...)
			if r.code != tc.code || r.stdout != "" {
				t.Fatalf("want exit %d and nothing on stdout\n%s", tc.code, r)
			}
			for _, want := range tc.wants {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q\n%s", want, r)
				}
			}
			if n := strings.Count(r.stderr, "\n"); n != 1 || !strings.HasPrefix(r.stderr, "iamkit credential-process: ") {
				t.Errorf("want the error once, on one line:\n%s", r)
			}
			sb.requireEmpty(t, tc.name)
		})
	}
	// A failure after earlier successes keeps the state (the key is
	// still good, and may be handed out again once the service is back).
	sb := newSandbox(t)
	w.credentials(t, iam.Outscale, sb.run(t, w, append([]string{"credential-process"}, w.args(iam.Outscale)...)...))
	keep := sb.files(t)
	r := sb.run(t, w, "credential-process", "--cloud", "outscale", "--outscale-config-file", w.outscaleConfig, "--outscale-endpoint", "http://"+closed+"/api/v1")
	if r.code != exitFailure {
		t.Errorf("want exit 1\n%s", r)
	}
	sb.requireEmpty(t, "a failing run after a good one", keep...)
	if len(sb.files(t)) != len(keep) {
		t.Errorf("files before %v, after %v", keep, sb.files(t))
	}
}

// otherYandexKey is an authorized key no emulator knows.
func otherYandexKey(t *testing.T) []byte {
	t.Helper()
	w := newWorld(t) // another registry
	data, err := os.ReadFile(w.yandexKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	m["id"] = "ajeunknownkey0000000"
	out, _ := json.Marshal(m)
	return out
}
