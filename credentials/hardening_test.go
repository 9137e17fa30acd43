package credentials

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// outscaleClientFor returns a KeyManager signing with creds on the rig's
// emulator (another account of the same server, sharing its S3 registry).
func outscaleClientFor(t *testing.T, srv *outscaletest.Server, clk *iamtest.FakeClock, creds outscaletest.Credentials) *outscale.KeyManager {
	t.Helper()
	c, err := outscale.New(srv.ClientOptions(creds), func(o *outscale.Options) { o.Clock, o.MaxAttempts = clk, 1 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	km, err := outscale.NewKeyManager(c)
	if err != nil {
		t.Fatal(err)
	}
	return km
}

// reconciledDeletions sums the keys reconciles removed.
func (h *harness) reconciledDeletions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.Kind == EventReconciled {
			n += e.Deleted
		}
	}
	return n
}

func cancelledCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// Item 5: a state file written for another account is not served before
// this account confirms it, even while listing fails (its key works at the
// shared object storage, so serving it would hand out another account's
// key); once listing works, the file is refused, not overwritten.
func TestManagedForeignStateFileNotServedBeforeConfirmed(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)
	other := &rig{name: "outscale-other", km: outscaleClientFor(t, r.osc, clk, r.osc.AddAccount("", iam.Secret{}, 0)), faults: r.faults, s3: r.s3}
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }

	hOther := newHarness(t, other, clk, withFile)
	foreign := hOther.start()
	if err := hOther.p.Close(); err != nil {
		t.Fatal(err)
	}
	if code := r.s3Code(t, foreign); code != "" {
		t.Fatalf("the other account's key does not work at S3 (%s): the test proves nothing", code)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.listOp, Status: 503, Times: -1})
	h := newHarness(t, r, clk, withFile)
	h.p.Start()
	h.kickAndSettle(func() { h.p.signal() })
	served := 0
	for range 20 {
		if c, err := h.p.Retrieve(cancelledCtx()); err == nil || c.AccessKeyID == foreign.AccessKeyID {
			served++
		}
	}
	if served > 0 {
		t.Fatalf("the other account's key was served %d of 20 times while listing failed", served)
	}

	r.faults.Clear()
	h.advance(4 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := h.p.Retrieve(ctx)
	if err == nil || c.AccessKeyID == foreign.AccessKeyID || !strings.Contains(err.Error(), "another account") || strings.Contains(err.Error(), foreign.SecretAccessKey) {
		t.Fatalf("after listing: served %q, err %v; want a clear refusal", c.AccessKeyID, err)
	}
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the other account's state file was changed (%v)", err)
	}
	if n := len(r.ours(t, h.desc)); n != 0 {
		t.Fatalf("%d keys created on a refused state file", n)
	}
}

// Item 6: a CreateAccessKey whose answer is lost (the emulator creates the
// key, then drops the connection; twice, so the client's own tag lookup
// loses its second try too) leaves no untracked key: at most MaxKeys keys
// of ours exist after several rotations, and none is left over.
func TestManagedLostCreateAnswerReconciled(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)
	// Another live instance's key in the same account: it does not count
	// towards this instance's MaxKeys, and it survives.
	otherExp := clk.Now().Add(7 * testPolicy.Lifetime)
	other, err := r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: newMark("iamkit-managed-test", "other", otherExp), ExpiresAt: otherExp})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, r, clk, func(o *ManagedOptions) { o.Instance = "mine" })
	cur := h.start()
	born := clk.Now()
	for round := 1; round <= 4; round++ {
		r.faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: r.createOp, Times: 2})
		h.advance(born.Add(testPolicy.Lifetime - testPolicy.RotateBefore).Sub(clk.Now()))
		if h.count(EventCreateFailed) < round {
			t.Fatalf("round %d: the lost answer did not fail the create", round)
		}
		for range 3 {
			h.advance(4 * time.Minute) // the retries
		}
		born = clk.Now()
		h.advance(testPolicy.SwitchDelay)
		if h.maxSeen > testPolicy.MaxKeys {
			t.Fatalf("round %d: %d keys of ours existed at once, MaxKeys is %d", round, h.maxSeen, testPolicy.MaxKeys)
		}
		next := h.retrieve()
		if next.AccessKeyID == cur.AccessKeyID {
			t.Fatalf("round %d: no rotation after the lost answer", round)
		}
		h.advance(testPolicy.Grace)
		h.wantOurs(fmt.Sprintf("round %d, after grace", round), next.AccessKeyID)
		// The client's tag lookup removed the first orphan; the second was
		// found by listing before the create was tried again.
		if n := h.reconciledDeletions(); n != round {
			t.Fatalf("round %d: reconciles removed %d orphans in all, want %d", round, n, round)
		}
		cur = next
	}
	if !foreignAlive(t, r, other) {
		t.Fatal("another instance's live key was deleted")
	}
}

