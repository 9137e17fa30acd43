package yandexauth_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

const yandexPrefix = "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajekey01>\n"

func keyFileJSON(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"id":                 "ajekey01",
		"service_account_id": "ajesa01",
		"created_at":         "2025-05-28T16:17:17.721526532Z",
		"key_algorithm":      "RSA_2048",
		"public_key":         readFixture(t, "rsa2048-public.pem"),
		"private_key":        yandexPrefix + authtest.PKCS8PEM(t, authtest.RSAKey(t)),
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m) // escapes < and > as \u003c and \u003e, as yc does
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKey(t *testing.T) {
	pemText := authtest.PKCS8PEM(t, authtest.RSAKey(t))
	camel := func(m map[string]any) {
		for snake, c := range map[string]string{"service_account_id": "serviceAccountId", "created_at": "createdAt", "key_algorithm": "keyAlgorithm", "public_key": "publicKey", "private_key": "privateKey"} {
			m[c] = m[snake]
			delete(m, snake)
		}
	}
	ok := []struct {
		name     string
		data     []byte
		wantAlg  string
		wantTime bool
	}{
		{"yc output", keyFileJSON(t, nil), "RSA_2048", true},
		{"committed fixture", mustRead(t, filepath.Join("testdata", "keys", "yandex-key.json")), "RSA_2048", true},
		{"camelCase", keyFileJSON(t, camel), "RSA_2048", true},
		{"unescaped angle brackets", []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(keyFileJSON(t, nil)))), "RSA_2048", true},
		{"no prefix line", keyFileJSON(t, func(m map[string]any) { m["private_key"] = pemText }), "RSA_2048", true},
		{"literal backslash-n", keyFileJSON(t, func(m map[string]any) {
			m["private_key"] = strings.ReplaceAll(yandexPrefix+pemText, "\n", `\n`)
		}), "RSA_2048", true},
		{"unknown fields", keyFileJSON(t, func(m map[string]any) { m["storage_access_key"] = "x"; m["last_used_at"] = nil }), "RSA_2048", true},
		{"numeric algorithm", keyFileJSON(t, func(m map[string]any) { m["key_algorithm"] = 2 }), "RSA_4096", true},
		{"bad created_at", keyFileJSON(t, func(m map[string]any) { m["created_at"] = "yesterday" }), "RSA_2048", false},
		{"minimal", keyFileJSON(t, func(m map[string]any) {
			delete(m, "created_at")
			delete(m, "key_algorithm")
			delete(m, "public_key")
		}), "", false},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			f, err := yandexauth.ParseKeyFile(tc.data, "key.json")
			if err != nil {
				t.Fatal(err)
			}
			k := f.Key
			wantID, wantSA := "ajekey01", "ajesa01"
			if tc.name == "committed fixture" {
				wantID, wantSA = "ajektestkey0001", "ajetestsa0001"
			}
			if k.KeyID != wantID || k.ServiceAccountID != wantSA || k.Source != "key.json" || k.PrivateKey() == nil {
				t.Fatalf("got %v", k)
			}
			if f.KeyAlgorithm != tc.wantAlg {
				t.Errorf("KeyAlgorithm = %q, want %q", f.KeyAlgorithm, tc.wantAlg)
			}
			wantCreated := time.Date(2025, 5, 28, 16, 17, 17, 721526532, time.UTC)
			if tc.wantTime != f.CreatedAt.Equal(wantCreated) {
				t.Errorf("CreatedAt = %v", f.CreatedAt)
			}
			if tc.wantAlg != "" && !strings.HasPrefix(f.PublicKey, "-----BEGIN PUBLIC KEY-----") {
				t.Errorf("PublicKey = %q", f.PublicKey)
			}
			k2, err := yandexauth.ParseKey(tc.data, "key.json")
			if err != nil || k2.KeyID != k.KeyID {
				t.Errorf("ParseKey = %v, %v", k2, err)
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
		{"empty", []byte("  "), auth.ErrEmptyKey, "", "empty"},
		{"PEM instead of JSON", []byte(pemText), auth.ErrMalformedKey, "", "not a valid Yandex Cloud key JSON file"},
		{"array", []byte(`[1,2]`), auth.ErrInvalidField, "", "expected a JSON object, found array"},
		{"key of two accounts", keyFileJSON(t, func(m map[string]any) {
			m["user_account_id"] = "ajeuser"
		}), auth.ErrInvalidField, "user_account_id", "belongs to one account"},
		{"no id", keyFileJSON(t, func(m map[string]any) { delete(m, "id") }), auth.ErrMissingField, "id", "missing"},
		{"no service account", keyFileJSON(t, func(m map[string]any) { delete(m, "service_account_id") }), auth.ErrMissingField, "service_account_id", "missing"},
		{"no private key", keyFileJSON(t, func(m map[string]any) { delete(m, "private_key") }), auth.ErrMissingField, "private_key", "missing"},
		{"only the prefix line", keyFileJSON(t, func(m map[string]any) { m["private_key"] = yandexPrefix }), auth.ErrMalformedKey, "private_key", "no PEM block"},
		{"public key as private", keyFileJSON(t, func(m map[string]any) { m["private_key"] = m["public_key"] }), auth.ErrPublicKeyGiven, "private_key", "public key"},
		{"Ed25519 key", keyFileJSON(t, func(m map[string]any) { m["private_key"] = readFixture(t, "ed25519-pkcs8.pem") }), auth.ErrNotRSA, "private_key", "Ed25519"},
		{"id not a string", keyFileJSON(t, func(m map[string]any) { m["id"] = true }), auth.ErrInvalidField, "id", "found bool"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := yandexauth.ParseKey(tc.data, "/sa/key.json")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v does not match %v", err, tc.wantErr)
			}
			var kfe *auth.KeyFileError
			if !errors.As(err, &kfe) || kfe.Source != "/sa/key.json" || kfe.Field != tc.wantField {
				t.Fatalf("error %#v: want *auth.KeyFileError with Field %q", err, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
			authtest.AssertNoKeyMaterial(t, err.Error(), string(tc.data), authtest.RSAKey(t))
		})
	}
}

func TestLoadKeyFile(t *testing.T) {
	path := filepath.Join("testdata", "keys", "yandex-key.json")
	k, err := yandexauth.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID != "ajektestkey0001" || k.ServiceAccountID != "ajetestsa0001" || k.Source != path {
		t.Fatalf("got %v", k)
	}
	missing := filepath.Join(t.TempDir(), "key.json")
	if _, err := yandexauth.LoadKeyFile(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error = %v", err)
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

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
