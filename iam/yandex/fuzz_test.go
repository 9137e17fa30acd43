package yandex

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
)

// FuzzDecodeError: any error answer becomes an *iam.Error with the status,
// a bounded message and no secret, and never panics.
func FuzzDecodeError(f *testing.F) {
	f.Add(404, []byte(`{"code":5,"message":"not found","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"r"}]}`))
	f.Add(400, []byte(`{"code":"9","message":"busy"}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(500, []byte(``))
	f.Add(401, []byte(`{"code":16,"message":"token t1.SECRETSECRET rejected"}`))
	f.Add(429, []byte(`{"code":1e400}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 500
		}
		resp := &httpx.Response{StatusCode: status, Header: http.Header{}, Body: body}
		err := decodeError("Op", resp, []string{"t1.SECRETSECRET"})
		var ie *iam.Error
		if !errors.As(err, &ie) || ie.HTTPStatus != status {
			t.Fatalf("decodeError = %#v", err)
		}
		text := err.Error()
		if strings.Contains(text, "t1.SECRETSECRET") {
			t.Fatalf("secret in %q", text)
		}
		if len(ie.Message) > maxMessageLen+64 {
			t.Fatalf("message is %d bytes", len(ie.Message))
		}
	})
}

// FuzzDecodeResources: the proto3 JSON decoders never panic, and what they
// accept they accept consistently.
func FuzzDecodeResources(f *testing.F) {
	f.Add([]byte(`{"id":"op","done":true,"createdAt":"2018-10-30T15:55:00+00:00","response":{"@type":"x"},"error":{"code":"5"}}`))
	f.Add([]byte(`{"apiKey":{"id":"k","scopes":["a"],"expiresAt":"2025-04-09T08:41:27Z","lastUsedAt":null},"secret":"s"}`))
	f.Add([]byte(`{"key":{"id":"k","keyAlgorithm":2},"privateKey":"-----BEGIN PRIVATE KEY-----"}`))
	f.Add([]byte(`{"accessKeyId":"a","secret":"s","sessionToken":"t","expiresAt":"2025-03-03T16:29:04.709971428Z"}`))
	f.Add([]byte(`"2025-03-03t16:29:04.7z"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var op Operation
		if json.Unmarshal(data, &op) == nil {
			_ = op.Err()
			_ = op.MetadataType()
			_ = op.ResponseType()
		}
		var a CreatedAPIKey
		_ = json.Unmarshal(data, &a)
		var k CreatedKey
		if json.Unmarshal(data, &k) == nil {
			// What KeyFile writes always loads back as the same key.
			if b, err := k.KeyFile(); err == nil {
				key, err := yandexauth.ParseKey(b, "key.json")
				if err != nil || key.KeyID != k.Key.ID || key.ServiceAccountID != k.Key.ServiceAccountID {
					t.Fatalf("KeyFile wrote a file that does not load back: %v", err)
				}
			}
		}
		var ak CreatedAccessKey
		_ = json.Unmarshal(data, &ak)
		var e EphemeralAccessKey
		_ = json.Unmarshal(data, &e)
		var ts timestamp
		if json.Unmarshal(data, &ts) == nil && !ts.IsZero() {
			b, err := json.Marshal(ts)
			var back timestamp
			if err != nil || json.Unmarshal(b, &back) != nil || !back.Equal(ts.Time) {
				// Years outside 0000–9999 cannot round-trip through RFC 3339.
				if y := ts.Year(); y >= 0 && y <= 9999 {
					t.Fatalf("timestamp %v does not round-trip: %s", ts.Time, b)
				}
			}
		}
	})
}