// Item 7: with a shared state file, one process's rotation does not break
// the others: the old key stays valid until the latest Expiration handed
// out for it (to a long-lived sharer and to a short-lived one that has
// exited), the long-lived sharer moves to the new key once it re-reads the
// file, and the old key goes only after that Expiration.
func TestManagedSharedStateFileRotationKeepsHandedOutKey(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			withFile := func(o *ManagedOptions) { o.StateFile = path }
			hA := newHarness(t, r, clk, withFile)
			a := hA.start()
			hB := newHarness(t, r, clk, withFile)
			if b := hB.start(); b.AccessKeyID != a.AccessKeyID {
				t.Fatalf("the sharers serve %s and %s", a.AccessKeyID, b.AccessKeyID)
			}
			hA.advance(6 * time.Hour)
			hB.settle()
			// A short-lived sharer (credential_process) is handed the key
			// and exits.
			hC := newHarness(t, r, clk, withFile)
			c := hC.start()
			if err := hC.p.Close(); err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != a.AccessKeyID || !c.CanExpire {
				t.Fatalf("the short-lived sharer got %s (expires %v)", c.AccessKeyID, c.Expires)
			}
			handedUntil := a.Expires
			if c.Expires.After(handedUntil) {
				handedUntil = c.Expires
			}

			if err := hB.p.Rotate(context.Background()); err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			k2 := hB.retrieve()
			if k2.AccessKeyID == a.AccessKeyID {
				t.Fatal("B did not rotate")
			}
			hA.advance(testPolicy.Grace + time.Minute)
			hB.settle()
			if code := r.s3Code(t, a); code != "" {
				t.Fatalf("the old key was refused (%s) after B's grace period, long before the Expiration handed out for it (%s)",
					code, handedUntil.Format(time.TimeOnly))
			}
			if got := hA.retrieve(); got.AccessKeyID != k2.AccessKeyID {
				t.Fatalf("A still serves %s after B switched to %s", got.AccessKeyID, k2.AccessKeyID)
			}
			for _, until := range []time.Time{clk.Now().Add(time.Hour), handedUntil.Add(-time.Minute)} {
				hA.advance(until.Sub(clk.Now()))
				hB.settle()
				if code := r.s3Code(t, a); code != "" {
					t.Fatalf("the old key was refused (%s) at %s, before the Expiration handed out for it (%s)",
						code, clk.Now().Format(time.TimeOnly), handedUntil.Format(time.TimeOnly))
				}
			}
			hA.advance(time.Minute + testPolicy.Grace)
			hB.settle()
			hA.wantOurs("after the handed-out Expiration", k2.AccessKeyID)
		})
	}
}

// Item 8: two providers with their own state files on one account (a
// laptop's and a CI job's credential_process caches), run alternately
// across rotations, never delete each other's live keys: every key handed
// out keeps working until its Expiration.
func TestManagedSeparateStateFilesAlternating(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := []string{filepath.Join(dir, "laptop.json"), filepath.Join(dir, "ci.json")}
			run := func(path string) aws.Credentials {
				h := newHarness(t, r, clk, func(o *ManagedOptions) { o.StateFile = path })
				h.start()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := h.p.Settle(ctx); err != nil {
					t.Fatal(err)
				}
				c := h.retrieve()
				if err := h.p.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				if h.maxSeen > 2*testPolicy.MaxKeys {
					t.Fatalf("%d keys of ours at once for two instances", h.maxSeen)
				}
				return c
			}
			var handed []aws.Credentials
			for i := range 14 {
				c := run(paths[i%2])
				handed = append(handed, c)
				for j, x := range handed {
					if x.Expires.After(clk.Now()) {
						if code := r.s3Code(t, x); code != "" {
							t.Fatalf("run %d: the key handed out by run %d (%s, valid until %s) was refused: %s",
								i, j, x.AccessKeyID, x.Expires.Format(time.DateTime), code)
						}
					}
				}
				clk.Advance(5 * time.Hour)
			}
			if n := len(r.ours(t, "iamkit-managed-test")); n > 2*testPolicy.MaxKeys {
				t.Fatalf("%d keys of ours left for two instances", n)
			}
		})
	}
}

