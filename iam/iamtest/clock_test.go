package iamtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/clock"
)

var fakeStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestFakeClockTimers(t *testing.T) {
	c := iamtest.NewFakeClock(fakeStart)
	var clk iam.Clock = c // a real iam.Clock, not an alias of an internal type
	soon, later := clk.NewTimer(time.Second), clk.NewTimer(time.Minute)
	if n := c.Timers(); n != 2 {
		t.Fatalf("Timers() = %d, want 2", n)
	}
	c.Advance(time.Second)
	select {
	case at := <-soon.C():
		if !at.Equal(fakeStart.Add(time.Second)) {
			t.Errorf("fired at %v", at)
		}
	default:
		t.Fatal("the 1s timer did not fire after Advance(1s)")
	}
	// A suspend moves the wall time only: no timer fires, Since does not
	// count it.
	before := c.Now()
	c.JumpWall(time.Hour)
	select {
	case <-later.C():
		t.Fatal("JumpWall fired a timer")
	default:
	}
	if got := c.Since(before); got != 0 {
		t.Errorf("Since across a JumpWall = %v, want 0", got)
	}
	if !c.AdvanceToNextTimer() {
		t.Fatal("AdvanceToNextTimer found no timer")
	}
	<-later.C()
	if later.Stop() {
		t.Error("Stop of a fired timer reported true")
	}
	c.Set(fakeStart)
	if !c.Now().Equal(fakeStart) {
		t.Errorf("Now after Set = %v", c.Now())
	}
}

// TestFakeClockIsMonotonicForTheCache: the token cache reads the wall and
// monotonic times together (internal/clock.Reader); through FakeClock a
// JumpWall must show as a wall-clock move with the monotonic time still.
func TestFakeClockIsMonotonicForTheCache(t *testing.T) {
	c := iamtest.NewFakeClock(fakeStart)
	r := clock.NewReader(c)
	c.Advance(time.Minute)
	c.JumpWall(time.Hour)
	wall, mono := r.Read()
	if !wall.Equal(fakeStart.Add(time.Minute+time.Hour)) || mono != time.Minute {
		t.Fatalf("Read() = %v, %v; want the wall time moved by 61m and the monotonic time by 1m", wall, mono)
	}
	// And so the cache never serves a token past its wall-clock expiry.
	calls := 0
	cache, err := auth.NewCache(auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
		calls++
		return auth.Token{Value: iam.NewSecret(fmt.Sprint("tok-", calls)), Expiry: c.Now().Add(time.Hour)}, nil
	}), func(o *auth.CacheOptions) { o.Clock = c })
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	if _, err := cache.AccessToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.JumpWall(2 * time.Hour)
	tok, err := cache.AccessToken(t.Context())
	if err != nil || tok.Value.Reveal() != "tok-2" {
		t.Fatalf("after a 2h suspend: %v, %v; want a new token (tok-2)", tok.Value.Reveal(), err)
	}
}

// A test moves time by hand: the wait below would take a day on the system
// clock and takes no time here.
func ExampleFakeClock() {
	clk := iamtest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	done := make(chan time.Time)
	go func() {
		t := clk.NewTimer(24 * time.Hour)
		defer t.Stop()
		done <- <-t.C()
	}()
	clk.BlockUntilTimers(1, nil) // the goroutine waits on the clock
	clk.Advance(24 * time.Hour)
	fmt.Println((<-done).Format(time.DateOnly))
	// Output: 2026-01-02
}

// TestZeroFakeClockIsUsable: the zero FakeClock (a var, or
// &iamtest.FakeClock{}) works as one made by NewFakeClock(2000-01-01 UTC).
func TestZeroFakeClockIsUsable(t *testing.T) {
	zeroStart := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var c iamtest.FakeClock
	if got := c.Now(); !got.Equal(zeroStart) {
		t.Fatalf("zero clock Now = %v, want %v", got, zeroStart)
	}
	p := &iamtest.FakeClock{}
	tm := p.NewTimer(time.Minute)
	if p.Timers() != 1 {
		t.Fatalf("Timers = %d, want 1", p.Timers())
	}
	p.Advance(time.Minute)
	select {
	case <-tm.C():
	default:
		t.Fatal("the timer did not fire after Advance")
	}
	if d := p.Since(zeroStart); d != time.Minute {
		t.Fatalf("Since = %v, want 1m", d)
	}
	var q iamtest.FakeClock
	q.JumpWall(time.Hour)
	if w, mono := q.NowMonotonic(); !w.Equal(zeroStart.Add(time.Hour)) || mono != 0 {
		t.Fatalf("after JumpWall: %v %v", w, mono)
	}
	var r iamtest.FakeClock
	if r.AdvanceToNextTimer() {
		t.Fatal("AdvanceToNextTimer on an empty clock reported a timer")
	}
	r.Set(zeroStart.Add(time.Second))
	if !r.BlockUntilTimers(0, nil) {
		t.Fatal("BlockUntilTimers(0)")
	}
}
