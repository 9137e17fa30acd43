package auth

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const yandexPrefix = "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajekey01>\n"

func yandexKeyFileJSON(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"id":                 "ajekey01",
		"service_account_id": "ajesa01",
		"created_at":         "2025-05-28T16:17:17.721526532Z",
		"key_algorithm":      "RSA_2048",
		"public_key":         readFixture(t, "rsa2048-public.pem"),
		"private_key":        yandexPrefix + pkcs8PEM(t, testRSAKey(t)),
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

func TestParseYandexKey(t *testing.T) {
	pemText := pkcs8PEM(t, testRSAKey(t))
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
		{"yc output", yandexKeyFileJSON(t, nil), "RSA_2048", true},
		{"committed fixture", []byte(readFixture(t, "yandex-key.json")), "RSA_2048", true},
		{"camelCase", yandexKeyFileJSON(t, camel), "RSA_2048", true},
		{"unescaped angle brackets", []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(yandexKeyFileJSON(t, nil)))), "RSA_2048", true},
		{"no prefix line", yandexKeyFileJSON(t, func(m map[string]any) { m["private_key"] = pemText }), "RSA_2048", true},
		{"literal backslash-n", yandexKeyFileJSON(t, func(m map[string]any) {
			m["private_key"] = strings.ReplaceAll(yandexPrefix+pemText, "\n", `\n`)
		}), "RSA_2048", true},
		{"unknown fields", yandexKeyFileJSON(t, func(m map[string]any) { m["storage_access_key"] = "x"; m["last_used_at"] = nil }), "RSA_2048", true},
		{"numeric algorithm", yandexKeyFileJSON(t, func(m map[string]any) { m["key_algorithm"] = 2 }), "RSA_4096", true},
		{"bad created_at", yandexKeyFileJSON(t, func(m map[string]any) { m["created_at"] = "yesterday" }), "RSA_2048", false},
		{"minimal", yandexKeyFileJSON(t, func(m map[string]any) {
			delete(m, "created_at")
			delete(m, "key_algorithm")
			delete(m, "public_key")
		}), "", false},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseYandexKeyFile(tc.data, "key.json")
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
			k2, err := ParseYandexKey(tc.data, "key.json")
			if err != nil || k2.KeyID != k.KeyID {
				t.Errorf("ParseYandexKey = %v, %v", k2, err)
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
		{"empty", []byte("  "), ErrEmptyKey, "", "empty"},
		{"PEM instead of JSON", []byte(pemText), ErrMalformedKey, "", "not a valid Yandex Cloud key JSON file"},
		{"array", []byte(`[1,2]`), ErrInvalidField, "", "expected a JSON object, found array"},
		{"user account key", yandexKeyFileJSON(t, func(m map[string]any) {
			delete(m, "service_account_id")
			m["user_account_id"] = "ajeuser"
		}), ErrUserAccountKey, "user_account_id", "user account keys are not supported"},
		{"no id", yandexKeyFileJSON(t, func(m map[string]any) { delete(m, "id") }), ErrMissingField, "id", "missing"},
		{"no service account", yandexKeyFileJSON(t, func(m map[string]any) { delete(m, "service_account_id") }), ErrMissingField, "service_account_id", "missing"},
		{"no private key", yandexKeyFileJSON(t, func(m map[string]any) { delete(m, "private_key") }), ErrMissingField, "private_key", "missing"},
		{"only the prefix line", yandexKeyFileJSON(t, func(m map[string]any) { m["private_key"] = yandexPrefix }), ErrMalformedKey, "private_key", "no PEM block"},
		{"public key as private", yandexKeyFileJSON(t, func(m map[string]any) { m["private_key"] = m["public_key"] }), ErrPublicKeyGiven, "private_key", "public key"},
		{"Ed25519 key", yandexKeyFileJSON(t, func(m map[string]any) { m["private_key"] = readFixture(t, "ed25519-pkcs8.pem") }), ErrNotRSA, "private_key", "Ed25519"},
		{"id not a string", yandexKeyFileJSON(t, func(m map[string]any) { m["id"] = true }), ErrInvalidField, "id", "found bool"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseYandexKey(tc.data, "/sa/key.json")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v does not match %v", err, tc.wantErr)
			}
			var kfe *KeyFileError
			if !errors.As(err, &kfe) || kfe.Source != "/sa/key.json" || kfe.Field != tc.wantField {
				t.Fatalf("error %#v: want *KeyFileError with Field %q", err, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
			assertNoKeyMaterial(t, err.Error(), string(tc.data), testRSAKey(t))
		})
	}
}

func TestLoadYandexKeyFile(t *testing.T) {
	path := filepath.Join("testdata", "keys", "yandex-key.json")
	k, err := LoadYandexKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID != "ajektestkey0001" || k.ServiceAccountID != "ajetestsa0001" || k.Source != path {
		t.Fatalf("got %v", k)
	}
	missing := filepath.Join(t.TempDir(), "key.json")
	if _, err := LoadYandexKeyFile(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error = %v", err)
	}
}
