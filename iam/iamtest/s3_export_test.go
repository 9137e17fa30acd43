package iamtest

// Pending returns how many uses of queued faults are left, so that tests can
// tell when a request has taken one (test-only).
func (f *Faults) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, ft := range f.faults {
		n += ft.Times
	}
	return n
}
