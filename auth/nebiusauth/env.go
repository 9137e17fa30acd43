package nebiusauth

import (
	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/source"
)

// EnvIAMToken is the environment variable [EnvTokenSource] reads, as the
// Nebius CLI and SDK do.
const EnvIAMToken = "NEBIUS_IAM_TOKEN"

// EnvTokenSource returns a static source for the token in
// NEBIUS_IAM_TOKEN, as the Nebius CLI and SDK read it. The error names the
// variable when it is unset or empty.
func EnvTokenSource() (*auth.StaticTokenSource, error) {
	return source.FromEnv("nebiusauth", EnvIAMToken)
}
