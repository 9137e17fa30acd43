package credentials

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// A follower-only process on a state file never serves a
// key the rotator (another process on the file) has deleted, whatever the
// Grace: it switches to the stored next key itself once it is usable, and
// serves a key no longer than its ServedUntil + Grace without reading the
// file again.
func TestFileFollowerNeverServesADeletedKey(t *testing.T) {
	for _, grace := range []time.Duration{-1, 10 * time.Second, 45 * time.Second} {
		t.Run(fmt.Sprintf("grace %v", max(grace, 0)), func(t *testing.T) {
			clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
			r := newNebiusRig(t, clk)
			path := filepath.Join(t.TempDir(), "keys.json")
			pol := testPolicy
			pol.Grace = grace
			withFile := func(o *ManagedOptions) {
				o.StateFile = path
				o.Policy.Grace = grace
			}
			rot := newHarness(t, r, clk, withFile)
			k1 := rot.start()
			rotateAt := clk.Now().Add(pol.Lifetime - pol.RotateBefore)
			f := newHarness(t, r, clk, withFile, func(o *ManagedOptions) { o.FollowOnly = true })
			f.p.Start()
			f.advance(stateFilePoll)
			if c := f.retrieve(); c.AccessKeyID != k1.AccessKeyID {
				t.Fatalf("the follower serves %s, the rotator %s", c.AccessKeyID, k1.AccessKeyID)
			}
			clk.Advance(rotateAt.Add(-time.Minute).Sub(clk.Now()))
			rot.settle()
			f.settle()
			served := map[string]bool{}
			for end := rotateAt.Add(3 * time.Minute); clk.Now().Before(end); {
				clk.Advance(time.Second)
				rot.settle()
				f.settle()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				c, err := f.p.Retrieve(ctx)
				cancel()
				if err != nil {
					continue
				}
				served[c.AccessKeyID] = true
				if got := keyState(t, r, c.AccessKeyID); got != iam.StateActive {
					t.Fatalf("%v after the planned rotation, the follower serves %s (expires %v from now), which is %q; S3 with it: %s",
						clk.Now().Sub(rotateAt), c.AccessKeyID, c.Expires.Sub(clk.Now()), got, r.s3Code(t, c))
				}
			}
			if len(served) < 2 || rot.p.Status().Rotations != 1 {
				t.Fatalf("the follower served %v through %d rotations: the test proves nothing", slices.Sorted(maps.Keys(served)), rot.p.Status().Rotations)
			}
			if got := keyState(t, r, k1.AccessKeyID); got != "" {
				t.Fatalf("the old key %s is %q 3 minutes after the rotation: the test proves nothing", k1.AccessKeyID, got)
			}
		})
	}
}
