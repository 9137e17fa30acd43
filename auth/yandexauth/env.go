package yandexauth

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// Environment variables [EnvTokenSource] and [LoadKeyFileFromEnv] read.
const (
	// EnvIAMToken holds an IAM token; it is read first.
	EnvIAMToken = "YC_IAM_TOKEN"
	// EnvToken holds an IAM token when EnvIAMToken is unset (yc users
	// also keep OAuth tokens there, which are refused).
	EnvToken = "YC_TOKEN"
	// EnvServiceAccountKeyFile names an authorized key file (key.json),
	// or holds its JSON, as for the Yandex Terraform provider.
	EnvServiceAccountKeyFile = "YC_SERVICE_ACCOUNT_KEY_FILE"
)

// EnvOptions configure [EnvTokenSource] and [LoadKeyFileFromEnv].
type EnvOptions struct {
	// Getenv reads the environment (default os.Getenv); tests set it to a
	// map lookup.
	Getenv func(string) string
}

func envGetter(optFns []func(*EnvOptions)) func(string) string {
	var o EnvOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}

// EnvTokenSource returns a static source for the IAM token in
// YC_IAM_TOKEN or, when that is unset, YC_TOKEN.
//
// YC_TOKEN is also where yc users keep OAuth tokens, which are not IAM
// tokens (they must be exchanged, and Yandex stops accepting new ones in
// 2026): a value that looks like an OAuth token ("y0_…", "AQAA…") is
// refused with an error that says so. The exact OAuth prefixes are
// UNCONFIRMED; IAM tokens start with "t1." today, but that prefix is not
// enforced since Yandex says it may change.
func EnvTokenSource(optFns ...func(*EnvOptions)) (*auth.StaticTokenSource, error) {
	getenv := envGetter(optFns)
	name := EnvIAMToken
	if getenv(name) == "" {
		name = EnvToken
	}
	v := getenv(name)
	if strings.HasPrefix(v, "y0_") || strings.HasPrefix(v, "AQAA") {
		return nil, fmt.Errorf("yandexauth: %s holds a Yandex OAuth token, not an IAM token; exchange it or use a service-account key", name)
	}
	if v == "" {
		return nil, fmt.Errorf("yandexauth: neither %s nor %s is set", EnvIAMToken, EnvToken)
	}
	s, err := auth.NewStaticTokenSource(iam.NewSecret(v), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("yandexauth: %s: %w", name, err)
	}
	return s, nil
}

// errKeyFileEnvUnset is the error of LoadKeyFileFromEnv without the
// variable.
var errKeyFileEnvUnset = errors.New("yandexauth: " + EnvServiceAccountKeyFile + " is not set")

// LoadKeyFileFromEnv loads the authorized key that YC_SERVICE_ACCOUNT_KEY_FILE
// names: the path of a key.json, or, as the Yandex Terraform provider
// also accepts, the key.json's content itself (a value starting with
// "{"). Errors are those of [LoadKeyFile] and [ParseKey]; for a key given
// inline their Source is "YC_SERVICE_ACCOUNT_KEY_FILE". It fails when the
// variable is unset.
func LoadKeyFileFromEnv(optFns ...func(*EnvOptions)) (*auth.ServiceAccountKey, error) {
	v := strings.TrimSpace(envGetter(optFns)(EnvServiceAccountKeyFile))
	switch {
	case v == "":
		return nil, errKeyFileEnvUnset
	case strings.HasPrefix(v, "{"):
		return ParseKey([]byte(v), EnvServiceAccountKeyFile)
	}
	return LoadKeyFile(v)
}
