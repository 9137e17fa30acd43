package auth

import (
	"strings"
	"testing"
)

// The fuzz targets check that the key parsers never panic and that an error
// never echoes key material: no base64 line of a PEM body in the input (the
// seed corpora under testdata/fuzz plant a "CANARY…" line in such bodies)
// shows up in the error text.
//
// Run one with, for example:
//
//	go test ./auth -run '^$' -fuzz FuzzParsePrivateKeyPEM -fuzztime 10s

// canaryLine is planted in the PEM bodies of seed inputs; it is valid
// base64, so parsing gets as far as the DER.
const canaryLine = "CANARYcanaryCANARYcanaryCANARYcanaryCANARYcanaryCANARYcanaryCANA"

// checkNoEcho fails if err's text contains a PEM body line of input.
func checkNoEcho(t *testing.T, input []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	s := strings.ReplaceAll(string(input), `\n`, "\n")
	var armor strings.Builder // BEGIN/END lines: their block type may be quoted
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "-----") {
			armor.WriteString(line)
		}
	}
	for _, line := range pemBodyLines(s) {
		if strings.Contains(armor.String(), line) {
			continue
		}
		if strings.Contains(msg, line) {
			t.Fatalf("error echoes key material %q: %s", line, msg)
		}
	}
}

func FuzzParsePrivateKeyPEM(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzParsePrivateKeyPEM; these two keep the
	// target meaningful without them.
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n" + canaryLine + "\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := ParsePrivateKeyPEM(data, "fuzz.pem")
		if err == nil {
			if key == nil || key.N.BitLen() < MinRSAKeyBits {
				t.Fatalf("accepted an unusable key")
			}
			return
		}
		checkNoEcho(t, data, err)
	})
}
