// Package loopbacktest gives tests loopback ports that no other test can
// take: one on which a TCP dial is refused for the whole test ([Refused]),
// and one kept for a server the test starts there itself ([Free]).
//
// The usual way, listening on 127.0.0.1:0 and closing the listener, frees
// the port at once: the next server any test starts (an emulator of the
// same test, another package run in parallel) may be given that very port,
// and a dial meant to be refused then reaches it. [Refused] instead binds a
// socket to a port and never listens on it. A dial there is refused (the
// kernel answers a SYN for a port nobody listens on with a reset), and no
// other socket can bind the port until the test's cleanup closes it.
// [Free] binds its socket with SO_REUSEADDR: a listener that asks for the
// port by number (and sets SO_REUSEADDR, as package net's listeners do on
// unix) may share it, while the kernel gives it to no socket asking for
// any port (bind to port 0 and a dial's local port skip a port somebody
// has bound).
//
// The guarantees hold on Linux, where CI runs. Refused holds its port on
// every unix; Free only on Linux (darwin and the BSDs let a listener share
// a bound port only with SO_REUSEPORT, which package net does not set).
// Elsewhere (Refused off unix, Free off Linux) they fall back to a port
// that was free a moment ago.
//
// It is for tests only.
//
// Minimal use:
//
//	addr := loopbacktest.Refused(t) // "127.0.0.1:40123"
//	_, err := net.Dial("tcp", addr) // connection refused
//
//	srv := startServer(loopbacktest.Free(t)) // nobody else got that port
//
// # Concurrency
//
// [Refused] and [Free] are safe for concurrent use; each call holds its
// own port.
package loopbacktest
