package clock

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// Clock is [iam.Clock]: it tells the time and makes timers. The real and
// fake clocks of this package implement it.
type Clock = iam.Clock

// Timer is [iam.Timer], the timer a [Clock] makes.
type Timer = iam.Timer

// Monotonic is implemented by a [Clock] whose monotonic time is kept apart
// from its wall time, such as [Fake]. The real clock does not need it: each
// time.Time its Now returns carries both readings.
type Monotonic interface {
	// NowMonotonic returns the wall time and the monotonic time (counted
	// from an origin fixed for the clock), read together. The monotonic
	// time never includes a jump of the wall time, such as a system
	// suspend or a clock step.
	NowMonotonic() (wall time.Time, mono time.Duration)
}

// Reader reads a clock's wall time and its monotonic time together, from
// one reading of the clock: one time.Now for the real clock. The monotonic
// time is counted from when the Reader was made. The zero Reader is not
// usable; make one with [NewReader].
type Reader struct {
	c        Clock
	m        Monotonic // c, when it keeps its monotonic time apart
	real     bool      // c is the system clock: read time.Now directly
	base     time.Time
	baseMono time.Duration
}

// NewReader returns a Reader of c (the real clock when c is nil).
func NewReader(c Clock) Reader {
	c = Or(c)
	r := Reader{c: c}
	if _, ok := c.(realClock); ok {
		r.real = true
		r.base = time.Now()
		return r
	}
	if m, ok := c.(Monotonic); ok {
		r.m = m
		r.base, r.baseMono = m.NowMonotonic()
		return r
	}
	r.base = c.Now()
	return r
}

// Read returns the wall time and the monotonic time elapsed since the
// Reader was made. For a clock that is neither the real clock nor
// [Monotonic], the elapsed time is Now().Sub of the first reading, which is
// monotonic when that clock's times carry monotonic readings.
func (r *Reader) Read() (wall time.Time, since time.Duration) {
	if r.real {
		now := time.Now()
		return now, now.Sub(r.base)
	}
	return r.readSlow()
}

func (r *Reader) readSlow() (time.Time, time.Duration) {
	if r.m != nil {
		w, m := r.m.NowMonotonic()
		return w, m - r.baseMono
	}
	now := r.c.Now()
	return now, now.Sub(r.base)
}

// Real returns the system clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Since(t time.Time) time.Duration { return time.Since(t) }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Or returns c, or the real clock when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return Real()
	}
	return c
}

// Sleep waits for d on c, or until ctx is done; it returns ctx.Err() in the
// second case.
func Sleep(ctx interface {
	Done() <-chan struct{}
	Err() error
}, c Clock, d time.Duration) error {
	if d > 0 && Wait(ctx, c, d, nil) {
		return nil
	}
	return ctx.Err()
}

// Wait waits for d on c and reports whether it did: false when ctx is
// done or stop (nil: never) is closed first, such as an emulator's
// "closed" channel. A d of zero or less has nothing to wait for: true.
func Wait(ctx interface{ Done() <-chan struct{} }, c Clock, d time.Duration, stop <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
	case <-stop:
	}
	return false
}

// Fake is a manually driven clock for tests. Its time changes only through
// [Fake.Advance], [Fake.Set], [Fake.AdvanceToNextTimer] and
// [Fake.JumpWall]. Like the system clock it keeps a wall time and a
// monotonic time: Advance and Set move both, JumpWall moves only the wall
// time, as a system suspend or a clock step does. Timers run on the
// monotonic time and fire when it passes their deadline. A Fake is safe for
// concurrent use.
type Fake struct {
	mu     sync.Mutex
	now    time.Time     // wall time
	mono   time.Duration // monotonic time since NewFake
	jumps  []jump        // every JumpWall, oldest first
	timers []*fakeTimer
	added  chan struct{}
}

