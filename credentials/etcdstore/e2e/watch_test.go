package e2e

import (
	"context"
	"testing"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// A follower learns of a rotation through the watch, not by reading the
// state again every ConfirmEvery: its clock (injected) never moves, so no
// timer of its own can fire, and yet it serves the new key as soon as the
// rotator has written it. (Its fence, which counts on that clock too,
// never comes.)
func TestFleetFollowerLearnsOfARotationThroughTheWatch(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	f := newFleet(t, cl, c)
	defer f.close()
	rot := f.add(false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second*slow)
	defer cancel()
	a, err := rot.p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	frozen := iamtest.NewFakeClock(time.Now().UTC())
	start := frozen.Now()
	type seen struct {
		e  iamcreds.Event
		at time.Time // real time
	}
	switched := make(chan seen, 16)
	fol := f.add(false, func(o *iamcreds.ManagedOptions) {
		o.FollowOnly = true // never elected: the election's waits are not on its clock
		o.Clock = frozen
		o.OnEvent = func(e iamcreds.Event) {
			if e.Kind == iamcreds.EventKeySwitched || e.Kind == iamcreds.EventKeyAdopted {
				switched <- seen{e, time.Now()}
			}
		}
	})
	if got, err := fol.p.Retrieve(ctx); err != nil || got.AccessKeyID != a.AccessKeyID {
		t.Fatalf("the follower serves %q (%v), the rotator %s", got.AccessKeyID, err, a.AccessKeyID)
	}
	<-switched // the first key, adopted

	if err := rot.p.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	b := rot.p.Status().Current
	var written time.Time // when the rotator switched, on its (real) clock
	rot.mu.Lock()
	for _, e := range rot.events {
		if e.Kind == iamcreds.EventKeySwitched && e.AccessKeyID == b {
			written = e.Time
		}
	}
	rot.mu.Unlock()
	var s seen
	select {
	case s = <-switched:
	case <-time.After(5 * time.Second * slow):
		t.Fatalf("the follower did not learn of the rotation to %s (its clock stood still, so only the watch could tell it)", b)
	}
	e, latency := s.e, s.at.Sub(written)
	if written.IsZero() {
		t.Fatalf("the rotator reported no switch to %s", b)
	}
	if e.Kind != iamcreds.EventKeySwitched || e.AccessKeyID != b {
		t.Fatalf("the follower's event: %v %s, want a switch to %s", e.Kind, e.AccessKeyID, b)
	}
	if got, err := fol.p.Retrieve(ctx); err != nil || got.AccessKeyID != b {
		t.Fatalf("after the switch the follower serves %q (%v), want %s", got.AccessKeyID, err, b)
	}
	if !frozen.Now().Equal(start) {
		t.Fatalf("the follower's clock moved (%v): the test proves nothing", frozen.Now().Sub(start))
	}
	t.Logf("the follower switched %v (real time) after the rotator's write; ConfirmEvery is %v, and never elapsed on the follower's clock", latency.Round(time.Microsecond), 200*time.Millisecond*slow)
}
