package yandex

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestResourcesRoundTrip(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 16, 29, 4, 709971428, time.UTC)
	t1 := time.Date(2026, 1, 1, 21, 0, 0, 0, time.UTC)
	values := []any{
		&APIKey{ID: "a", ServiceAccountID: "sa", CreatedAt: t0, Description: "d", LastUsedAt: t1,
			Scope: "s", Scopes: []string{"s", "t"}, ExpiresAt: t1, MaskedSecret: "****abcdef"},
		&AccessKey{ID: "a", ServiceAccountID: "sa", CreatedAt: t0, Description: "d", AccessKeyID: "YC1", LastUsedAt: t1},
		&Key{ID: "k", ServiceAccountID: "sa", CreatedAt: t0, KeyAlgorithm: RSA4096, PublicKey: "-----BEGIN PUBLIC KEY-----\n"},
		&Operation{ID: "o", CreatedAt: t0, Done: true, Metadata: json.RawMessage(`{"@type":"x","keyId":"k"}`),
			Error: &Status{Code: 5, Message: "gone", Details: []json.RawMessage{json.RawMessage(`{"@type":"y"}`)}}},
	}
	for _, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"ID"`) || strings.Contains(string(b), "0001-01-01") {
			t.Errorf("%T encodes Go names or zero times: %s", v, b)
		}
		back := reflect.New(reflect.TypeOf(v).Elem()).Interface()
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Errorf("%T round trip:\n got %+v\nwant %+v\njson %s", v, back, v, b)
		}
	}
}
