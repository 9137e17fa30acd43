package loopback

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// IsHost reports whether host, a bare host name or IP literal (as
// url.URL.Hostname returns it: no port, no brackets), names the local
// machine: "localhost" in any case, or a loopback IP.
func IsHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// IsAddr reports whether addr, a "host:port" (or a bare host), names the
// local machine (see [IsHost]).
func IsAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	}
	return IsHost(host)
}

// CheckAddr returns nil when addr is a "host:port" whose host names the
// local machine (see [IsHost]), and otherwise an error that says what is
// wrong with it. It is the check of an emulator's listen address.
func CheckAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: want host:port, e.g. 127.0.0.1:0: %w", addr, err)
	}
	if !IsHost(host) {
		return fmt.Errorf("host %q is not a loopback address (localhost, 127.0.0.0/8 or ::1)", host)
	}
	return nil
}
