package clock

import (
	"context"
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
