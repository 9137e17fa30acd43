package iamtest

import (
	"strings"
	"sync"
	"time"
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
