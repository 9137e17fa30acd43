package credentials_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
)

func TestStaticProvider(t *testing.T) {
	const canary = "CANARY-secret-7f3a9"
	exp := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name    string
		key     iam.AccessKey
		wantErr string
	}{
		{name: "nebius", key: iam.AccessKey{Provider: iam.Nebius, AccessKeyID: "NAKI1", Secret: iam.NewSecret(canary), ExpiresAt: exp}},
		{name: "yandex ephemeral", key: iam.AccessKey{Provider: iam.Yandex, AccessKeyID: "YCA1", Secret: iam.NewSecret(canary), SessionToken: iam.NewSecret(canary + "-token"), ExpiresAt: exp}},
		{name: "outscale no expiry", key: iam.AccessKey{Provider: iam.Outscale, AccessKeyID: "ABCDEFGHIJ0123456789", Secret: iam.NewSecret(canary)}},
		{name: "no id", key: iam.AccessKey{Secret: iam.NewSecret(canary)}, wantErr: "AccessKeyID is empty"},
		{name: "no secret", key: iam.AccessKey{AccessKeyID: "X1"}, wantErr: "X1: Secret is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := iamcreds.NewStaticProvider(tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != tc.key.AccessKeyID || c.SecretAccessKey != canary || c.SessionToken != tc.key.SessionToken.Reveal() ||
				c.Source != "iamkit/static/"+string(tc.key.Provider) || c.CanExpire != tc.key.Expires() || !c.Expires.Equal(tc.key.ExpiresAt) {
				t.Fatalf("credentials = %+v", c)
			}
			var logs bytes.Buffer
			slog.New(slog.NewJSONHandler(&logs, nil)).Info("provider", "p", p)
			for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprintf("%x", p), fmt.Sprintf("%q", p), logs.String()} {
				if strings.Contains(s, canary) || !strings.Contains(s, tc.key.AccessKeyID) {
					t.Fatalf("printed form leaks the secret or lacks the key ID: %s", s)
				}
			}
		})
	}
}
