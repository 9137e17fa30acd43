package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/auth/internal/keyfile"
)

var (
	testKeyOnce sync.Once
	testKeyVal  *rsa.PrivateKey
	testKeyErr  error
)

// testRSAKey returns a 2048-bit RSA key generated once per test binary.
func testRSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	testKeyOnce.Do(func() { testKeyVal, testKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if testKeyErr != nil {
		tb.Fatalf("generate RSA key: %v", testKeyErr)
	}
	return testKeyVal
}

func testServiceAccountKey(tb testing.TB) *ServiceAccountKey {
	tb.Helper()
	k, err := NewServiceAccountKey("publickey-test01", "serviceaccount-test01", testRSAKey(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func pkcs8PEM(tb testing.TB, key any) string {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func readFixture(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// pemBodyLines returns the base64 lines of every PEM block in s (the lines
// that carry key material), at least 16 characters long.
func pemBodyLines(s string) []string {
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

// assertNoKeyMaterial fails if text contains a base64 line of pemText or a
// private number of key.
func assertNoKeyMaterial(t *testing.T, text, pemText string, key *rsa.PrivateKey) {
	t.Helper()
	for _, line := range pemBodyLines(pemText) {
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

func TestParsePrivateKeyPEM(t *testing.T) {
	pkcs8 := readFixture(t, "rsa2048-pkcs8.pem")
	pkcs1 := readFixture(t, "rsa2048-pkcs1.pem")
	want, err := x509.ParsePKCS8PrivateKey(mustPEMBlock(t, pkcs8).Bytes)
	if err != nil {
		t.Fatal(err)
	}
	wantN := want.(*rsa.PrivateKey).N

	ok := []struct {
		name string
		data string
	}{
		{"pkcs8", pkcs8},
		{"pkcs1", pkcs1},
		{"yandex prefix line", "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajek123>\n" + pkcs8},
		{"escaped newlines", strings.ReplaceAll(pkcs8, "\n", `\n`)},
		{"escaped CRLF", strings.ReplaceAll(pkcs8, "\n", `\r\n`)},
		{"CRLF", strings.ReplaceAll(pkcs1, "\n", "\r\n")},
		{"BOM", "\xEF\xBB\xBF" + pkcs8},
		{"certificate before key", readFixture(t, "rsa2048-cert.pem") + pkcs8},
		{"public key before key", readFixture(t, "rsa2048-public.pem") + pkcs1},
		{"PKCS#1 labelled PRIVATE KEY", strings.ReplaceAll(pkcs1, "RSA PRIVATE KEY", "PRIVATE KEY")},
		{"PKCS#8 labelled RSA PRIVATE KEY", strings.ReplaceAll(pkcs8, "PRIVATE KEY", "RSA PRIVATE KEY")},
		{"surrounding whitespace", "\n\n  \n" + pkcs8 + "\n\n"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePrivateKeyPEM([]byte(tc.data), "key.pem")
			if err != nil {
				t.Fatalf("ParsePrivateKeyPEM: %v", err)
			}
			if k.N.Cmp(wantN) != 0 {
				t.Fatal("parsed a different key")
			}
		})
	}

	lines := strings.Split(pkcs8, "\n")
	truncated := strings.Join(lines[:len(lines)/2], "\n") + "\n"
	truncatedWithEnd := strings.Join(append(append([]string{}, lines[:len(lines)/2]...), "-----END PRIVATE KEY-----"), "\n") + "\n"
	corrupt := strings.Replace(pkcs8, lines[3], strings.Repeat("!", len(lines[3])), 1)
	bad := []struct {
		name    string
		data    string
		wantErr error
		wantMsg string
	}{
		{"empty", "", ErrEmptyKey, "empty"},
		{"whitespace", " \n\t\n", ErrEmptyKey, "empty"},
		{"no PEM block", "this is not a key\n", ErrMalformedKey, "no PEM block"},
		{"JSON instead of PEM", `{"id":"x"}`, ErrMalformedKey, "no PEM block"},
		{"truncated no END", truncated, ErrMalformedKey, "truncated or corrupt"},
		{"truncated DER", truncatedWithEnd, ErrMalformedKey, "truncated or corrupt"},
		{"corrupt base64", corrupt, ErrMalformedKey, "truncated or corrupt"},
		{"encrypted PKCS#8", readFixture(t, "rsa2048-encrypted-pkcs8.pem"), ErrEncryptedKey, "openssl"},
		{"encrypted PKCS#1", readFixture(t, "rsa2048-encrypted-pkcs1.pem"), ErrEncryptedKey, "decrypt"},
		{"EC PKCS#8", readFixture(t, "ec-p256-pkcs8.pem"), ErrNotRSA, "ECDSA P-256"},
		{"EC SEC1", readFixture(t, "ec-p256-sec1.pem"), ErrNotRSA, "EC private key"},
		{"Ed25519", readFixture(t, "ed25519-pkcs8.pem"), ErrNotRSA, "Ed25519"},
		// openssl 3 "dsaparam -genkey": DSA PARAMETERS, then a PKCS#8 key.
		{"DSA parameters and PKCS#8", readFixture(t, "dsa-params-pkcs8.pem"), ErrNotRSA, "DSA"},
		// openssl 1.x "dsaparam -genkey": DSA PARAMETERS, then DSA PRIVATE KEY.
		{"DSA parameters and traditional", readFixture(t, "dsa-params-traditional.pem"), ErrNotRSA, "DSA private key"},
		{"DSA PKCS#8", readFixture(t, "dsa-pkcs8.pem"), ErrNotRSA, "DSA"},
		{"DSA parameters alone", "-----BEGIN DSA PARAMETERS-----\nAAAA\n-----END DSA PARAMETERS-----\n", ErrNotRSA, "DSA parameters"},
		{"EC parameters alone", "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n", ErrNotRSA, "EC parameters"},
		{"public key", readFixture(t, "rsa2048-public.pem"), ErrPublicKeyGiven, `"PUBLIC KEY"`},
		{"certificate", readFixture(t, "rsa2048-cert.pem"), ErrPublicKeyGiven, `"CERTIFICATE"`},
		{"1024-bit", readFixture(t, "rsa1024-pkcs8.pem"), ErrKeyTooSmall, "1024 bits"},
		{"unknown block type", "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", ErrMalformedKey, `"FOO"`},
		{"openssh", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", ErrMalformedKey, "ssh-keygen"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePrivateKeyPEM([]byte(tc.data), "/keys/sa.pem")
			if err == nil {
				t.Fatalf("ParsePrivateKeyPEM = %v, want error", k)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %q does not match %v", err, tc.wantErr)
			}
			var kfe *KeyFileError
			if !errors.As(err, &kfe) || kfe.Source != "/keys/sa.pem" {
				t.Fatalf("error %#v is not a *KeyFileError with the source", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "auth: /keys/sa.pem: ") {
				t.Errorf("error %q does not start with the source", msg)
			}
			if !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("error %q does not contain %q", msg, tc.wantMsg)
			}
			// Exactly one of the key sentinels matches.
			n := 0
			for _, s := range []error{ErrEmptyKey, ErrMalformedKey, ErrEncryptedKey, ErrNotRSA, ErrPublicKeyGiven, ErrKeyTooSmall} {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("error %q matches %d sentinels, want 1", msg, n)
			}
			assertNoKeyMaterial(t, msg, tc.data, nil)
		})
	}
}

func mustPEMBlock(t *testing.T, s string) *pem.Block {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b
}

func TestNewServiceAccountKey(t *testing.T) {
	key := testRSAKey(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, kid, sa string
		key           *rsa.PrivateKey
		wantErr       string
	}{
		{"ok", "kid", "sa", key, ""},
		{"empty key ID", "", "sa", key, "key ID is empty"},
		{"blank key ID", "  ", "sa", key, "key ID is empty"},
		{"empty service account", "kid", "", key, "service account ID is empty"},
		{"nil key", "kid", "sa", nil, "private key is nil"},
		{"1024-bit key", "kid", "sa", small, "1024 bits, at least 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewServiceAccountKey(tc.kid, tc.sa, tc.key)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if k.KeyID != tc.kid || k.ServiceAccountID != tc.sa || k.PrivateKey() != tc.key || k.Source != "" {
					t.Fatalf("got %v", k)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	_, err = NewServiceAccountKey("kid", "sa", small)
	if !errors.Is(err, ErrKeyTooSmall) {
		t.Errorf("small key error %v does not match ErrKeyTooSmall", err)
	}
}

// TestServiceAccountKeyNeverPrintsKeyMaterial prints a key every way a
// program might and checks that the IDs show and the key does not.
func TestServiceAccountKeyNeverPrintsKeyMaterial(t *testing.T) {
	k := testServiceAccountKey(t)
	k.Source = "/home/u/key.json"
	pemText := pkcs8PEM(t, k.PrivateKey())
	type wrapper struct {
		Key   *ServiceAccountKey
		Value ServiceAccountKey
	}
	w := wrapper{Key: k, Value: *k}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10v", "%-30s"} {
		outputs = append(outputs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, *k), fmt.Sprintf(verb, w), fmt.Sprintf(verb, &w))
	}
	outputs = append(outputs, fmt.Sprint(k), fmt.Sprintln(*k), k.String(), k.GoString())

	var logBuf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logBuf, nil), slog.NewJSONHandler(&logBuf, nil)} {
		l := slog.New(h)
		l.Info("loaded", "key", k, "value", *k, "wrapped", w)
		l.Info("loaded", slog.Any("key", k))
	}
	outputs = append(outputs, logBuf.String())

	for _, v := range []any{k, *k, w} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
	}

	for _, out := range outputs {
		assertNoKeyMaterial(t, out, pemText, k.PrivateKey())
		if strings.Contains(out, "ServiceAccountKey") || strings.Contains(out, "key_id") {
			if !strings.Contains(out, "publickey-test01") || !strings.Contains(out, "serviceaccount-test01") {
				t.Errorf("output %q does not show the IDs", out)
			}
		}
	}
	if got, want := k.String(), `ServiceAccountKey{KeyID: "publickey-test01", ServiceAccountID: "serviceaccount-test01", Source: "/home/u/key.json", PrivateKey: REDACTED}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if got := fmt.Sprintf("%#v", k); !strings.HasPrefix(got, "auth.ServiceAccountKey{") {
		t.Errorf("%%#v = %s", got)
	}
	b, _ := json.Marshal(k)
	if got, want := string(b), `{"key_id":"publickey-test01","service_account_id":"serviceaccount-test01","source":"/home/u/key.json"}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	if !strings.Contains(logBuf.String(), "key.key_id=publickey-test01") {
		t.Errorf("slog text output lacks the key ID group:\n%s", logBuf.String())
	}
}

func TestLoadPrivateKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("testdata", "keys", "rsa2048-pkcs1.pem")
	k, err := LoadPrivateKeyFile(good, "publickey-1", "serviceaccount-1")
	if err != nil {
		t.Fatal(err)
	}
	if k.Source != good || k.KeyID != "publickey-1" || k.ServiceAccountID != "serviceaccount-1" || k.PrivateKey() == nil {
		t.Fatalf("got %v", k)
	}

	if _, err := LoadPrivateKeyFile(good, "", "serviceaccount-1"); err == nil || !strings.Contains(err.Error(), "key ID is empty") {
		t.Errorf("empty key ID: error = %v", err)
	}

	missing := filepath.Join(dir, "nope.pem")
	_, err = LoadPrivateKeyFile(missing, "k", "s")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: error %v does not wrap fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), missing) || strings.Count(err.Error(), missing) != 1 {
		t.Errorf("missing file: error %q should name the path once", err)
	}

	if _, err := LoadPrivateKeyFile(dir, "k", "s"); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("directory: error = %v", err)
	}

	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), keyfile.MaxFileBytes+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPrivateKeyFile(big, "k", "s"); !errors.Is(err, ErrMalformedKey) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: error = %v", err)
	}

	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadPrivateKeyFile(empty, "k", "s")
	if !errors.Is(err, ErrEmptyKey) || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty file: error = %v", err)
	}
}

func TestKeyFileErrorFormat(t *testing.T) {
	tests := []struct {
		err  *KeyFileError
		want string
	}{
		{&KeyFileError{Source: "a.json", Field: "subject-credentials.kid", Err: ErrMissingField}, "auth: a.json: subject-credentials.kid: required field is missing"},
		{&KeyFileError{Err: ErrEmptyKey}, "auth: key is empty"},
		{&KeyFileError{Field: "id", Err: ErrMissingField}, "auth: id: required field is missing"},
		{&KeyFileError{Source: "x"}, "auth: x: invalid key file"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
