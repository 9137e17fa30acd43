package nebiusauth_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

// TestMarshalCredentialsRoundTrip: what MarshalCredentials writes,
// ParseCredentials reads back as the same key, and a credentials file read
// and written again comes out byte for byte as the CLI's layout.
func TestMarshalCredentialsRoundTrip(t *testing.T) {
	key, err := auth.NewServiceAccountKey("publickey-e00rt", "serviceaccount-e00rt", authtest.RSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := nebiusauth.MarshalCredentials(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := nebiusauth.ParseCredentials(b, "rt.json")
	if err != nil {
		t.Fatalf("ParseCredentials(MarshalCredentials(key)): %v\n", err)
	}
	if back.KeyID != key.KeyID || back.ServiceAccountID != key.ServiceAccountID || !back.PrivateKey().Equal(key.PrivateKey()) {
		t.Errorf("round trip gave %v", back)
	}
	var shape struct {
		SC map[string]string `json:"subject-credentials"`
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{"type": "JWT", "alg": "RS256", "kid": "publickey-e00rt", "iss": "serviceaccount-e00rt", "sub": "serviceaccount-e00rt"} {
		if shape.SC[field] != want {
			t.Errorf("%s = %q, want %q", field, shape.SC[field], want)
		}
	}
	if !strings.HasPrefix(shape.SC["private-key"], "-----BEGIN PRIVATE KEY-----\n") || len(shape.SC) != 6 {
		t.Errorf("subject-credentials has %d fields, private-key %.30q", len(shape.SC), shape.SC["private-key"])
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte("\n  \"subject-credentials\": {\n    \"type\"")) {
		t.Errorf("layout:\n%s", b[:60])
	}

	// The committed fixture, read and written again, is unchanged.
	path := filepath.Join("testdata", "keys", "nebius-credentials.json")
	fixture, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := nebiusauth.ParseCredentials(fixture, path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := nebiusauth.MarshalCredentials(k)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, fixture) {
		t.Errorf("fixture re-encoded differs:\n%s\nwant\n%s", again, fixture)
	}
}

func TestMarshalCredentialsRefusesIncompleteKeys(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	noKID, noSA := *key, *key
	noKID.KeyID, noSA.ServiceAccountID = "", " "
	for name, k := range map[string]*auth.ServiceAccountKey{
		"nil": nil, "no private key": {KeyID: "k", ServiceAccountID: "s"}, "no key ID": &noKID, "no service account": &noSA,
	} {
		if b, err := nebiusauth.MarshalCredentials(k); err == nil || b != nil || !strings.HasPrefix(err.Error(), "nebiusauth: MarshalCredentials: ") {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
}