// Item 8: a state file set aside because its keys no longer exist keeps no
// secret.
func TestManagedStaleStateFileKeepsNoSecret(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	a := h1.start()
	if err := h1.p.Close(); err != nil {
		t.Fatal(err)
	}
	keys, err := r.km.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.AccessKeyID == a.AccessKeyID {
			if err := r.km.DeleteKey(context.Background(), k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	h2 := newHarness(t, r, clk, withFile)
	h2.start()
	b := h2.retrieve()
	if b.AccessKeyID == a.AccessKeyID {
		t.Fatal("serving the deleted key")
	}
	e := h2.lastEvent(EventStateFileSetAside)
	if e.Path == "" {
		t.Fatal("the stale state file was not set aside")
	}
	if raw, err := os.ReadFile(e.Path); err == nil && strings.Contains(string(raw), a.SecretAccessKey) {
		t.Fatalf("the set-aside file %s keeps the dead key's secret", filepath.Base(e.Path))
	}
}

// Item 8, the rule: a provider removes the marked keys of its own instance
// that it holds no secret for, and marked keys of any instance once past
// their expiry (plus a margin for clocks); another instance's keys that may
// be in use, and unexpired keys marked by earlier versions, stay.
func TestManagedReapsOwnLeftoversAndExpiredKeysOnly(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			const desc = "iamkit-managed-test"
			create := func(mark string, exp time.Time) iam.AccessKey {
				t.Helper()
				k, err := r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: mark, ExpiresAt: exp})
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			soon := clk.Now().Add(time.Minute)
			expiredOther := create(newMark(desc, "other", soon), soon)
			clk.Advance(time.Minute + foreignReapAfter)
			later := clk.Now().Add(testPolicy.Lifetime)
			leftover := create(newMark(desc, "mine", later), later)
			liveOther := create(newMark(desc, "other", later), later)
			legacy := create(desc, later)
			h := newHarness(t, r, clk, func(o *ManagedOptions) { o.Instance = "mine" })
			c := h.start()
			if e := h.lastEvent(EventReconciled); e.Deleted != 2 {
				t.Fatalf("reconcile removed %d keys, want 2 (the leftover and the expired key)", e.Deleted)
			}
			h.wantOurs("after reconcile", c.AccessKeyID)
			for _, k := range []iam.AccessKey{liveOther, legacy} {
				if !foreignAlive(t, r, k) {
					t.Fatalf("key %s (%s) was deleted", k.AccessKeyID, k.Description)
				}
			}
			if code := r.s3Code(t, aws.Credentials{AccessKeyID: liveOther.AccessKeyID, SecretAccessKey: liveOther.Secret.Reveal()}); code != "" {
				t.Fatalf("another instance's live key was refused: %s", code)
			}
			for _, k := range []iam.AccessKey{leftover, expiredOther} {
				if foreignAlive(t, r, k) {
					t.Fatalf("key %s (%s) was not removed", k.AccessKeyID, k.Description)
				}
			}
			if st := h.p.Status(); len(st.Retiring) != 0 {
				t.Fatalf("still retiring %v", st.Retiring)
			}
		})
	}
}

// Item 5: a version 1 state file (no account identity) is confirmed by one
// listing before its key is served, then rewritten with the identity, so
// that the next start serves it without a call, even while listing fails.
func TestManagedVersion1StateFileConfirmedThenServedOffline(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	exp := clk.Now().Add(testPolicy.Lifetime)
	k, err := r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "iamkit-managed-test", ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	v1 := fmt.Sprintf(`{"version":1,"provider":"nebius","description":"iamkit-managed-test","owner":%q,"saved_at":%q,
"keys":[{"role":"current","id":%q,"access_key_id":%q,"secret":%q,"expires_at":%q,"obtained_at":%q}]}`,
		k.Owner, clk.Now().Format(time.RFC3339), k.ID, k.AccessKeyID, k.Secret.Reveal(), exp.Format(time.RFC3339Nano), clk.Now().Format(time.RFC3339))
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	withFile := func(o *ManagedOptions) { o.StateFile = path }

	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.listOp, Status: 503, Times: -1})
	h1 := newHarness(t, r, clk, withFile)
	h1.p.Start()
	h1.kickAndSettle(func() { h1.p.signal() })
	if c, err := h1.p.Retrieve(cancelledCtx()); err == nil {
		t.Fatalf("a version 1 file's key %s was served before any listing", c.AccessKeyID)
	}
	r.faults.Clear()
	h1.advance(4 * time.Minute)
	if c := h1.retrieve(); c.AccessKeyID != k.AccessKeyID {
		t.Fatalf("after listing: serving %s, want the file's %s", c.AccessKeyID, k.AccessKeyID)
	}
	if h1.count(EventKeyCreated) != 0 || h1.count(EventKeyAdopted) != 1 {
		t.Fatalf("created %d, adopted %d; want 0 and 1", h1.count(EventKeyCreated), h1.count(EventKeyAdopted))
	}
	if err := h1.p.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(raw), `"version": 2`) || !strings.Contains(string(raw), r.km.AccountIdentity()) {
		t.Fatalf("the file was not rewritten with the account identity (%v):\n%s", err, raw)
	}

	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.listOp, Status: 503, Times: -1})
	h2 := newHarness(t, r, clk, withFile)
	h2.p.Start()
	h2.kickAndSettle(func() { h2.p.signal() })
	if c, err := h2.p.Retrieve(cancelledCtx()); err != nil || c.AccessKeyID != k.AccessKeyID {
		t.Fatalf("the confirmed file's key was not served offline: %q, %v", c.AccessKeyID, err)
	}
}

