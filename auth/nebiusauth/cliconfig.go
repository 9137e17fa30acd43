package nebiusauth

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
	"github.com/iamkit/iamkit/auth/internal/yamlfield"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// CLIConfigPath is the path of the Nebius CLI's configuration file under the
// user's home directory.
const CLIConfigPath = ".nebius/config.yaml"

// EnvProfile names the profile of the configuration file to use, as for
// the Nebius CLI and SDK (gosdk trims it).
const EnvProfile = "NEBIUS_PROFILE"

// The values of a profile's "auth-type", as gosdk spells them.
const (
	// AuthTypeServiceAccount ("service account", with a space) makes the
	// profile authenticate as a service account, with one of the four
	// combinations [CLIProfile.Credentials] describes.
	AuthTypeServiceAccount = "service account"
	// AuthTypeFederation signs in through a browser (federation-endpoint,
	// federation-id), which iamkit does not do.
	AuthTypeFederation = "federation"
)

// The credentials a profile can hold, as [CLIProfile.Credentials] names
// them.
const (
	// CredentialsTokenFile: "token-file", a file holding an access token.
	CredentialsTokenFile = "token-file"
	// CredentialsTokenEndpoint: "token-endpoint", the URL of a metadata
	// token service (as http://metadata.nebius.internal/v1/iam/sa/token).
	CredentialsTokenEndpoint = "token-endpoint"
	// CredentialsFederatedSubject: "service-account-id" with
	// "federated-subject-credentials-file-path", an external OIDC JWT
	// exchanged for the service account's tokens (workload identity).
	CredentialsFederatedSubject = "federated-subject-credentials"
	// CredentialsServiceAccountFile: "service-account-credentials-file-path",
	// the credentials JSON of "nebius iam auth-public-key generate".
	CredentialsServiceAccountFile = "service-account-credentials-file"
	// CredentialsPrivateKey: "service-account-id", "public-key-id" and an
	// inline PEM "private-key".
	CredentialsPrivateKey = "private-key"
	// CredentialsPrivateKeyFile: "service-account-id", "public-key-id" and
	// "private-key-file-path".
	CredentialsPrivateKeyFile = "private-key-file"
)

// incompleteServiceAccount is gosdk's text for a "service account" profile
// whose fields make none of the four combinations.
const incompleteServiceAccount = "incomplete service account configuration: provide either " +
	"(service-account-id, federated-subject-credentials-file-path) OR (service-account-credentials-file-path) OR " +
	"(service-account-id, public-key-id and one of private-key / private-key-file-path)"

// CLIConfig is the Nebius CLI's configuration file (~/.nebius/config.yaml),
// parsed as the Nebius Go SDK (gosdk) parses it:
//
//	default: prod
//	profiles:
//	  prod:
//	    endpoint: api.nebius.cloud
//	    auth-type: service account
//	    service-account-credentials-file-path: ~/.nebius/serviceaccount-e00…-credentials.json
//	    parent-id: project-e00…
//	    tenant-id: tenant-e00…
//
// Keys gosdk does not know are ignored, as gosdk ignores them.
type CLIConfig struct {
	// File is the path the configuration was read from.
	File string
	// Default is "default", the profile used when none is named.
	Default string
	// Profiles are the profiles by name.
	Profiles map[string]*CLIProfile
}

// CLIProfile is one profile of the configuration file: every key gosdk
// reads. Paths starting with "~/" are expanded to the home directory (see
// [CLIConfigOptions]); the others are kept as written (relative ones are
// relative to the working directory, as for gosdk).
type CLIProfile struct {
	// Name is the profile's name; File the configuration file it is in.
	Name, File string
	// Endpoint is "endpoint", the API domain (api.nebius.cloud; ":443" is
	// added when it has no port), or "".
	Endpoint string
	// AuthType is "auth-type": [AuthTypeServiceAccount],
	// [AuthTypeFederation] or "".
	AuthType string
	// FederationEndpoint and FederationID are "federation-endpoint" and
	// "federation-id", the browser login's (not used by iamkit).
	FederationEndpoint, FederationID string
	// ServiceAccountID and PublicKeyID are "service-account-id" and
	// "public-key-id".
	ServiceAccountID, PublicKeyID string
	// PrivateKey is "private-key", an inline PEM private key (PKCS#1 or
	// PKCS#8). It is an iam.Secret: it prints as REDACTED.
	PrivateKey iam.Secret
	// PrivateKeyFilePath is "private-key-file-path", a PEM file.
	PrivateKeyFilePath string
	// ServiceAccountCredentialsFilePath is
	// "service-account-credentials-file-path", a credentials JSON.
	ServiceAccountCredentialsFilePath string
	// FederatedSubjectCredentialsFilePath is
	// "federated-subject-credentials-file-path", a file holding an
	// external OIDC JWT (a Kubernetes service-account token, a CI job's
	// identity token).
	FederatedSubjectCredentialsFilePath string
	// TokenFile is "token-file", a file holding an access token.
	TokenFile string
	// TokenEndpoint is "token-endpoint", the URL of a metadata token
	// service (GET with "Metadata: true"), as gosdk reads it.
	TokenEndpoint string
	// ParentID is "parent-id", the default project of the clients; TenantID
	// is "tenant-id".
	ParentID, TenantID string
	// ImpersonateServiceAccountID is "impersonate-service-account-id": the
	// profile's credentials are exchanged for a token of this service
	// account.
	ImpersonateServiceAccountID string
}

