package yandexauth_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

// TestMarshalKeyFileRoundTrip: what MarshalKeyFile writes, ParseKeyFile
// reads back with every field, in yc's layout; the committed key.json read
// and written again comes out byte for byte.
func TestMarshalKeyFileRoundTrip(t *testing.T) {
	key, err := auth.NewServiceAccountKey("ajekeyrt", "ajesart", authtest.RSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	in := &yandexauth.KeyFile{
		Key:          key,
		CreatedAt:    time.Date(2025, 5, 28, 19, 17, 17, 721526532, time.FixedZone("MSK", 3*3600)),
		KeyAlgorithm: "RSA_2048",
		PublicKey:    "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
		Description:  "for <ci> & tests",
	}
	b, err := yandexauth.MarshalKeyFile(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := yandexauth.ParseKeyFile(b, "key.json")
	if err != nil {
		t.Fatalf("ParseKeyFile(MarshalKeyFile(f)): %v", err)
	}
	if out.Key.KeyID != "ajekeyrt" || out.Key.ServiceAccountID != "ajesart" || !out.Key.PrivateKey().Equal(key.PrivateKey()) ||
		!out.CreatedAt.Equal(in.CreatedAt) || out.KeyAlgorithm != in.KeyAlgorithm || out.PublicKey != in.PublicKey || out.Description != in.Description {
		t.Errorf("round trip gave %v", out)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["created_at"] != "2025-05-28T16:17:17.721526532Z" ||
		!strings.HasPrefix(m["private_key"], "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajekeyrt>\n-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("created_at %q, private_key %.80q", m["created_at"], m["private_key"])
	}
	// yc's encoding: three-space indent, < and > escaped, a final newline.
	if !bytes.HasPrefix(b, []byte("{\n   \"id\": \"ajekeyrt\",\n   \"service_account_id\"")) || !bytes.Contains(b, []byte(`\u003cajekeyrt\u003e`)) || !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("not in yc layout:\n%s", b)
	}

	// Optional fields are left out when unset.
	b, err = yandexauth.MarshalKeyFile(&yandexauth.KeyFile{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	m = nil
	_ = json.Unmarshal(b, &m)
	if len(m) != 3 {
		t.Errorf("minimal key file has fields %v", m)
	}

	fixture := mustRead(t, filepath.Join("testdata", "keys", "yandex-key.json"))
	f, err := yandexauth.ParseKeyFile(fixture, "key.json")
	if err != nil {
		t.Fatal(err)
	}
	again, err := yandexauth.MarshalKeyFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, fixture) {
		t.Errorf("fixture re-encoded differs:\n%s\nwant\n%s", again, fixture)
	}
}

func TestMarshalKeyFileRefusesIncompleteKeys(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	noKID := *key
	noKID.KeyID = ""
	for name, f := range map[string]*yandexauth.KeyFile{
		"nil": nil, "no key": {}, "no private key": {Key: &auth.ServiceAccountKey{KeyID: "k", ServiceAccountID: "s"}}, "no key ID": {Key: &noKID},
	} {
		if b, err := yandexauth.MarshalKeyFile(f); err == nil || b != nil || !strings.HasPrefix(err.Error(), "yandexauth: MarshalKeyFile: ") {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
}
