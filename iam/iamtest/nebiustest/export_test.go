package nebiustest

// SetOnCall makes the emulator tell f the full method of every request as
// it arrives (before faults apply), so that a test waits for a call on a
// channel instead of polling Calls.
func (s *Server) SetOnCall(f func(method string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = f
}