// CLIConfigOptions configure [LoadCLIConfig] and [ParseCLIConfig].
type CLIConfigOptions struct {
	// Home is the home directory a path's leading "~/" expands to; it
	// must be absolute. Default: os.UserHomeDir (a path with "~/" is an
	// error when there is none).
	Home string
}

// DefaultCLIConfigFile returns the path of the Nebius CLI's configuration
// file under the home directory that getenv names ($HOME; %USERPROFILE% on
// Windows); getenv nil means os.Getenv, and then os.UserHomeDir when HOME
// is unset. It fails when there is no home directory.
func DefaultCLIConfigFile(getenv func(string) string) (string, error) {
	home, err := homeDir(getenv)
	if err != nil {
		return "", fmt.Errorf("nebiusauth: no home directory for %s: %w", CLIConfigPath, err)
	}
	return filepath.Join(home, filepath.FromSlash(CLIConfigPath)), nil
}

// homeDir is $HOME (or %USERPROFILE%) as getenv reads it, or with getenv
// nil os.UserHomeDir.
func homeDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		return os.UserHomeDir()
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", errors.New("$HOME is not set")
	}
	return home, nil
}

// LoadCLIConfig reads the Nebius CLI's configuration file at path (see
// [DefaultCLIConfigFile] for the default one). See [ParseCLIConfig].
func LoadCLIConfig(path string, optFns ...func(*CLIConfigOptions)) (*CLIConfig, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, &auth.KeyFileError{Source: path, Err: err}
	}
	return ParseCLIConfig(data, path, optFns...)
}

