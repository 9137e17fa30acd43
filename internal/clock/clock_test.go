package clock

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestFakeTimers(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	t1 := f.NewTimer(time.Second)
	t2 := f.NewTimer(time.Minute)
	if f.Timers() != 2 {
		t.Fatalf("timers = %d", f.Timers())
	}
	f.Advance(2 * time.Second)
	select {
	case <-t1.C():
	default:
		t.Fatal("t1 did not fire")
	}
	select {
	case <-t2.C():
		t.Fatal("t2 fired early")
	default:
	}
	if !t2.Stop() || t2.Stop() {
		t.Fatal("Stop")
	}
	if f.Since(start) != 2*time.Second {
		t.Fatalf("Since = %v", f.Since(start))
	}
	t3 := f.NewTimer(time.Hour)
	if !f.AdvanceToNextTimer() {
		t.Fatal("AdvanceToNextTimer")
	}
	<-t3.C()
	if got := f.Now(); !got.Equal(start.Add(2*time.Second + time.Hour)) {
		t.Fatalf("now = %v", got)
	}
}

func TestSleep(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan error)
	go func() { done <- Sleep(context.Background(), f, time.Minute) }()
	f.BlockUntilTimers(1, nil)
	f.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, f, time.Hour); err == nil {
		t.Fatal("cancelled: want error")
	}
	if Real().Since(time.Now().Add(-time.Second)) < time.Second {
		t.Fatal("real Since")
	}
}

func TestFakeJumpWallLeavesMonotonicTimeAndTimers(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	timer := f.NewTimer(time.Hour)
	f.Advance(10 * time.Minute)
	before := f.Now()
	f.JumpWall(5 * time.Hour) // the machine sleeps for five hours

	if got := f.Now(); !got.Equal(start.Add(5*time.Hour + 10*time.Minute)) {
		t.Fatalf("wall time after the jump = %v", got)
	}
	wall, mono := f.NowMonotonic()
	if !wall.Equal(f.Now()) || mono != 10*time.Minute {
		t.Fatalf("NowMonotonic = %v, %v; want the wall time and 10m", wall, mono)
	}
	// Since counts monotonic time, as the system clock does for a t from
	// Now: the jump made after start and before is not in it.
	if d := f.Since(start); d != 10*time.Minute {
		t.Fatalf("Since(start) = %v, want 10m", d)
	}
	if d := f.Since(before); d != 0 {
		t.Fatalf("Since(before the jump) = %v, want 0", d)
	}
	if d := f.Since(f.Now()); d != 0 {
		t.Fatalf("Since(now) = %v, want 0", d)
	}
	select {
	case <-timer.C():
		t.Fatal("a one-hour timer fired on a wall-clock jump")
	default:
	}
	f.Advance(50 * time.Minute)
	select {
	case <-timer.C():
	default:
		t.Fatal("the timer did not fire after an hour of monotonic time")
	}
	if _, mono := f.NowMonotonic(); mono != time.Hour {
		t.Fatalf("monotonic time = %v, want 1h", mono)
	}
	// A step back of the wall clock leaves monotonic time alone too.
	f.JumpWall(-time.Hour)
	if _, mono := f.NowMonotonic(); mono != time.Hour {
		t.Fatalf("monotonic time after a step back = %v, want 1h", mono)
	}
}

func TestReaderReadsWallAndMonotonicTogether(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	f.Advance(time.Minute)
	r := NewReader(f)
	f.Advance(2 * time.Minute)
	f.JumpWall(time.Hour)
	wall, since := r.Read()
	if !wall.Equal(start.Add(time.Hour+3*time.Minute)) || since != 2*time.Minute {
		t.Fatalf("Read = %v, %v; want the wall time and 2m since the reader was made", wall, since)
	}

	// A clock that only has Now: the elapsed time is Now's difference.
	plain := NewReader(nowOnly{f})
	f.Advance(time.Second)
	if _, since := plain.Read(); since != time.Second {
		t.Fatalf("Read of a Now-only clock: since = %v, want 1s", since)
	}

	real := NewReader(nil)
	wall, since = real.Read()
	if since < 0 || time.Since(wall) < 0 || wall.Round(0).After(time.Now().Round(0)) {
		t.Fatalf("real Read = %v, %v", wall, since)
	}
}

// nowOnly hides Fake's NowMonotonic.
type nowOnly struct{ f *Fake }

func (n nowOnly) Now() time.Time                  { return n.f.Now() }
func (n nowOnly) Since(t time.Time) time.Duration { return n.f.Since(t) }
func (n nowOnly) NewTimer(d time.Duration) Timer  { return n.f.NewTimer(d) }

func TestFakeTimerForeverDoesNotWrap(t *testing.T) {
	f := NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	f.Advance(time.Hour)
	never := f.NewTimer(time.Duration(1<<63 - 1))
	f.Advance(24 * time.Hour)
	select {
	case <-never.C():
		t.Fatal("a timer for the longest Duration fired after a day")
	default:
	}
	if f.Timers() != 1 {
		t.Fatalf("timers = %d", f.Timers())
	}
}

func TestWait(t *testing.T) {
	f := NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if !Wait(context.Background(), f, 0, nil) || !Wait(context.Background(), f, -time.Second, nil) {
		t.Error("Wait of no time did not return true")
	}
	for name, end := range map[string]func(cancel context.CancelFunc, stop chan struct{}){
		"time passes": func(context.CancelFunc, chan struct{}) { f.Advance(time.Minute) },
		"ctx done":    func(cancel context.CancelFunc, _ chan struct{}) { cancel() },
		"stop closed": func(_ context.CancelFunc, stop chan struct{}) { close(stop) },
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stop := make(chan struct{})
		got := make(chan bool, 1)
		go func() { got <- Wait(ctx, f, time.Minute, stop) }()
		f.BlockUntilTimers(1, nil)
		end(cancel, stop)
		if ok := <-got; ok != (name == "time passes") {
			t.Errorf("%s: Wait = %v", name, ok)
		}
		cancel()
		if n := f.Timers(); n != 0 {
			t.Errorf("%s: %d timers left", name, n)
		}
	}
}

func TestAddSat(t *testing.T) {
	const maxD, minD = time.Duration(math.MaxInt64), time.Duration(math.MinInt64)
	for _, tt := range []struct{ a, b, want time.Duration }{
		{1, 2, 3}, {maxD, 1, maxD}, {maxD - 1, 1, maxD}, {1, maxD, maxD}, {minD, -1, minD},
		{-1, minD, minD}, {maxD, minD, -1}, {time.Hour, -2 * time.Hour, -time.Hour},
	} {
		if got := AddSat(tt.a, tt.b); got != tt.want {
			t.Errorf("AddSat(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
