package auth_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

func TestNoCredentialsError(t *testing.T) {
	err := error(&auth.NoCredentialsError{Provider: iam.Yandex, Tried: []auth.Source{
		{Kind: auth.SourceEnv, Name: "YC_IAM_TOKEN", Detail: "not set"},
		{Kind: auth.SourceMetadata, Name: "http://127.0.0.1:1/token", Detail: "connection refused"},
	}})
	if !errors.Is(err, auth.ErrNoCredentials) || !errors.Is(fmt.Errorf("wrapped: %w", err), auth.ErrNoCredentials) {
		t.Fatal("NoCredentialsError does not match ErrNoCredentials")
	}
	if errors.Is(err, auth.ErrEmptyKey) {
		t.Fatal("NoCredentialsError matches another sentinel")
	}
	want := "auth: no yandex credentials found (tried: env YC_IAM_TOKEN (not set); metadata http://127.0.0.1:1/token (connection refused))"
	if got := err.Error(); got != want {
		t.Fatalf("Error() = %q\nwant      %q", got, want)
	}
	if got := (&auth.NoCredentialsError{}).Error(); got != "auth: no credentials found" {
		t.Fatalf("empty error = %q", got)
	}
	if got := (auth.Source{Kind: "profile", Name: `"default"`}).String(); got != `profile "default"` {
		t.Fatalf("Source.String() = %q", got)
	}
}
