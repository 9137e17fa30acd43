package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEmulate(t *testing.T) {
	for _, cloud := range []string{"nebius", "yandex", "outscale"} {
		t.Run(cloud, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cache := filepath.Join(t.TempDir(), "cache.json")
			if err := run(context.Background(), []string{"-emulate", "-cloud", cloud, "-cache", cache}, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			var out Output
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("stdout is not the credential_process JSON: %v\n%s", err, stdout.String())
			}
			if out.Version != 1 || out.AccessKeyID == "" || out.SecretAccessKey == "" {
				t.Fatalf("output = %+v", out)
			}
			if out.Expiration == "" {
				t.Fatal("no Expiration: the AWS SDK would never call the helper again to rotate")
			}
			exp, err := time.Parse(time.RFC3339, out.Expiration)
			if err != nil || !exp.After(time.Now()) {
				t.Fatalf("Expiration %q: %v", out.Expiration, err)
			}
			if strings.Contains(stderr.String(), out.SecretAccessKey) {
				t.Fatal("the secret reached stderr")
			}
			st, err := os.Stat(cache)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("cache file: %v %v", err, st)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.json")
	os.WriteFile(badConfig, []byte(`{"cloud":"nebius","unknown_field":1}`), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "-cloud is required"},
		{[]string{"-cloud", "aws"}, `-cloud "aws"`},
		{[]string{"-cloud", "nebius"}, "nebius needs -credentials"},
		{[]string{"-cloud", "yandex"}, "yandex needs -key-file"},
		{[]string{"-cloud", "yandex", "-lifetime", "1h", "-rotate-before", "2h"}, "RotateBefore (2h0m0s) must be shorter than Lifetime (1h0m0s)"},
		{[]string{"-lifetime", "soon"}, `lifetime "soon"`},
		{[]string{"-config", badConfig}, "unknown field"},
		{[]string{"-config", filepath.Join(dir, "missing.json")}, "reading -config"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(tc.args, "-cache", filepath.Join(dir, "c.json")), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: printed %q on failure", tc.args, stdout.String())
		}
	}
}
