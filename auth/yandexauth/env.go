package yandexauth

import (
	"errors"
	"fmt"
	"os"
	"regexp"
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
// YC_IAM_TOKEN or, when that is unset or blank, YC_TOKEN. The value is
// trimmed of surrounding white space.
//
// YC_TOKEN is also where yc users keep OAuth tokens, which are not IAM
// tokens: a value that is an OAuth token is refused with an error that
// says to exchange it (iamkit does not: Yandex stops accepting new OAuth
// tokens in 2026, and the yc CLI or a service-account key gets an IAM
// token instead). OAuth tokens are recognised by the forms go-sdk v2's
// log sanitizer matches ("y0_" to "y6_", regexp ^y[0-6]_) and the legacy
// form starting "AQAA". IAM tokens start with "t1." today, but that
// prefix is not enforced since Yandex says it may change.
func EnvTokenSource(optFns ...func(*EnvOptions)) (*auth.StaticTokenSource, error) {
	getenv := envGetter(optFns)
	name := EnvIAMToken
	if strings.TrimSpace(getenv(name)) == "" {
		name = EnvToken
	}
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return nil, fmt.Errorf("yandexauth: neither %s nor %s is set", EnvIAMToken, EnvToken)
	}
	if isOAuthToken(v) {
		return nil, fmt.Errorf("yandexauth: %s holds a Yandex OAuth token, not an IAM token: exchange it for an IAM token "+
			"(yc iam create-token) and set that, or use a service-account key", name)
	}
	s, err := auth.NewStaticTokenSource(iam.NewSecret(v), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("yandexauth: %s: %w", name, err)
	}
	return s, nil
}

// oauthToken matches the Yandex OAuth token forms: y0_ to y6_ (the
// pattern y[0-6]_ of go-sdk v2's pkg/transport/middleware/grpcdebug
// sanitizer) and the legacy AQAA… tokens.
var oauthToken = regexp.MustCompile(`^(?:y[0-6]_|AQAA)`)

// isOAuthToken reports whether v (trimmed) looks like a Yandex OAuth
// token rather than an IAM token: it starts with "y0_" … "y6_" or "AQAA".
func isOAuthToken(v string) bool { return oauthToken.MatchString(strings.TrimSpace(v)) }

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
