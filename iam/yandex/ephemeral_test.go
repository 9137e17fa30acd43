package yandex_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestEphemeralAccessKeys(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	k, err := e.client.EphemeralAccessKeys().Create(ctx, yandex.CreateEphemeralAccessKeyRequest{
		SessionName: "ci-build_42@example.com",
		Policy:      `{"Version":"2012-10-17","Statement":[]}`,
		Duration:    time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if k.AccessKeyID == "" || k.Secret.IsZero() || k.SessionToken.IsZero() || !k.ExpiresAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("key = %+v", k)
	}
	if s := fmt.Sprintf("%v %+v", k, k.ToIAM()); strings.Contains(s, k.Secret.Reveal()) || strings.Contains(s, k.SessionToken.Reveal()) {
		t.Fatal("secret printed")
	}
	n := k.ToIAM()
	if n.SessionToken.Reveal() != k.SessionToken.Reveal() || n.AccessKeyID != k.AccessKeyID || !n.Expires() {
		t.Fatalf("ToIAM = %+v", n)
	}
	s3, ok := e.srv.Registry.S3Key(k.AccessKeyID)
	if !ok || !s3.SessionToken.Equal(k.SessionToken) || !s3.ExpiresAt.Equal(k.ExpiresAt) {
		t.Fatalf("registry = %+v", s3)
	}
	// The policy limit counts characters, not bytes: 2048 two-byte
	// characters are accepted.
	wide := `"` + strings.Repeat("é", 2046) + `"`
	if _, err := e.client.EphemeralAccessKeys().Create(ctx, yandex.CreateEphemeralAccessKeyRequest{SessionName: "s", Policy: wide}); err != nil {
		t.Fatalf("policy of %d characters (%d bytes): %v", len([]rune(wide)), len(wide), err)
	}
	// Without a duration, the key lives as long as the caller's token.
	k2, err := e.client.EphemeralAccessKeys().Create(ctx, yandex.CreateEphemeralAccessKeyRequest{SessionName: "s"})
	if err != nil || !k2.ExpiresAt.Equal(start.Add(12*time.Hour)) {
		t.Fatalf("no duration: %+v, %v", k2, err)
	}

	sent := e.srv.Calls("")
	for name, req := range map[string]yandex.CreateEphemeralAccessKeyRequest{
		"empty session":    {},
		"long session":     {SessionName: strings.Repeat("s", 65)},
		"bad session char": {SessionName: "a b"},
		"long policy":      {SessionName: "s", Policy: `"` + strings.Repeat("p", 2048) + `"`},
		"policy not JSON":  {SessionName: "s", Policy: "{"},
		"short duration":   {SessionName: "s", Duration: time.Minute},
		"long duration":    {SessionName: "s", Duration: 8761 * time.Hour},
		"long subject":     {SessionName: "s", SubjectID: strings.Repeat("a", 51)},
	} {
		if _, err := e.client.EphemeralAccessKeys().Create(ctx, req); !errors.Is(err, iam.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	if n := e.srv.Calls("") - sent; n != 0 {
		t.Errorf("bad requests reached the service %d times", n)
	}
}

func TestEphemeralRequestBody(t *testing.T) {
	var cap captured
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cap.add(r)
		fmt.Fprint(w, `{"accessKeyId":"a","secret":"YCs","sessionToken":"s1.t","expiresAt":"2026-03-01T13:00:00.123+00:00","new":1}`)
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL)
	k, err := c.EphemeralAccessKeys().Create(ctxT(t), yandex.CreateEphemeralAccessKeyRequest{
		SubjectID: "aje1", SessionName: "s", Duration: 90*time.Minute + 500*time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if k.ExpiresAt.Nanosecond() != 123000000 {
		t.Fatalf("expiresAt = %v", k.ExpiresAt)
	}
	reqs := cap.all()
	var body map[string]any
	_ = json.Unmarshal(reqs[0].body, &body)
	if reqs[0].path != "/iam/aws-compatibility/v1/ephemeralAccessKeys" || body["duration"] != "5400.500s" ||
		body["subjectId"] != "aje1" || body["sessionName"] != "s" || body["policy"] != nil {
		t.Fatalf("request %s %v", reqs[0].path, body)
	}
}