// ParseCLIConfig parses the Nebius CLI's configuration file; source names it
// in errors and becomes CLIConfig.File. Every key gosdk reads must hold a
// string (null is empty); a value of another type, a key given twice or a
// file that is not YAML is an error. Errors are [*auth.KeyFileError] values
// whose Field names the profile and the key, e.g.
// "profiles.prod.private-key-file-path", with the line; they never quote a
// value. It reads no other file: the credentials a profile names are read
// by [CLIProfile.ServiceAccountKey] and the token sources.
func ParseCLIConfig(data []byte, source string, optFns ...func(*CLIConfigOptions)) (*CLIConfig, error) {
	var o CLIConfigOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Home != "" && !filepath.IsAbs(o.Home) {
		return nil, fmt.Errorf("nebiusauth: ParseCLIConfig: option Home %q is not an absolute path", o.Home)
	}
	data = keyfile.TrimBOM(data)
	c := &CLIConfig{File: source, Profiles: map[string]*CLIProfile{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &auth.KeyFileError{Source: source, Err: keyfile.Errorf(auth.ErrMalformedKey,
			"not a valid Nebius config YAML file: %s", yamlfield.ErrorText(err))}
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file: no profiles
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &auth.KeyFileError{Source: source, Err: keyfile.Errorf(auth.ErrMalformedKey,
			"line %d: want a mapping with default and profiles, found %s", root.Line, yamlfield.Kind(root))}
	}
	var profiles *yaml.Node
	if err := yamlfield.EachKey(root, "", source, func(key string, v *yaml.Node) error {
		switch key {
		case "default":
			return yamlfield.String(v, key, source, &c.Default)
		case "profiles":
			if v.Kind != yaml.MappingNode && !yamlfield.IsNull(v) {
				return &auth.KeyFileError{Source: source, Field: key,
					Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a mapping of profiles, found %s", v.Line, yamlfield.Kind(v))}
			}
			profiles = v
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if profiles == nil || yamlfield.IsNull(profiles) {
		return c, nil
	}
	home := o.Home
	if err := yamlfield.EachKey(profiles, "profiles", source, func(name string, v *yaml.Node) error {
		p, err := parseCLIProfile(name, v, source, &home)
		if err != nil {
			return err
		}
		c.Profiles[name] = p
		return nil
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func parseCLIProfile(name string, n *yaml.Node, source string, home *string) (*CLIProfile, error) {
	prefix := "profiles." + name
	p := &CLIProfile{Name: name, File: source}
	if yamlfield.IsNull(n) {
		return p, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, &auth.KeyFileError{Source: source, Field: prefix,
			Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a mapping of keys, found %s", n.Line, yamlfield.Kind(n))}
	}
	path := func(v *yaml.Node, field string, dst *string) error {
		if err := yamlfield.String(v, field, source, dst); err != nil {
			return err
		}
		out, err := expandHome(*dst, home)
		if err != nil {
			return &auth.KeyFileError{Source: source, Field: field,
				Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: cannot expand ~: %v", v.Line, err)}
		}
		*dst = out
		return nil
	}
	err := yamlfield.EachKey(n, prefix, source, func(key string, v *yaml.Node) error {
		field := prefix + "." + key
		switch key {
		case "endpoint":
			return yamlfield.String(v, field, source, &p.Endpoint)
		case "auth-type":
			return yamlfield.String(v, field, source, &p.AuthType)
		case "federation-endpoint":
			return yamlfield.String(v, field, source, &p.FederationEndpoint)
		case "federation-id":
			return yamlfield.String(v, field, source, &p.FederationID)
		case "service-account-id":
			return yamlfield.String(v, field, source, &p.ServiceAccountID)
		case "public-key-id":
			return yamlfield.String(v, field, source, &p.PublicKeyID)
		case "private-key":
			var pem string
			if err := yamlfield.String(v, field, source, &pem); err != nil {
				return err
			}
			if pem != "" {
				p.PrivateKey = iam.NewSecret(pem)
			}
		case "private-key-file-path":
			return path(v, field, &p.PrivateKeyFilePath)
		case "service-account-credentials-file-path":
			return path(v, field, &p.ServiceAccountCredentialsFilePath)
		case "federated-subject-credentials-file-path":
			return path(v, field, &p.FederatedSubjectCredentialsFilePath)
		case "token-file":
			return path(v, field, &p.TokenFile)
		case "token-endpoint":
			return yamlfield.String(v, field, source, &p.TokenEndpoint)
		case "parent-id":
			return yamlfield.String(v, field, source, &p.ParentID)
		case "tenant-id":
			return yamlfield.String(v, field, source, &p.TenantID)
		case "impersonate-service-account-id":
			return yamlfield.String(v, field, source, &p.ImpersonateServiceAccountID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// expandHome expands a leading "~" or "~/" to the home directory, found
// once (os.UserHomeDir when *home is empty).
func expandHome(p string, home *string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	if *home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		*home = h
	}
	return filepath.Join(*home, filepath.FromSlash(strings.TrimPrefix(p[1:], "/"))), nil
}

// Profile returns the profile name, or with name "" the default one: the
// file's "default", else its only profile (as gosdk chooses). Errors name
// the file and, for a missing profile, the profiles it has. (The default
// chain, nebius.LoadDefaultConfig, passes $NEBIUS_PROFILE as name.)
func (c *CLIConfig) Profile(name string) (*CLIProfile, error) {
	what := "profile"
	if name == "" {
		switch {
		case c.Default != "":
			name, what = c.Default, "default profile"
		case len(c.Profiles) == 1:
			for n := range c.Profiles {
				name = n
			}
		case len(c.Profiles) == 0:
			return nil, fmt.Errorf("nebiusauth: %s has no profiles", c.File)
		default:
			return nil, fmt.Errorf("nebiusauth: %s names no default profile and has %d (%s): set \"default\" or %s",
				c.File, len(c.Profiles), c.profileNames(), EnvProfile)
		}
	}
	p, ok := c.Profiles[name]
	if !ok {
		if len(c.Profiles) == 0 {
			return nil, fmt.Errorf("nebiusauth: %s %q is not in %s, which has no profiles", what, name, c.File)
		}
		return nil, fmt.Errorf("nebiusauth: %s %q is not in %s (it has %s)", what, name, c.File, c.profileNames())
	}
	return p, nil
}

func (c *CLIConfig) profileNames() string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// HasCredentials reports whether the profile sets any key that gives
// credentials (token-file, token-endpoint, auth-type, or a service-account
// or federation key). A profile without any holds only settings (endpoint,
// parent-id, tenant-id): the default chain skips it for credentials and
// keeps its settings.
func (p *CLIProfile) HasCredentials() bool {
	return p.TokenFile != "" || p.TokenEndpoint != "" || p.AuthType != "" ||
		p.ServiceAccountID != "" || p.PublicKeyID != "" || !p.PrivateKey.IsZero() || p.PrivateKeyFilePath != "" ||
		p.ServiceAccountCredentialsFilePath != "" || p.FederatedSubjectCredentialsFilePath != "" ||
		p.FederationEndpoint != "" || p.FederationID != ""
}

// Credentials says which credentials the profile holds, in gosdk's order:
// [CredentialsTokenFile] when "token-file" is set, else
// [CredentialsTokenEndpoint] when "token-endpoint" is set, else by
// "auth-type". With auth-type "service account" the four valid
// combinations are checked in gosdk's order:
//
//  1. service-account-id and federated-subject-credentials-file-path, with
//     none of public-key-id, private-key, private-key-file-path and
//     service-account-credentials-file-path: [CredentialsFederatedSubject];
//  2. service-account-credentials-file-path, without service-account-id
//     and public-key-id (a private-key or private-key-file-path is then
//     ignored): [CredentialsServiceAccountFile];
//  3. service-account-id, public-key-id and private-key (a
//     private-key-file-path is then ignored): [CredentialsPrivateKey];
//  4. service-account-id, public-key-id and private-key-file-path:
//     [CredentialsPrivateKeyFile].
//
// Anything else is gosdk's "incomplete service account configuration"
// error. auth-type "federation" is a browser login, which iamkit does not
// do: an error naming the profile says so. An empty or other auth-type is
// gosdk's "unsupported auth type". Errors are [*auth.KeyFileError] values
// naming the file and the profile's key (Field
// "profiles.<name>.auth-type"). [CLIProfile.Ignored] lists the keys the
// chosen credentials leave unused.
func (p *CLIProfile) Credentials() (string, error) {
	kind, _, err := p.credentials()
	return kind, err
}

// Ignored lists the keys that the profile sets but its credentials do not
// use, with why (gosdk warns about the same): e.g.
// "private-key-file-path (service-account-credentials-file-path is used)".
// It is empty when the credentials are invalid.
func (p *CLIProfile) Ignored() []string {
	_, ignored, err := p.credentials()
	if err != nil {
		return nil
	}
	return ignored
}

func (p *CLIProfile) credentials() (string, []string, error) {
	field := func(key string) string { return "profiles." + p.Name + "." + key }
	fail := func(key string, kind error, format string, args ...any) error {
		f := "profiles." + p.Name
		if key != "" {
			f = field(key)
		}
		return &auth.KeyFileError{Source: p.File, Field: f, Err: keyfile.Errorf(kind, format, args...)}
	}
	switch {
	case p.TokenFile != "":
		return CredentialsTokenFile, nil, nil
	case p.TokenEndpoint != "":
		return CredentialsTokenEndpoint, nil, nil
	}
	switch p.AuthType {
	case AuthTypeServiceAccount:
	case AuthTypeFederation:
		return "", nil, fail("auth-type", auth.ErrInvalidField,
			"profile %q signs in through a federation (auth-type %q, a browser login), which iamkit does not do: "+
				"use a service account (auth-type %q), or pass a token from \"nebius iam get-access-token\" in %s",
			p.Name, AuthTypeFederation, AuthTypeServiceAccount, EnvIAMToken)
	case "":
		return "", nil, fail("auth-type", auth.ErrMissingField,
			"unsupported auth type: the profile sets no token-file, token-endpoint or auth-type; "+
				"a service-account profile needs auth-type %q", AuthTypeServiceAccount)
	default:
		return "", nil, fail("auth-type", auth.ErrInvalidField, "unsupported auth type (want %q)", AuthTypeServiceAccount)
	}
	sa, kid := p.ServiceAccountID != "", p.PublicKeyID != ""
	inline, keyFile := !p.PrivateKey.IsZero(), p.PrivateKeyFilePath != ""
	credsFile, federated := p.ServiceAccountCredentialsFilePath != "", p.FederatedSubjectCredentialsFilePath != ""
	var ignored []string
	ignoreFederated := func(by string) {
		if federated {
			ignored = append(ignored, "federated-subject-credentials-file-path (key-based credentials are used: "+by+")")
		}
	}
	switch {
	case sa && federated && !kid && !inline && !keyFile && !credsFile:
		return CredentialsFederatedSubject, nil, nil
	case credsFile:
		if sa || kid {
			var set []string
			if sa {
				set = append(set, "service-account-id")
			}
			if kid {
				set = append(set, "public-key-id")
			}
			return "", nil, fail("service-account-credentials-file-path", auth.ErrInvalidField,
				"is set together with %s: the credentials file names the service account and the key itself; remove one",
				strings.Join(set, " and "))
		}
		for _, k := range []struct {
			set  bool
			name string
		}{{inline, "private-key"}, {keyFile, "private-key-file-path"}} {
			if k.set {
				ignored = append(ignored, k.name+" (service-account-credentials-file-path is used)")
			}
		}
		ignoreFederated("service-account-credentials-file-path")
		return CredentialsServiceAccountFile, ignored, nil
	case sa && kid && inline:
		if keyFile {
			ignored = append(ignored, "private-key-file-path (private-key is used)")
		}
		ignoreFederated("private-key")
		return CredentialsPrivateKey, ignored, nil
	case sa && kid && keyFile:
		ignoreFederated("private-key-file-path")
		return CredentialsPrivateKeyFile, ignored, nil
	}
	return "", nil, fail("", auth.ErrMissingField, "%s", incompleteServiceAccount)
}

// ServiceAccountKey loads the service-account key of a profile whose
// [CLIProfile.Credentials] are [CredentialsServiceAccountFile] (the
// credentials JSON, see [LoadCredentialsFile]), [CredentialsPrivateKey] or
// [CredentialsPrivateKeyFile] (the PEM with public-key-id and
// service-account-id). Errors name the configuration file, the profile and
// the key, and wrap the key file's own error (which names that file and
// its field); other credentials are an error saying which they are.
func (p *CLIProfile) ServiceAccountKey() (*auth.ServiceAccountKey, error) {
	kind, err := p.Credentials()
	if err != nil {
		return nil, err
	}
	where := func(key string, err error) error {
		return fmt.Errorf("nebiusauth: %s: profile %q: %s: %w", p.File, p.Name, key, err)
	}
	switch kind {
	case CredentialsServiceAccountFile:
		k, err := LoadCredentialsFile(p.ServiceAccountCredentialsFilePath)
		if err != nil {
			return nil, where("service-account-credentials-file-path", err)
		}
		return k, nil
	case CredentialsPrivateKey:
		key, err := keyfile.ParsePEM([]byte(p.PrivateKey.Reveal()))
		if err != nil {
			return nil, &auth.KeyFileError{Source: p.File, Field: "profiles." + p.Name + ".private-key", Err: err}
		}
		k, err := auth.NewServiceAccountKey(p.PublicKeyID, p.ServiceAccountID, key)
		if err != nil {
			return nil, where("private-key", err)
		}
		k.Source = p.File
		return k, nil
	case CredentialsPrivateKeyFile:
		k, err := auth.LoadPrivateKeyFile(p.PrivateKeyFilePath, p.PublicKeyID, p.ServiceAccountID)
		if err != nil {
			return nil, where("private-key-file-path", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("nebiusauth: %s: profile %q holds %s credentials, not a service-account key", p.File, p.Name, kind)
}

// String returns the profile as %v prints it; private-key shows REDACTED.
func (p CLIProfile) String() string { return safeprint.String(p) }

// GoString returns the profile as %#v prints it; never key material.
func (p CLIProfile) GoString() string { return safeprint.GoString(p) }

// Format prints the profile under every verb; never key material.
func (p CLIProfile) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, p) }

// LogValue makes slog print the profile's fields; never key material.
func (p CLIProfile) LogValue() slog.Value { return safeprint.LogValue(p) }

// String returns the configuration as %v prints it; never key material.
func (c CLIConfig) String() string { return safeprint.String(c) }

// GoString returns the configuration as %#v prints it; never key material.
func (c CLIConfig) GoString() string { return safeprint.GoString(c) }

// Format prints the configuration under every verb; never key material.
func (c CLIConfig) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, c) }

// LogValue makes slog print the configuration's fields; never key material.
func (c CLIConfig) LogValue() slog.Value { return safeprint.LogValue(c) }
