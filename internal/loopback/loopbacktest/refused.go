package loopbacktest

import "testing"

// Refused returns a 127.0.0.1 host:port on which every TCP dial is refused
// until t and its subtests have finished. It fails the test if no such
// port can be held.
func Refused(t testing.TB) string {
	t.Helper()
	return held(t, false)
}

// Free returns a 127.0.0.1 host:port for a server the test starts on that
// address (an Addr option): until t and its subtests have finished, a
// listener asking for that port by number may take it, and no socket
// asking for any port is given it, so no other test's server or dial can
// take it first. A dial there is refused until the test's server listens.
// It fails the test if no such port can be held. The port is held so only
// on Linux; see the package doc.
func Free(t testing.TB) string {
	t.Helper()
	return held(t, true)
}

// held holds a port (see hold) until t's cleanup.
func held(t testing.TB, shareable bool) string {
	t.Helper()
	addr, release, err := hold(shareable)
	if err != nil {
		t.Fatalf("loopbacktest: holding a loopback port (shareable %v): %v", shareable, err)
	}
	t.Cleanup(release)
	return addr
}
