package yandexauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
	"github.com/iamkit/iamkit/auth/internal/yamlfield"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// APIKey is a service account's API key: "simplified authentication" for
// the services that accept it (Foundation Models, SpeechKit, Vision,
// Monitoring, Serverless invocations, …), within its scopes. It is sent as
// "Authorization: Api-Key <secret>", never as a Bearer token, and is not
// exchanged for an IAM token: use it through [NewAPIKeyTransport] or
// [NewAPIKeyClient].
//
// Printing an APIKey (any fmt verb, log/slog, encoding/json) never shows
// its secret.
type APIKey struct {
	// ID is the key's ID ("api_key.id"), or "" when unknown.
	ID string
	// ServiceAccountID is the service account the key acts as.
	ServiceAccountID string
	// Description is the key's description, or "".
	Description string
	// Scopes are the key's scopes ("yc.ai.foundationModels.execute", …).
	Scopes []string
	// CreatedAt is when the key was created, or zero.
	CreatedAt time.Time
	// ExpiresAt is when the key stops working, or zero for never.
	ExpiresAt time.Time
	// Secret is the key's value, shown once at creation.
	Secret iam.Secret
	// Source is the file the key was loaded from, or "".
	Source string
}

// apiKeyFile is the YAML that "yc iam api-key create … > api_key.yaml"
// writes.
type apiKeyFile struct {
	APIKey yaml.Node `yaml:"api_key"`
	Secret yaml.Node `yaml:"secret"`
}

// LoadAPIKeyFile reads the file that "yc iam api-key create … >
// api_key.yaml" writes:
//
//	api_key:
//	  id: ajeuo7ng2p6u********
//	  service_account_id: ajegtlf2q28a********
//	  created_at: "2025-04-04T10:23:08.722440521Z"
//	  scopes:
//	    - yc.monitoring.read
//	  expires_at: "2026-01-01T21:00:00Z"
//	secret: AQVN3sHvAWTemWB8QxHkunfG2x4q7G3O********
//
// See [ParseAPIKey].
//
// No official Yandex SDK reads an API key from an environment variable
// (yandex-cloud/go-sdk reads only YC_METADATA_ADDR), so iamkit reads none
// either; a program that keeps the secret in one makes the key itself:
// &yandexauth.APIKey{Secret: iam.NewSecret(os.Getenv("MY_API_KEY"))}.
func LoadAPIKeyFile(path string) (*APIKey, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, &auth.KeyFileError{Source: path, Err: err}
	}
	return ParseAPIKey(data, path)
}

