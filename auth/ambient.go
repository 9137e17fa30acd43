package auth

import (
	"errors"
	"strings"

	"github.com/iamkit/iamkit/iam"
)

// ErrNoCredentials is matched (errors.Is) by the error of a default chain
// (nebius.LoadDefaultConfig, yandex.LoadDefaultConfig,
// outscale.LoadDefaultConfig) that found no credentials in any of its
// sources. The error itself is a [*NoCredentialsError] that lists every
// source tried and why it was skipped.
var ErrNoCredentials = errors.New("auth: no credentials found")

// The kinds of [Source] the default chains report.
const (
	// SourceEnv: a token or key held in environment variables; Name is
	// the variable.
	SourceEnv = "env"
	// SourceKeyFile: a key file named by an environment variable or an
	// option; Name is its path.
	SourceKeyFile = "key-file"
	// SourceProfile: a profile of a CLI's configuration file; Name is the
	// profile, Detail names the file.
	SourceProfile = "profile"
	// SourceTokenFile: a file holding a token, re-read when it changes;
	// Name is its path.
	SourceTokenFile = "token-file"
	// SourceMetadata: a VM metadata service; Name is the token URL.
	SourceMetadata = "metadata"
)

// Source describes where a default chain found its credentials, or, in a
// [NoCredentialsError], a source it tried and skipped. It never holds a
// secret.
type Source struct {
	// Kind is one of SourceEnv, SourceKeyFile, SourceProfile,
	// SourceTokenFile, SourceMetadata.
	Kind string
	// Name identifies the source: the environment variable, the file
	// path, the profile name, the metadata URL.
	Name string
	// Detail says more: which file a profile is in, which key or service
	// account it holds; in a NoCredentialsError, why the source was
	// skipped.
	Detail string
}

// String returns "kind name (detail)", e.g.
// `profile "default" (/home/me/.config/yandex-cloud/config.yaml: service-account-key ajek… of ajel…)`.
func (s Source) String() string {
	var b strings.Builder
	b.WriteString(s.Kind)
	if s.Name != "" {
		b.WriteString(" ")
		b.WriteString(s.Name)
	}
	if s.Detail != "" {
		b.WriteString(" (")
		b.WriteString(s.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// NoCredentialsError is returned by a default chain when none of its
// sources holds credentials. It matches [ErrNoCredentials].
type NoCredentialsError struct {
	// Provider is the cloud whose chain ran.
	Provider iam.Provider
	// Tried lists the sources in the order tried; each Detail says why
	// the source was skipped.
	Tried []Source
}

// Error lists the sources tried and why each was skipped:
// "auth: no yandex credentials found (tried: env YC_IAM_TOKEN (not set); …)".
func (e *NoCredentialsError) Error() string {
	var b strings.Builder
	b.WriteString("auth: no ")
	if e.Provider != "" {
		b.WriteString(string(e.Provider))
		b.WriteString(" ")
	}
	b.WriteString("credentials found")
	if len(e.Tried) > 0 {
		b.WriteString(" (tried: ")
		for i, s := range e.Tried {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(s.String())
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is [ErrNoCredentials].
func (e *NoCredentialsError) Is(target error) bool { return target == ErrNoCredentials }
