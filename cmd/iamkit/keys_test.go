package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// TestKeys: list, create, rotate and delete through each cloud's
// KeyManager, in table and JSON form; a new key's secret is printed only
// with --show-secret, once, on stdout; rotate keeps the old key unless
// asked to retire it.
func TestKeys(t *testing.T) {
	w := newWorld(t)
	for _, cloud := range allClouds {
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			keys := func(action string, more ...string) result {
				t.Helper()
				return sb.run(t, w, append(append([]string{"keys", action}, w.args(cloud)...), more...)...)
			}
			listJSON := func() []keyJSON {
				t.Helper()
				r := keys("list", "-o", "json").requireExit(t, exitOK)
				var out []keyJSON
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatalf("list -o json: %v\n%s", err, r)
				}
				w.requireNoSecret(t, "keys list", r.stdout)
				return out
			}
			has := func(ks []keyJSON, id string) bool {
				for _, k := range ks {
					if k.ID == id {
						return true
					}
				}
				return false
			}

			// create: refused without --show-secret, before any call.
			before := w.creates(cloud)
			keys("create").requireExit(t, exitUsage)
			if w.creates(cloud) != before {
				t.Fatal("create without --show-secret created a key")
			}
			r := keys("create", "--show-secret", "--description", "made-by-test", "--expires-in", "2h", "-o", "json").requireExit(t, exitOK)
			var created keyJSON
			if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created.ID == "" || created.SecretAccessKey == "" {
				t.Fatalf("create -o json: %v\n%s", err, r)
			}
			w.addSecret(created.SecretAccessKey)
			if strings.Count(r.stdout, created.SecretAccessKey) != 1 || r.stderr != "" {
				t.Errorf("the secret is not shown exactly once on stdout, or stderr is not empty:\n%s", r)
			}
			if created.Description != "made-by-test" {
				t.Errorf("description %q", created.Description)
			}
			if cloud != iam.Yandex && (created.ExpiresAt == nil || time.Until(*created.ExpiresAt) < 110*time.Minute) {
				t.Errorf("--expires-in 2h: expires_at %v", created.ExpiresAt)
			}
			if !has(listJSON(), created.ID) {
				t.Fatalf("the created key %s is not listed", created.ID)
			}

			// The table form shows the secret once, with its warning.
			r = keys("create", "--show-secret").requireExit(t, exitOK)
			if !strings.Contains(r.stdout, "ACCESS KEY ID") || !strings.Contains(r.stdout, "secret access key: ") || !strings.Contains(r.stdout, "shown once") {
				t.Errorf("create table:\n%s", r)
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if s, ok := strings.CutPrefix(line, "secret access key: "); ok {
					w.addSecret(s)
					if strings.Count(r.stdout, s) != 1 {
						t.Errorf("the secret appears %d times", strings.Count(r.stdout, s))
					}
				}
			}
			table := keys("list").requireExit(t, exitOK)
			if !strings.Contains(table.stdout, created.AccessKeyID) || !strings.HasPrefix(table.stdout, "ID ") {
				t.Errorf("list table:\n%s", table)
			}
			w.requireNoSecret(t, "keys list", table.stdout)

			// rotate without --retire: a new key like the old one, the old
			// one kept; by access key ID.
			r = keys("rotate", "--key", created.AccessKeyID, "--show-secret", "-o", "json").requireExit(t, exitOK)
			var rotated keyJSON
			if err := json.Unmarshal([]byte(r.stdout), &rotated); err != nil || rotated.SecretAccessKey == "" || rotated.ID == created.ID {
				t.Fatalf("rotate: %v\n%s", err, r)
			}
			w.addSecret(rotated.SecretAccessKey)
			if rotated.Description != "made-by-test" {
				t.Errorf("the rotated key's description is %q, not the old one's", rotated.Description)
			}
			if cloud != iam.Yandex && (rotated.ExpiresAt == nil || time.Until(*rotated.ExpiresAt) < 110*time.Minute) {
				t.Errorf("the rotated key does not have the old one's lifetime: %v", rotated.ExpiresAt)
			}
			if !strings.Contains(r.stderr, "stays active") {
				t.Errorf("rotate without --retire: %q", r.stderr)
			}
			ks := listJSON()
			if !has(ks, created.ID) || !has(ks, rotated.ID) {
				t.Fatalf("after rotate: old %s and new %s should both be listed: %+v", created.ID, rotated.ID, ks)
			}

			// rotate --retire --grace 0: the old key is deleted.
			r = keys("rotate", "--key", rotated.ID, "--show-secret", "--retire", "--grace", "0s").requireExit(t, exitOK)
			if !strings.Contains(r.stderr, "is deleted") {
				t.Errorf("rotate --retire: %q", r.stderr)
			}
			if has(listJSON(), rotated.ID) {
				t.Errorf("rotate --retire kept %s", rotated.ID)
			}

			// delete, then delete again: not found.
			r = keys("delete", "--key", created.ID).requireExit(t, exitOK)
			if !strings.Contains(r.stdout, "deleted "+created.ID) {
				t.Errorf("delete: %s", r)
			}
			if has(listJSON(), created.ID) {
				t.Errorf("delete kept %s", created.ID)
			}
			r = keys("delete", "--key", created.ID).requireExit(t, exitFailure)
			if !strings.Contains(r.stderr, `no access key "`+created.ID+`"`) || r.stdout != "" {
				t.Errorf("delete of a missing key:\n%s", r)
			}
			sb.requireEmpty(t, "keys")
		})
	}
}

// TestKeysRotateInterrupted: SIGINT during the grace period keeps the old
// key; the new one was printed already.
func TestKeysRotateInterrupted(t *testing.T) {
	w := newWorld(t)
	sb := newSandbox(t)
	args := append([]string{"keys", "create"}, w.args(iam.Outscale)...)
	r := sb.run(t, w, append(args, "--show-secret", "-o", "json")...).requireExit(t, exitOK)
	var old keyJSON
	if err := json.Unmarshal([]byte(r.stdout), &old); err != nil {
		t.Fatal(err)
	}
	w.addSecret(old.SecretAccessKey)
	p := sb.start(t, w, append(append([]string{"keys", "rotate"}, w.args(iam.Outscale)...), "--key", old.ID, "--show-secret", "--retire", "--grace", "1h", "-o", "json")...)
	p.waitFor(t, "stderr", "keeps working for 1h0m0s")
	res := p.interrupt(t)
	if res.code != exitInterrupted || !strings.Contains(res.stderr, "the old key "+old.ID+" was kept") {
		t.Errorf("want exit 130, the old key kept\n%s", res)
	}
	var fresh keyJSON
	if err := json.Unmarshal([]byte(res.stdout), &fresh); err != nil || fresh.SecretAccessKey == "" {
		t.Errorf("the new key was not printed before the wait: %v\n%s", err, res)
	}
	w.addSecret(fresh.SecretAccessKey)
	if _, ok := w.key(t, iam.Outscale, old.AccessKeyID); !ok {
		t.Error("the old key is gone after the interrupted rotate")
	}
}