// The three KeyManagers name their account without a call: the same
// configuration gives the same identity, another account another one, and
// a Yandex client that leaves the service account to the token has none.
func TestKeyManagersAccountIdentity(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC())
	for _, r := range newRigs(t, clk) {
		id := r.km.AccountIdentity()
		if !strings.HasPrefix(id, r.name+"/") || id != r.km.AccountIdentity() {
			t.Errorf("%s: identity %q", r.name, id)
		}
		if r.osc != nil {
			other := outscaleClientFor(t, r.osc, clk, r.osc.AddAccount("", iam.Secret{}, 0))
			if other.AccountIdentity() == id {
				t.Errorf("outscale: two accounts share identity %q", id)
			}
		}
	}
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}), srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	km, err := yandex.NewKeyManager(c, "")
	if err != nil {
		t.Fatal(err)
	}
	if id := km.AccountIdentity(); id != "" {
		t.Errorf("yandex without a service account: identity %q, want none", id)
	}
}

func TestMarks(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m := newMark("iamkit-managed", "laptop_1", exp)
	if len(m) > 128 || m == newMark("iamkit-managed", "laptop_1", exp) {
		t.Fatalf("mark %q: too long, or not unique", m)
	}
	got, ok := parseMark(m, "iamkit-managed")
	if !ok || got.legacy || got.instance != "laptop_1" || !got.expiry.Equal(exp) {
		t.Fatalf("parseMark(%q) = %+v, %v", m, got, ok)
	}
	if got, ok := parseMark("iamkit-managed", "iamkit-managed"); !ok || !got.legacy {
		t.Fatal("the bare description is not a legacy mark")
	}
	for _, s := range []string{"", "iamkit-managed-2", "someone-else", "iamkit-managed.x", "iamkit-managed.a.b.c.d",
		"iamkit-managed.ab.1893553445.zzzzzzzzzzzz", "iamkit-managed.a/b.1893553445.0123456789ab", "iamkit-managed.ab.-1.0123456789ab",
		"iamkit-managed.x." + strings.TrimPrefix(m, "iamkit-managed.")} {
		if _, ok := parseMark(s, "iamkit-managed"); ok {
			t.Errorf("parseMark(%q) accepted", s)
		}
	}
	longest := newMark(strings.Repeat("d", maxDescriptionLen), strings.Repeat("i", maxInstanceLen), time.Unix(maxMarkUnix, 0))
	if n := len(longest); n > 128 {
		t.Fatalf("the longest mark has %d characters", n)
	}
	if err := (Policy{Description: strings.Repeat("d", maxDescriptionLen+1)}).Validate(); err == nil || !strings.Contains(err.Error(), "maximum is 64") {
		t.Fatalf("a 65-character Description: %v", err)
	}
	if err := (Policy{Description: "tab\there"}).Validate(); err == nil {
		t.Fatal("a Description with a control character was accepted")
	}
	km := newYandexRig(t, iamtest.NewFakeClock(time.Now())).km
	for _, bad := range []string{"a.b", "with space", strings.Repeat("x", 33)} {
		if _, err := NewManagedProvider(km, func(o *ManagedOptions) { o.Instance = bad }); err == nil || !strings.Contains(err.Error(), "Instance") {
			t.Errorf("Instance %q: %v", bad, err)
		}
	}
}

// TestHasMarkShape: every mark a provider writes, of any family, has the
// shape; descriptions that are not marks do not.
func TestHasMarkShape(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, fam := range []string{"iamkit-managed", "iamkit-credential-process", "my.team.keys"} {
		if m := newMark(fam, "laptop_1", exp); !HasMarkShape(m) {
			t.Errorf("HasMarkShape(%q) = false for a mark newMark wrote", m)
		}
	}
	for _, s := range []string{"", "iamkit-managed", "someone-else", "a.b.c", ".ab.1893553445.0123456789ab",
		"fam.ab.1893553445.zzzzzzzzzzzz", "fam.a/b.1893553445.0123456789ab", "fam.ab.-1.0123456789ab",
		"fam.ab.1234567890123.0123456789ab", "fam..1893553445.0123456789ab", "fam.ab.1893553445.0123456789AB"} {
		if HasMarkShape(s) {
			t.Errorf("HasMarkShape(%q) = true", s)
		}
	}
}
