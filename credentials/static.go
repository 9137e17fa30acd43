package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamkit/iamkit/iam"
)

// Source names that iamkit's providers put in aws.Credentials.Source:
// "iamkit/static/<cloud>" and "iamkit/managed/<cloud>".
const (
	staticSourcePrefix  = "iamkit/static/"
	managedSourcePrefix = "iamkit/managed/"
)

// StaticProvider is an aws.CredentialsProvider that always returns the
// same access key, for example one just created through a
// [iam.KeyManager], or an ID and secret read from configuration.
//
// Printing a StaticProvider (fmt, slog) shows the access key ID and the
// source, never the secret or the session token.
type StaticProvider struct {
	// creds is what Retrieve returns, without the secret and the session
	// token: those stay in iam.Secret values until Retrieve hands them out,
	// so that no reflection over a StaticProvider (an unexported field, a
	// wrong fmt verb) can reach them.
	creds           aws.Credentials
	secret, session iam.Secret
}

// NewStaticProvider returns a provider for key. The key must have an
// AccessKeyID and a Secret; a SessionToken (Yandex ephemeral keys) is sent
// with every request, and a key with an ExpiresAt is reported to the AWS SDK
// as expiring then (CanExpire, Expires). The key's Provider names the cloud
// in aws.Credentials.Source ("iamkit/static/yandex").
func NewStaticProvider(key iam.AccessKey) (*StaticProvider, error) {
	if key.AccessKeyID == "" {
		return nil, errors.New("credentials: static key: AccessKeyID is empty")
	}
	if key.Secret.IsZero() {
		return nil, fmt.Errorf("credentials: static key %s: Secret is empty (clouds show a secret only when the key is created)", key.AccessKeyID)
	}
	creds := awsCredentials(key, staticSourcePrefix)
	creds.SecretAccessKey, creds.SessionToken = "", ""
	return &StaticProvider{creds: creds, secret: key.Secret, session: key.SessionToken}, nil
}

// awsCredentials converts an access key to the AWS SDK's form.
func awsCredentials(key iam.AccessKey, sourcePrefix string) aws.Credentials {
	src := sourcePrefix + string(key.Provider)
	if key.Provider == "" {
		src = sourcePrefix + "unknown"
	}
	c := aws.Credentials{
		AccessKeyID:     key.AccessKeyID,
		SecretAccessKey: key.Secret.Reveal(),
		SessionToken:    key.SessionToken.Reveal(),
		Source:          src,
	}
	if key.Expires() {
		c.CanExpire = true
		c.Expires = key.ExpiresAt
	}
	return c
}

// Retrieve returns the key's credentials. It never fails and does no I/O.
func (p *StaticProvider) Retrieve(context.Context) (aws.Credentials, error) {
	c := p.creds
	c.SecretAccessKey, c.SessionToken = p.secret.Reveal(), p.session.Reveal()
	return c, nil
}

// String describes the provider without its secret.
func (p *StaticProvider) String() string {
	return fmt.Sprintf("credentials.StaticProvider{AccessKeyID: %s, Source: %s, Secret: %s}", p.creds.AccessKeyID, p.creds.Source, iam.Redacted)
}

// GoString is like String, for %#v.
func (p *StaticProvider) GoString() string { return p.String() }

// Format prints String under every fmt verb, so that no verb can reach the
// secret inside.
func (p *StaticProvider) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.String())) }

// LogValue makes slog print the access key ID and source only.
func (p *StaticProvider) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", p.creds.AccessKeyID), slog.String("source", p.creds.Source))
}

var _ aws.CredentialsProvider = (*StaticProvider)(nil)
