package nebiusauth

import (
	"os"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/source"
)

// EnvIAMToken is the environment variable [EnvTokenSource] reads, as the
// Nebius CLI and SDK do.
const EnvIAMToken = "NEBIUS_IAM_TOKEN"

// EnvOptions configure [EnvTokenSource], as yandexauth.EnvOptions
// configure yandexauth's.
type EnvOptions struct {
	// Getenv reads the environment (default os.Getenv); tests set it to a
	// map lookup.
	Getenv func(string) string
}

// EnvTokenSource returns a static source for the token in
// NEBIUS_IAM_TOKEN, as the Nebius CLI and SDK read it, trimmed of
// surrounding white space. The error names the variable when it is unset
// or blank. Nil option functions are skipped.
func EnvTokenSource(optFns ...func(*EnvOptions)) (*auth.StaticTokenSource, error) {
	var o EnvOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return source.FromEnv("nebiusauth", EnvIAMToken, o.Getenv)
}
