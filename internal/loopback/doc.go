// Package loopback decides whether a host or an address names the local
// machine. It is iamkit's one rule for "loopback only": plain http, gRPC
// without TLS and Basic authentication over http are accepted only to a
// loopback host (an emulator), and the emulators listen only there.
//
// The rule: the name "localhost" (in any case, as DNS names compare), or
// an IP literal in 127.0.0.0/8 or ::1 (also as an IPv4-mapped IPv6
// address, with or without a zone). Nothing else: not a name under
// localhost ("x.localhost", "localhost.example.com"), not the unspecified
// address (0.0.0.0, ::, an empty host), which listens on every interface,
// and no name that would need a DNS answer to decide.
//
// Minimal use:
//
//	if u.Scheme == "http" && !loopback.IsHost(u.Hostname()) { … refuse … }
//	if err := loopback.CheckAddr(opts.Addr); err != nil { … refuse … }
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package loopback
