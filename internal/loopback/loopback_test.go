package loopback

import (
	"strings"
	"testing"
)

func TestIsHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "LocalHost": true,
		"127.0.0.1": true, "127.9.9.9": true, "127.255.255.255": true,
		"::1": true, "::1%lo0": true, "0:0:0:0:0:0:0:1": true, "::ffff:127.0.0.1": true,

		"": false, "0.0.0.0": false, "::": false, "10.0.0.1": false, "128.0.0.1": false,
		"::2": false, "fe80::1": false, "[::1]": false, "localhost.": false, "x.localhost": false,
		"localhost.evil.com": false, "127.0.0.1.nip.io": false, "cpl.iam.api.nebius.cloud": false,
		"127.1": false, "0x7f.0.0.1": false, "2130706433": false,
	} {
		if got := IsHost(host); got != want {
			t.Errorf("IsHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestIsAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1": true, "127.9.9.9:1": true, "[::1]:1": true, "localhost:1": true, "LOCALHOST:1": true,
		"localhost": true, "127.0.0.1": true, "[::1]": true, "::1": true,
		"10.0.0.1:1": false, "cpl.iam.api.nebius.cloud:443": false, "localhost.evil.com:1": false,
		"[::]:1": false, ":8080": false, "0.0.0.0:0": false, "": false,
	} {
		if got := IsAddr(addr); got != want {
			t.Errorf("IsAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:0", "localhost:18400", "[::1]:0", "127.0.0.2:7000"} {
		if err := CheckAddr(ok); err != nil {
			t.Errorf("CheckAddr(%q) = %v, want nil", ok, err)
		}
	}
	for addr, want := range map[string]string{
		"0.0.0.0:18400": `host "0.0.0.0" is not a loopback address`,
		":0":            `host "" is not a loopback address`,
		"10.1.2.3:80":   `host "10.1.2.3" is not a loopback address`,
		"127.0.0.1":     `address "127.0.0.1": want host:port`,
		"example.com":   `want host:port`,
	} {
		err := CheckAddr(addr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAddr(%q) = %v, want an error containing %q", addr, err, want)
		}
	}
}
