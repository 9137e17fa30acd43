package nebiusauth_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

func credentialsJSON(t *testing.T, edit func(sc map[string]any)) []byte {
	t.Helper()
	sc := map[string]any{
		"type":        "JWT",
		"alg":         "RS256",
		"private-key": authtest.PKCS8PEM(t, authtest.RSAKey(t)),
		"kid":         "publickey-e00abc",
		"iss":         "serviceaccount-e00xyz",
		"sub":         "serviceaccount-e00xyz",
	}
	if edit != nil {
		edit(sc)
	}
	b, err := json.Marshal(map[string]any{"subject-credentials": sc})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCredentials(t *testing.T) {
	pemText := authtest.PKCS8PEM(t, authtest.RSAKey(t))
	ok := []struct {
		name string
		edit func(map[string]any)
	}{
		{"complete", nil},
		{"no type", func(m map[string]any) { delete(m, "type") }},
		{"empty type", func(m map[string]any) { m["type"] = "" }},
		{"unknown fields", func(m map[string]any) { m["extra"] = map[string]any{"a": 1}; m["created"] = 5 }},
		{"PKCS#1 key", func(m map[string]any) {
			m["private-key"] = readFixture(t, "rsa2048-pkcs1.pem")
		}},
		{"literal backslash-n", func(m map[string]any) { m["private-key"] = strings.ReplaceAll(pemText, "\n", `\n`) }},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			k, err := nebiusauth.ParseCredentials(credentialsJSON(t, tc.edit), "creds.json")
			if err != nil {
				t.Fatal(err)
			}
			if k.KeyID != "publickey-e00abc" || k.ServiceAccountID != "serviceaccount-e00xyz" || k.Source != "creds.json" || k.PrivateKey() == nil {
				t.Fatalf("got %v", k)
			}
		})
	}

	bad := []struct {
		name      string
		data      []byte
		wantErr   error
		wantField string
		wantMsg   string
	}{
		{"empty", nil, auth.ErrEmptyKey, "", "empty"},
		{"not JSON", []byte("-----BEGIN PRIVATE KEY-----"), auth.ErrMalformedKey, "", "byte offset"},
		{"truncated JSON", credentialsJSON(t, nil)[:300], auth.ErrMalformedKey, "", "syntax error"},
		{"no subject-credentials", []byte(`{"other":{}}`), auth.ErrMissingField, "subject-credentials", "required object is missing"},
		{"subject-credentials not object", []byte(`{"subject-credentials":"x"}`), auth.ErrInvalidField, "subject-credentials", "expected a JSON object, found string"},
		{"kid not string", []byte(`{"subject-credentials":{"kid":5}}`), auth.ErrInvalidField, "subject-credentials.kid", "found number"},
		{"bad type", credentialsJSON(t, func(m map[string]any) { m["type"] = "OAUTH" }), auth.ErrInvalidField, "subject-credentials.type", `"JWT"`},
		{"no alg", credentialsJSON(t, func(m map[string]any) { delete(m, "alg") }), auth.ErrMissingField, "subject-credentials.alg", "RS256"},
		{"bad alg", credentialsJSON(t, func(m map[string]any) { m["alg"] = "PS256" }), auth.ErrInvalidField, "subject-credentials.alg", `"RS256"`},
		{"no kid", credentialsJSON(t, func(m map[string]any) { delete(m, "kid") }), auth.ErrMissingField, "subject-credentials.kid", "missing"},
		{"no iss", credentialsJSON(t, func(m map[string]any) { delete(m, "iss") }), auth.ErrMissingField, "subject-credentials.iss", "missing"},
		// As gosdk refuses it: sub is required to equal iss.
		{"no sub", credentialsJSON(t, func(m map[string]any) { delete(m, "sub") }), auth.ErrMissingField, "subject-credentials.sub", "must equal subject-credentials.iss"},
		{"empty sub", credentialsJSON(t, func(m map[string]any) { m["sub"] = " " }), auth.ErrMissingField, "subject-credentials.sub", "must equal subject-credentials.iss"},
		{"iss != sub", credentialsJSON(t, func(m map[string]any) { m["sub"] = "serviceaccount-other" }), auth.ErrInvalidField, "subject-credentials.sub", "must equal subject-credentials.iss"},
		{"no private-key", credentialsJSON(t, func(m map[string]any) { delete(m, "private-key") }), auth.ErrMissingField, "subject-credentials.private-key", "missing"},
		{"public key", credentialsJSON(t, func(m map[string]any) { m["private-key"] = readFixture(t, "rsa2048-public.pem") }), auth.ErrPublicKeyGiven, "subject-credentials.private-key", "public key"},
		{"EC key", credentialsJSON(t, func(m map[string]any) { m["private-key"] = readFixture(t, "ec-p256-pkcs8.pem") }), auth.ErrNotRSA, "subject-credentials.private-key", "ECDSA"},
		{"encrypted key", credentialsJSON(t, func(m map[string]any) { m["private-key"] = readFixture(t, "rsa2048-encrypted-pkcs8.pem") }), auth.ErrEncryptedKey, "subject-credentials.private-key", "decrypt"},
		{"truncated key", credentialsJSON(t, func(m map[string]any) { m["private-key"] = pemText[:len(pemText)/2] }), auth.ErrMalformedKey, "subject-credentials.private-key", "truncated"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nebiusauth.ParseCredentials(tc.data, "/etc/sa/creds.json")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v does not match %v", err, tc.wantErr)
			}
			var kfe *auth.KeyFileError
			if !errors.As(err, &kfe) {
				t.Fatalf("error %#v is not a *auth.KeyFileError", err)
			}
			if kfe.Source != "/etc/sa/creds.json" || kfe.Field != tc.wantField {
				t.Errorf("Source, Field = %q, %q, want %q, %q", kfe.Source, kfe.Field, "/etc/sa/creds.json", tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
			authtest.AssertNoKeyMaterial(t, err.Error(), string(tc.data), authtest.RSAKey(t))
		})
	}
}

func TestLoadCredentialsFile(t *testing.T) {
	path := filepath.Join("testdata", "keys", "nebius-credentials.json")
	k, err := nebiusauth.LoadCredentialsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID != "publickey-e00test0001" || k.ServiceAccountID != "serviceaccount-e00test0001" || k.Source != path {
		t.Fatalf("got %v", k)
	}

	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	_, err = nebiusauth.LoadCredentialsFile(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error = %v", err)
	}

	badPath := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badPath, credentialsJSON(t, func(m map[string]any) { delete(m, "kid") }), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = nebiusauth.LoadCredentialsFile(badPath)
	if want := "auth: " + badPath + ": subject-credentials.kid: required field is missing"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// readFixture reads one of the shared key fixtures of package auth.
func readFixture(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "keys", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