// jump is one JumpWall: the wall time moved by d, to the wall time to.
type jump struct {
	to time.Time
	d  time.Duration
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, added: make(chan struct{}, 1)}
}

// Now returns the fake wall time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NowMonotonic returns the fake wall time and the fake monotonic time
// (counted from NewFake), read together; it makes Fake a [Monotonic].
func (f *Fake) NowMonotonic() (time.Time, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now, f.mono
}

// Since returns the fake time elapsed since t on the monotonic clock, as
// the system clock does for a t from its Now: the wall time elapsed, less
// the wall-time jumps ([Fake.JumpWall]) made after t. It is exact for a t
// taken from Now while the fake time moved only forward.
func (f *Fake) Since(t time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.now.Sub(t)
	for i := len(f.jumps) - 1; i >= 0 && f.jumps[i].to.After(t); i-- {
		d -= f.jumps[i].d
	}
	return d
}

// NewTimer returns a timer that fires when the fake monotonic time has
// advanced by d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{f: f, at: AddSat(f.mono, d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.fired = true
		t.c <- f.now
		return t
	}
	f.timers = append(f.timers, t)
	select {
	case f.added <- struct{}{}:
	default:
	}
	return t
}

// Advance moves the fake time (wall and monotonic) forward by d and fires
// every timer that is due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mono = AddSat(f.mono, d)
	f.fireLocked()
	f.mu.Unlock()
}

// AddSat returns a+b, saturated at the ends of the Duration range: a
// timer for "never" (the longest Duration) must not wrap into the past,
// nor a deadline computed from a huge lifetime.
func AddSat(a, b time.Duration) time.Duration {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// Set moves the fake time to t (forward or back): the monotonic time moves
// by the same amount as the wall time. It fires every timer that is due.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.mono = AddSat(f.mono, t.Sub(f.now))
	f.now = t
	f.fireLocked()
	f.mu.Unlock()
}

// JumpWall moves the wall time by d while the monotonic time stands still,
// as when the machine is suspended for d (d > 0) or the system clock is
// stepped. No timer fires: timers run on the monotonic time, as the
// system's do.
func (f *Fake) JumpWall(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.jumps = append(f.jumps, jump{to: f.now, d: d})
}

// Timers returns how many timers are waiting to fire.
func (f *Fake) Timers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// BlockUntilTimers waits (in real time, bounded by the returned function's
// caller) until at least n timers wait on the fake clock. It lets a test
// advance time only after the code under test has started waiting.
func (f *Fake) BlockUntilTimers(n int, done <-chan struct{}) bool {
	for {
		if f.Timers() >= n {
			return true
		}
		select {
		case <-f.added:
		case <-done:
			return false
		case <-time.After(time.Millisecond):
		}
	}
}

// AdvanceToNextTimer moves the fake time to the earliest pending timer's
// deadline (if any) and fires it. It reports whether a timer was pending.
func (f *Fake) AdvanceToNextTimer() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.timers) == 0 {
		return false
	}
	sort.Slice(f.timers, func(i, j int) bool { return f.timers[i].at < f.timers[j].at })
	if d := f.timers[0].at - f.mono; d > 0 {
		f.now = f.now.Add(d)
		f.mono += d
	}
	f.fireLocked()
	return true
}

func (f *Fake) fireLocked() {
	kept := f.timers[:0]
	for _, t := range f.timers {
		if t.at <= f.mono {
			t.fired = true
			t.c <- f.now
			continue
		}
		kept = append(kept, t)
	}
	for i := len(kept); i < len(f.timers); i++ {
		f.timers[i] = nil
	}
	f.timers = kept
}

type fakeTimer struct {
	f     *Fake
	at    time.Duration // on the fake monotonic time
	c     chan time.Time
	fired bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	if t.fired {
		return false
	}
	for i, x := range t.f.timers {
		if x == t {
			t.f.timers = append(t.f.timers[:i], t.f.timers[i+1:]...)
			t.fired = true
			return true
		}
	}
	return false
}
