package yandexauth

import (
	"fmt"
	"os"
	"strings"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/source"
)

// Environment variables [EnvTokenSource] reads.
const (
	// EnvIAMToken holds an IAM token; it is read first.
	EnvIAMToken = "YC_IAM_TOKEN"
	// EnvToken holds an IAM token when EnvIAMToken is unset (yc users
	// also keep OAuth tokens there, which are refused).
	EnvToken = "YC_TOKEN"
)

// EnvTokenSource returns a static source for the IAM token in
// YC_IAM_TOKEN or, when that is unset, YC_TOKEN.
//
// YC_TOKEN is also where yc users keep OAuth tokens, which are not IAM
// tokens (they must be exchanged, and Yandex stops accepting new ones in
// 2026): a value that looks like an OAuth token ("y0_…", "AQAA…") is
// refused with an error that says so. The exact OAuth prefixes are
// UNCONFIRMED; IAM tokens start with "t1." today, but that prefix is not
// enforced since Yandex says it may change.
func EnvTokenSource() (*auth.StaticTokenSource, error) {
	name := EnvIAMToken
	if os.Getenv(name) == "" {
		name = EnvToken
	}
	v := os.Getenv(name)
	if strings.HasPrefix(v, "y0_") || strings.HasPrefix(v, "AQAA") {
		return nil, fmt.Errorf("yandexauth: %s holds a Yandex OAuth token, not an IAM token; exchange it or use a service-account key", name)
	}
	if name == EnvToken && v == "" {
		return nil, fmt.Errorf("yandexauth: neither %s nor %s is set", EnvIAMToken, EnvToken)
	}
	return source.FromEnv("yandexauth", name)
}
