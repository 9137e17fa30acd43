package iamtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// FaultKind says what an injected fault does to a request.
type FaultKind int

// The faults every emulator can inject.
const (
	// FaultStatus answers with an error status (HTTP Status, or for gRPC
	// emulators the matching code) instead of serving the request.
	FaultStatus FaultKind = iota
	// FaultLatency delays the request by Delay (on the emulator's clock:
	// with a fake clock the request waits until the test advances it past
	// Delay), then serves it.
	FaultLatency
	// FaultHang holds the request until the client gives up (its context
	// ends) or the emulator is closed.
	FaultHang
	// FaultReset closes the connection without an answer.
	FaultReset
)

// Fault is one injected failure.
type Fault struct {
	// Kind is what the fault does.
	Kind FaultKind
	// Match limits the fault to requests whose operation (URL path or gRPC
	// method, e.g. "/iam/v1/tokens" or "AccessKeyService/Create") contains
	// it; empty matches every request.
	Match string
	// Times is how many matching requests the fault hits; 0 means 1,
	// a negative number means every matching request until cleared.
	Times int
	// Status is the HTTP status for FaultStatus (default 503). gRPC
	// emulators map 429 to RESOURCE_EXHAUSTED and anything else to
	// UNAVAILABLE unless Code says otherwise.
	Status int
	// Code is the provider's error code for FaultStatus where the provider
	// has one (OUTSCALE "6"/"24"/"25", a gRPC code number as a string).
	Code string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Delay is the latency for FaultLatency.
	Delay time.Duration
}

// Faults is a queue of injected faults that an emulator consults on every
// request. It is safe for concurrent use. The zero value is empty.
type Faults struct {
	mu     sync.Mutex
	faults []*Fault
}

// Add queues a fault.
func (f *Faults) Add(fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fault.Times == 0 {
		fault.Times = 1
	}
	f.faults = append(f.faults, &fault)
}

// Clear removes every queued fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// Next returns the first queued fault that matches op and uses it up.
// Emulators call it once per request.
func (f *Faults) Next(op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.faults {
		if ft.Match != "" && !strings.Contains(op, ft.Match) {
			continue
		}
		out := *ft
		if ft.Times > 0 {
			ft.Times--
			if ft.Times == 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
		}
		return out, true
	}
	return Fault{}, false
}

// errFaultClosed is what [AwaitFault] returns when the emulator closed
// while a fault held the request.
var errFaultClosed = errors.New("iamtest: the emulator closed while a fault held the request")

// AwaitFault waits out the part of f that holds a request, on clk: a
// FaultLatency's Delay, or a FaultHang until the request's ctx ends or
// closed (the emulator's "closed" channel) is closed. It returns nil when
// the request goes on: the latency is over, or f is a FaultStatus or a
// FaultReset, which the emulator carries out in its own protocol. It
// returns an error when the request must end with no answer: ctx's error
// when the client gave up, another when the emulator closed. A FaultHang
// always ends with an error.
//
// Every emulator of this module applies its faults with AwaitFault (gRPC)
// or [ServeFault] (HTTP), so that a fault does the same everywhere; a
// test's own emulator can too.
func AwaitFault(ctx context.Context, f Fault, clk iam.Clock, closed <-chan struct{}) error {
	switch f.Kind {
	case FaultLatency:
		if clock.Wait(ctx, clock.Or(clk), f.Delay, closed) {
			return nil
		}
	case FaultHang:
		select {
		case <-ctx.Done():
		case <-closed:
		}
	default:
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errFaultClosed
}

// ServeFault carries out f on an HTTP request and reports whether it
// answered (or dropped) the request; false means serve it as usual.
//
//   - FaultStatus: Status defaults to 503, RetryAfter is sent as the
//     Retry-After header, and answer writes the error in the provider's
//     shape (answer gets f with its Status set).
//   - FaultLatency: waits Delay on clk (see [AwaitFault]), then false.
//   - FaultHang: holds the request until the client gives up or closed is
//     closed.
//   - FaultReset: closes the connection at once (TCP reset where it can).
//
// A request that a fault ends with no answer (a hang, or a latency cut
// short by the client or by Close) is aborted with http.ErrAbortHandler:
// the client sees the connection close, never an empty 200. Call it after
// reading the request body, so that the server notices a client that
// goes away.
func ServeFault(w http.ResponseWriter, r *http.Request, f Fault, clk iam.Clock, closed <-chan struct{},
	answer func(w http.ResponseWriter, f Fault)) bool {
	switch f.Kind {
	case FaultStatus:
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		answer(w, f)
		return true
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // no hijacking (HTTP/2): abort the stream
	}
	if AwaitFault(r.Context(), f, clk, closed) != nil {
		panic(http.ErrAbortHandler) // no answer: returning would send an empty 200
	}
	return false
}