// ParseAPIKey parses an API key file (see [LoadAPIKeyFile]); JSON, a
// subset of YAML, is accepted too. "secret" is required; the fields of
// "api_key" are optional, and the older singular "scope" is read as a
// scope. Errors are [*auth.KeyFileError] values naming the file (source)
// and the field ("secret", "api_key.expires_at", …), with the line; they
// never quote a value.
func ParseAPIKey(data []byte, source string) (*APIKey, error) {
	data = keyfile.TrimBOM(data)
	fail := func(field string, kind error, format string, args ...any) error {
		return &auth.KeyFileError{Source: source, Field: field, Err: keyfile.Errorf(kind, format, args...)}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &auth.KeyFileError{Source: source, Err: auth.ErrEmptyKey}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail("", auth.ErrMalformedKey, "not a valid API key YAML file: %s", yamlfield.ErrorText(err))
	}
	if len(doc.Content) == 0 { // only comments
		return nil, &auth.KeyFileError{Source: source, Err: auth.ErrEmptyKey}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fail("", auth.ErrMalformedKey, "line %d: want a mapping with api_key and secret, found %s", root.Line, yamlfield.Kind(root))
	}
	k := &APIKey{Source: source}
	var (
		meta      *yaml.Node
		hasSecret bool
		keyJSON   bool // the fields of an authorized key (key.json)
	)
	if err := yamlfield.EachKey(root, "", source, func(key string, v *yaml.Node) error {
		switch key {
		case "api_key", "apiKey":
			meta = v
		case "secret":
			hasSecret = true
			var s string
			if err := yamlfield.String(v, key, source, &s); err != nil {
				return err
			}
			if strings.ContainsAny(s, " \t\r\n") {
				return fail(key, auth.ErrInvalidField, "line %d: the secret contains white space", v.Line)
			}
			k.Secret = iam.NewSecret(s)
		case "private_key", "privateKey":
			keyJSON = true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if keyJSON && !hasSecret {
		return nil, fail("", auth.ErrInvalidField, "this is an authorized key file (key.json, for yandexauth.LoadKeyFile), not an API key file")
	}
	if k.Secret.IsZero() {
		return nil, fail("secret", auth.ErrMissingField, "the API key's secret is missing (yc shows it once, at creation)")
	}
	if meta != nil && !yamlfield.IsNull(meta) {
		if err := k.parseMeta(meta, source); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// parseMeta reads the "api_key" mapping.
func (k *APIKey) parseMeta(n *yaml.Node, source string) error {
	if n.Kind != yaml.MappingNode {
		return &auth.KeyFileError{Source: source, Field: "api_key",
			Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a mapping, found %s", n.Line, yamlfield.Kind(n))}
	}
	timeField := func(field string, v *yaml.Node, dst *time.Time) error {
		var s string
		if err := yamlfield.String(v, field, source, &s); err != nil || s == "" {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return &auth.KeyFileError{Source: source, Field: field,
				Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: not an RFC 3339 time", v.Line)}
		}
		*dst = t
		return nil
	}
	var scope string
	err := yamlfield.EachKey(n, "api_key", source, func(key string, v *yaml.Node) error {
		field := "api_key." + key
		switch key {
		case "id":
			return yamlfield.String(v, field, source, &k.ID)
		case "service_account_id", "serviceAccountId":
			return yamlfield.String(v, field, source, &k.ServiceAccountID)
		case "description":
			return yamlfield.String(v, field, source, &k.Description)
		case "created_at", "createdAt":
			return timeField(field, v, &k.CreatedAt)
		case "expires_at", "expiresAt":
			return timeField(field, v, &k.ExpiresAt)
		case "scope":
			return yamlfield.String(v, field, source, &scope)
		case "scopes":
			if yamlfield.IsNull(v) {
				return nil
			}
			if v.Kind != yaml.SequenceNode {
				return &auth.KeyFileError{Source: source, Field: field,
					Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a list of scopes, found %s", v.Line, yamlfield.Kind(v))}
			}
			for i, s := range v.Content {
				var sc string
				if err := yamlfield.String(s, fmt.Sprintf("%s[%d]", field, i), source, &sc); err != nil {
					return err
				}
				if sc != "" {
					k.Scopes = append(k.Scopes, sc)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(k.Scopes) == 0 && scope != "" {
		k.Scopes = []string{scope}
	}
	return nil
}

// Expired reports whether the key has an expiry at or before now.
func (k *APIKey) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// String returns the key as %v prints it, its secret redacted.
func (k APIKey) String() string { return safeprint.String(k) }

// GoString returns the key as %#v prints it, its secret redacted.
func (k APIKey) GoString() string { return safeprint.GoString(k) }

// Format prints the key under every fmt verb, its secret redacted.
func (k APIKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the key's fields, its secret redacted.
func (k APIKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// errNoAPIKey is the error of a transport without a usable key.
var errNoAPIKey = errors.New("yandexauth: APIKeyTransport has no API key secret")

// APIKeyTransport is an http.RoundTripper that adds "Authorization:
// Api-Key <secret>" to every request on the origin (scheme, host and port)
// its redirect chain started on. A redirect hop to another origin (another
// host, a subdomain, another port or scheme) is sent without the key and
// without any other credential header the request carried, whatever the
// http.Client's redirect policy: the same rule as every iamkit credential
// (see package auth, # Redirects).
//
// An API key cannot be refreshed: a 401 answer is returned as it is. An
// APIKeyTransport is safe for concurrent use.
type APIKeyTransport struct {
	// Key is the API key; its Secret must be set.
	Key *APIKey
	// Base is the underlying transport; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// NewAPIKeyTransport returns a transport that authorizes requests with key
// and sends them with base (nil: http.DefaultTransport).
func NewAPIKeyTransport(key *APIKey, base http.RoundTripper) *APIKeyTransport {
	return &APIKeyTransport{Key: key, Base: base}
}

// NewAPIKeyClient returns an *http.Client whose requests carry key. It
// follows redirects as net/http does; a hop to another origin carries no
// key (see [APIKeyTransport]).
func NewAPIKeyClient(key *APIKey) *http.Client {
	return &http.Client{Transport: NewAPIKeyTransport(key, nil)}
}

// RoundTrip authorizes and sends req; a redirect hop to another origin
// than the first request's is sent without credentials.
func (t *APIKeyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if httpx.CrossOriginHop(req) {
		return base.RoundTrip(httpx.WithoutCredentials(req))
	}
	if t.Key == nil || t.Key.Secret.IsZero() {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errNoAPIKey
	}
	r := req.Clone(req.Context())
	r.Body = req.Body
	r.Header.Set("Authorization", "Api-Key "+t.Key.Secret.Reveal())
	return base.RoundTrip(r)
}

// String returns the transport as %v prints it, its key's secret redacted.
func (t *APIKeyTransport) String() string { return safeprint.String(t) }

// GoString returns the transport as %#v prints it, its key's secret redacted.
func (t *APIKeyTransport) GoString() string { return safeprint.GoString(t) }

// Format prints the transport under every fmt verb, its key's secret redacted.
func (t *APIKeyTransport) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, t) }

// LogValue makes log/slog print the transport's fields, its key's secret redacted.
func (t *APIKeyTransport) LogValue() slog.Value { return safeprint.LogValue(t) }
