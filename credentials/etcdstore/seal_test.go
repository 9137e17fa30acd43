package etcdstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
)

func key(t *testing.T, id string, fill byte) SealingKey {
	t.Helper()
	k, err := NewSealingKey(id, bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const canary = "canary-plaintext-9b1e"

func state() *iamcreds.StoredState {
	return &iamcreds.StoredState{Provider: iam.Nebius, Description: "d", Account: "a", Instance: "i", SavedAt: time.Unix(1e9, 0),
		Keys: []iamcreds.StoredKey{
			{Role: iamcreds.RoleCurrent, Key: iam.AccessKey{ID: "k1", AccessKeyID: "AK1", Secret: iam.NewSecret(canary), SessionToken: iam.NewSecret(canary + "-token")}},
			{Role: iamcreds.RoleRetiring, Key: iam.AccessKey{ID: "k0", AccessKeyID: "AK0"}, SwitchedAt: time.Unix(1e9, 0).UTC(), AwaitAcks: []string{"r1"}},
		},
		Pending: []iamcreds.PendingCreate{{Mark: "d.i.123.abcdef012345", At: time.Unix(1e9, 0).UTC()}}}
}

// The state round-trips with its secrets sealed (AES-256-GCM, the key's
// ID beside the ciphertext): no plaintext secret in what is written.
func TestStateSealedRoundTrip(t *testing.T) {
	s, err := newSealer([]SealingKey{key(t, "k1", 1)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodeState(s, "p/", state())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(canary)) || !bytes.Contains(b, []byte(`"kid":"k1"`)) {
		t.Fatalf("encoded state shows a secret or lacks the key ID:\n%s", b)
	}
	got, old, err := decodeState(s, "p/", b)
	if err != nil || old {
		t.Fatalf("decode: %v (old %v)", err, old)
	}
	if sec := got.Keys[0].Key.Secret.Reveal(); sec != canary || got.Keys[0].Key.SessionToken.Reveal() != canary+"-token" {
		t.Fatalf("secrets did not round-trip: %q", sec)
	}
	if !got.Keys[1].Key.Secret.IsZero() || got.Keys[1].AwaitAcks[0] != "r1" || got.Pending[0].Mark != "d.i.123.abcdef012345" {
		t.Fatalf("round trip: %+v", got)
	}
}

// A ciphertext is bound to its fleet (prefix) and key: moved elsewhere it
// does not open; a state sealed with an older key opens and asks to be
// written again; an unknown key ID is named in the error, no secret is.
func TestSealedSecretBindingAndRotation(t *testing.T) {
	k1, k2 := key(t, "k1", 1), key(t, "k2", 2)
	s1, _ := newSealer([]SealingKey{k1})
	b, err := encodeState(s1, "p/", state())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := decodeState(s1, "other/", b); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("moved to another prefix: %v", err)
	}
	var v stateValue
	_ = json.Unmarshal(b, &v)
	v.Keys[0].ID = "k9" // the secret of k1 presented as another key's
	moved, _ := json.Marshal(v)
	if _, _, err := decodeState(s1, "p/", moved); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("moved to another key: %v", err)
	}
	s21, _ := newSealer([]SealingKey{k2, k1})
	got, old, err := decodeState(s21, "p/", b)
	if err != nil || !old || got.Keys[0].Key.Secret.Reveal() != canary {
		t.Fatalf("with a newer key first: old %v, err %v", old, err)
	}
	b2, _ := encodeState(s21, "p/", got)
	if !bytes.Contains(b2, []byte(`"kid":"k2"`)) || bytes.Contains(b2, []byte(`"kid":"k1"`)) {
		t.Fatalf("rewritten state not sealed with the new key:\n%s", b2)
	}
	s2, _ := newSealer([]SealingKey{k2})
	if _, _, err := decodeState(s2, "p/", b); err == nil || !strings.Contains(err.Error(), `"k1"`) || strings.Contains(err.Error(), canary) {
		t.Fatalf("without the sealing key: %v", err)
	}
}

func TestSealingKeyValidation(t *testing.T) {
	for _, tc := range []struct {
		id   string
		n    int
		want string
	}{{"", 32, "1 to 64"}, {"a b", 32, "may contain only"}, {"k", 16, "AES-256 needs 32"}, {strings.Repeat("x", 65), 32, "1 to 64"}} {
		if _, err := NewSealingKey(tc.id, make([]byte, tc.n)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSealingKey(%q, %d bytes): %v, want %q", tc.id, tc.n, err, tc.want)
		}
	}
	if _, err := newSealer(nil); err == nil || !strings.Contains(err.Error(), "plaintext") {
		t.Errorf("no sealing key: %v", err)
	}
	if _, err := newSealer([]SealingKey{key(t, "k", 1), key(t, "k", 2)}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a key ID twice: %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	sk := key(t, "k1", 1)
	for _, tc := range []struct {
		name string
		fn   func(*Options)
		want string
	}{
		{"no endpoints", func(o *Options) {}, "Endpoints is empty"},
		{"prefix without slash", func(o *Options) { o.Prefix = "x" }, "must end with '/'"},
		{"sub-second lease", func(o *Options) { o.LeaseTTL = 1500 * time.Millisecond }, "whole seconds"},
		{"fence past the lease", func(o *Options) { o.LeaseTTL, o.Fence = 2*time.Second, 3*time.Second }, "at most LeaseTTL"},
		{"ack timeout under fence", func(o *Options) { o.AckTimeout = time.Second }, "at least Fence"},
		{"confirm too rare", func(o *Options) { o.ConfirmEvery = 6 * time.Second }, "at most Fence/2"},
		{"bad replica", func(o *Options) { o.Replica = "a/b" }, "Options.Replica"},
		{"no sealing key", func(o *Options) { o.SealingKeys = nil }, "SealingKeys is empty"},
		{"defaults", func(o *Options) {}, ""},
	} {
		_, err := New(func(o *Options) {
			o.Endpoints, o.SealingKeys = []string{"http://127.0.0.1:2379"}, []SealingKey{sk}
			if tc.name == "no endpoints" {
				o.Endpoints = nil
			}
			tc.fn(o)
		})
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	s, err := New(func(o *Options) { o.Endpoints, o.SealingKeys = []string{"http://e:2379"}, []SealingKey{sk} })
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.Fence != 10*time.Second || s.opts.AckTimeout != 20*time.Second || s.opts.ConfirmEvery != 2*time.Second || s.opts.Replica == "" {
		t.Fatalf("defaults: %+v", s.opts)
	}
}

// Neither a sealing key, nor the options (password, sealing keys), nor
// the store prints a secret, under any verb or in slog.
func TestNothingPrintsASecret(t *testing.T) {
	sk, _ := NewSealingKey("k1", []byte(strings.Repeat("S", 32)))
	opts := Options{Endpoints: []string{"http://e:2379"}, Username: "u", Password: iam.NewSecret("etcd-password-canary"), SealingKeys: []SealingKey{sk}}
	s, err := New(func(o *Options) { *o = opts })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, v := range []any{sk, &sk, opts, &opts, s, []SealingKey{sk}, map[string]any{"o": opts, "s": s}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		slog.New(slog.NewTextHandler(&out, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "v", v)
	}
	for _, needle := range []string{strings.Repeat("S", 32), "etcd-password-canary", fmt.Sprintf("%x", strings.Repeat("S", 32))} {
		if strings.Contains(out.String(), needle) {
			t.Fatalf("a secret was printed:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), "k1") {
		t.Fatal("the renderings do not even name the key: the test proves nothing")
	}
}

// Rotating the sealing key of a running fleet takes two phases, because
// the replicas are reconfigured one by one: (1) add the new key after the
// old one ([k1, k2]: k1 still seals, k2 opens too), on every replica;
// (2) put the new key first ([k2, k1]), on every replica: the rotator
// writes the state again sealed with k2; (3) once it has, drop the old
// key ([k2]). At every step of every phase, whichever replica rotates,
// every replica opens what it writes. Putting the new key first in one
// step would not do: a replica not yet reconfigured ([k1]) cannot open
// what a reconfigured rotator ([k2, k1]) writes.
func TestSealingKeyTwoPhaseRotation(t *testing.T) {
	k1, k2 := key(t, "k1", 1), key(t, "k2", 2)
	cfg := map[string][]SealingKey{"old": {k1}, "phase1": {k1, k2}, "phase2": {k2, k1}, "new": {k2}}
	sealers := map[string]*sealer{}
	for name, keys := range cfg {
		s, err := newSealer(keys)
		if err != nil {
			t.Fatal(err)
		}
		sealers[name] = s
	}
	// The state as the fleet last wrote it, and who wrote it.
	stored, err := encodeState(sealers["old"], "p/", state())
	if err != nil {
		t.Fatal(err)
	}
	// rollout reconfigures three replicas one at a time from one config to
	// the next; after every change, each replica in turn rotates (reads
	// the state, and writes it again when asked to) and every replica
	// opens what it wrote.
	rollout := func(from, to string) {
		t.Helper()
		fleet := []string{from, from, from}
		for i := range fleet {
			fleet[i] = to
			for _, rotator := range fleet {
				st, old, err := decodeState(sealers[rotator], "p/", stored)
				if err != nil {
					t.Fatalf("%s -> %s, replicas %v: the rotator (%s) cannot open the state: %v", from, to, fleet, rotator, err)
				}
				if old {
					if stored, err = encodeState(sealers[rotator], "p/", st); err != nil {
						t.Fatal(err)
					}
				}
				for _, r := range fleet {
					if _, _, err := decodeState(sealers[r], "p/", stored); err != nil {
						t.Fatalf("%s -> %s, replicas %v: a replica (%s) cannot open what the rotator (%s) wrote: %v", from, to, fleet, r, rotator, err)
					}
				}
			}
		}
	}
	rollout("old", "phase1")
	rollout("phase1", "phase2")
	if !bytes.Contains(stored, []byte(`"kid":"k2"`)) || bytes.Contains(stored, []byte(`"kid":"k1"`)) {
		t.Fatalf("after phase 2 the state is not sealed with k2 only:\n%s", stored)
	}
	rollout("phase2", "new")

	// In one step, a replica not yet reconfigured is cut off.
	b, _ := encodeState(sealers["phase2"], "p/", state())
	if _, _, err := decodeState(sealers["old"], "p/", b); err == nil || !strings.Contains(err.Error(), `sealed with key "k2"`) {
		t.Fatalf("a replica with the old key only, reading what a rotator with the new key first wrote: %v", err)
	}
}
