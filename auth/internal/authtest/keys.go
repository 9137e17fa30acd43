package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/auth"
)

var (
	keyOnce sync.Once
	keyVal  *rsa.PrivateKey
	keyErr  error
)

// RSAKey returns a 2048-bit RSA key generated once per test binary.
func RSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	keyOnce.Do(func() { keyVal, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		tb.Fatalf("generate RSA key: %v", keyErr)
	}
	return keyVal
}

// ServiceAccountKey returns [RSAKey] with the IDs "publickey-test01" and
// "serviceaccount-test01".
func ServiceAccountKey(tb testing.TB) *auth.ServiceAccountKey {
	tb.Helper()
	k, err := auth.NewServiceAccountKey("publickey-test01", "serviceaccount-test01", RSAKey(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// PKCS8PEM returns key as a "PRIVATE KEY" PEM block.
func PKCS8PEM(tb testing.TB, key any) string {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// PEMBodyLines returns the base64 lines of every PEM block in s (the lines
// that carry key material), at least 16 characters long.
func PEMBodyLines(s string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(strings.ReplaceAll(s, `\n`, "\n"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "-----BEGIN"):
			in = true
		case strings.HasPrefix(line, "-----END"):
			in = false
		case in && len(line) >= 16 && !strings.Contains(line, ":"):
			out = append(out, line)
		}
	}
	return out
}

// AssertNoKeyMaterial fails if text contains a base64 line of pemText or a
// private number of key (which may be nil).
func AssertNoKeyMaterial(t *testing.T, text, pemText string, key *rsa.PrivateKey) {
	t.Helper()
	for _, line := range PEMBodyLines(pemText) {
		if strings.Contains(text, line) {
			t.Fatalf("text contains key material %q:\n%s", line, text)
		}
		if len(line) >= 24 && strings.Contains(text, line[4:20]) {
			t.Fatalf("text contains part of key material %q:\n%s", line[4:20], text)
		}
	}
	if key != nil {
		for _, n := range []string{key.D.String(), key.D.Text(16), key.Primes[0].String(), key.Primes[0].Text(16)} {
			if strings.Contains(strings.ToLower(text), n[:32]) {
				t.Fatalf("text contains a private number of the key:\n%s", text)
			}
		}
	}
}

// CanaryLine is planted in the PEM bodies of the fuzz seeds; it is valid
// base64, so parsing gets as far as the DER.
const CanaryLine = "CANARYcanaryCANARYcanaryCANARYcanaryCANARYcanaryCANARYcanaryCANA"

// CheckNoEcho fails if err's text contains a PEM body line of input (other
// than one of its BEGIN/END lines, whose block type may be quoted).
func CheckNoEcho(t *testing.T, input []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	s := strings.ReplaceAll(string(input), `\n`, "\n")
	var armor strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "-----") {
			armor.WriteString(line)
		}
	}
	for _, line := range PEMBodyLines(s) {
		if strings.Contains(armor.String(), line) {
			continue
		}
		if strings.Contains(msg, line) {
			t.Fatalf("error echoes key material %q: %s", line, msg)
		}
	}
}

// DecodeJWT splits a compact JWT and decodes its header and claims
// (numbers as json.Number).
func DecodeJWT(t *testing.T, tok string) (header, claims map[string]any, signingInput string, sig []byte) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	dec := func(s string, v any) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("segment is not base64url without padding: %v", err)
		}
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if err := d.Decode(v); err != nil {
			t.Fatalf("segment %s is not JSON: %v", b, err)
		}
	}
	dec(parts[0], &header)
	dec(parts[1], &claims)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	return header, claims, parts[0] + "." + parts[1], sig
}
