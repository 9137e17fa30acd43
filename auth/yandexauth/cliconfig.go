package yandexauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
	"github.com/iamkit/iamkit/auth/internal/yamlfield"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// CLIConfigPath is the path of yc's configuration file under the user's
// home directory.
const CLIConfigPath = ".config/yandex-cloud/config.yaml"

// DefaultCLIEndpoint is the Cloud API endpoint yc uses when a profile sets
// no "endpoint".
const DefaultCLIEndpoint = "api.cloud.yandex.net:443"

// CLIConfig is yc's configuration file (~/.config/yandex-cloud/config.yaml),
// parsed:
//
//	current: default
//	profiles:
//	  default:
//	    service-account-key:
//	      id: ajek…
//	      service_account_id: ajel…
//	      private_key: |
//	        PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajek…>
//	        -----BEGIN PRIVATE KEY-----
//	        …
//	    folder-id: b1g…
//	    cloud-id: b1g…
//
// The keys are the properties of "yc config set", in kebab-case; the ones
// iamkit does not use (format, compute-default-zone, s3.*, …) are ignored.
type CLIConfig struct {
	// File is the path the configuration was read from.
	File string
	// Current is "current", the profile yc uses.
	Current string
	// Profiles are the profiles by name.
	Profiles map[string]*CLIProfile
}

// CLIProfile is one profile of yc's configuration file. Of its
// credentials, at most one is set (yc refuses more): ServiceAccountKey,
// InstanceServiceAccount, an OAuth "token" (HasToken) or a FederationID.
type CLIProfile struct {
	// Name is the profile's name.
	Name string
	// File is the configuration file it is in.
	File string
	// Endpoint is "endpoint", the Cloud API endpoint (host:port), or "" for
	// [DefaultCLIEndpoint].
	Endpoint string
	// CloudID, FolderID, FolderName and OrganizationID are "cloud-id",
	// "folder-id", "folder-name" and "organization-id".
	CloudID, FolderID, FolderName, OrganizationID string
	// ServiceAccountKey is "service-account-key", the authorized key that
	// "yc config set service-account-key key.json" stores inline, or nil.
	ServiceAccountKey *KeyFile
	// InstanceServiceAccount is "instance-service-account": authenticate
	// as the service account of the VM yc runs on (its metadata service).
	InstanceServiceAccount bool
	// HasToken reports that "token", a Yandex OAuth token, is set. iamkit
	// does not use it (and does not keep its value): Yandex stops
	// accepting new OAuth tokens in 2026.
	HasToken bool
	// FederationID is "federation-id": yc signs in through a browser,
	// which is out of iamkit's scope.
	FederationID string
}

// DefaultCLIConfigFile returns the path of yc's configuration file under
// the home directory that getenv names ($HOME; %USERPROFILE% on Windows);
// getenv nil means os.Getenv, and then os.UserHomeDir when HOME is unset.
// It fails when there is no home directory.
func DefaultCLIConfigFile(getenv func(string) string) (string, error) {
	home := ""
	if getenv == nil {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("yandexauth: no home directory for %s: %w", CLIConfigPath, err)
		}
		home = h
	} else if home = getenv("HOME"); home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", fmt.Errorf("yandexauth: no home directory for %s: $HOME is not set", CLIConfigPath)
	}
	return filepath.Join(home, filepath.FromSlash(CLIConfigPath)), nil
}

// LoadCLIConfig reads yc's configuration file at path (see
// [DefaultCLIConfigFile] for the default one). See [ParseCLIConfig].
func LoadCLIConfig(path string) (*CLIConfig, error) {
	data, err := keyfile.Read(path)
	if err != nil {
		return nil, &auth.KeyFileError{Source: path, Err: err}
	}
	return ParseCLIConfig(data, path)
}

// ParseCLIConfig parses yc's configuration file; source names it in errors
// and becomes CLIConfig.File. It checks every property it reads: a value
// of the wrong type, a service-account-key that is not a usable key (its
// errors those of [ParseKeyFile]), a key given twice. Errors are
// [*auth.KeyFileError] values whose Field names the profile and the
// property, e.g. "profiles.default.service-account-key.private_key", with
// the line; they never quote a value.
func ParseCLIConfig(data []byte, source string) (*CLIConfig, error) {
	data = keyfile.TrimBOM(data)
	fail := func(field string, kind error, format string, args ...any) error {
		return &auth.KeyFileError{Source: source, Field: field, Err: keyfile.Errorf(kind, format, args...)}
	}
	c := &CLIConfig{File: source, Profiles: map[string]*CLIProfile{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail("", auth.ErrMalformedKey, "not a valid yc config YAML file: %s", yamlfield.ErrorText(err))
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file: no profiles
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fail("", auth.ErrMalformedKey, "line %d: want a mapping with current and profiles, found %s", root.Line, yamlfield.Kind(root))
	}
	var profiles *yaml.Node
	if err := yamlfield.EachKey(root, "", source, func(key string, v *yaml.Node) error {
		switch key {
		case "current":
			return yamlfield.String(v, key, source, &c.Current)
		case "profiles":
			if v.Kind != yaml.MappingNode && !yamlfield.IsNull(v) {
				return fail(key, auth.ErrInvalidField, "line %d: want a mapping of profiles, found %s", v.Line, yamlfield.Kind(v))
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
	if err := yamlfield.EachKey(profiles, "profiles", source, func(name string, v *yaml.Node) error {
		p, err := parseCLIProfile(name, v, source)
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

func parseCLIProfile(name string, n *yaml.Node, source string) (*CLIProfile, error) {
	prefix := "profiles." + name
	p := &CLIProfile{Name: name, File: source}
	if yamlfield.IsNull(n) {
		return p, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, &auth.KeyFileError{Source: source, Field: prefix,
			Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a mapping of properties, found %s", n.Line, yamlfield.Kind(n))}
	}
	err := yamlfield.EachKey(n, prefix, source, func(key string, v *yaml.Node) error {
		field := prefix + "." + key
		switch key {
		case "endpoint":
			return yamlfield.String(v, field, source, &p.Endpoint)
		case "cloud-id":
			return yamlfield.String(v, field, source, &p.CloudID)
		case "folder-id":
			return yamlfield.String(v, field, source, &p.FolderID)
		case "folder-name":
			return yamlfield.String(v, field, source, &p.FolderName)
		case "organization-id":
			return yamlfield.String(v, field, source, &p.OrganizationID)
		case "federation-id":
			return yamlfield.String(v, field, source, &p.FederationID)
		case "token":
			var tok string
			if err := yamlfield.String(v, field, source, &tok); err != nil {
				return err
			}
			p.HasToken = tok != ""
		case "instance-service-account":
			if yamlfield.IsNull(v) {
				return nil
			}
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return &auth.KeyFileError{Source: source, Field: field,
					Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want true or false, found %s", v.Line, yamlfield.Kind(v))}
			}
			return v.Decode(&p.InstanceServiceAccount)
		case "service-account-key":
			if yamlfield.IsNull(v) {
				return nil
			}
			k, err := parseCLIKey(v, field, source)
			if err != nil {
				return err
			}
			p.ServiceAccountKey = k
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// parseCLIKey reads an inline service-account-key: the key.json fields as
// a YAML mapping, checked as [ParseKeyFile] checks a key.json.
func parseCLIKey(n *yaml.Node, field, source string) (*KeyFile, error) {
	if n.Kind != yaml.MappingNode {
		return nil, &auth.KeyFileError{Source: source, Field: field, Err: keyfile.Errorf(auth.ErrInvalidField,
			"line %d: want the key object that \"yc config set service-account-key key.json\" stores, found %s", n.Line, yamlfield.Kind(n))}
	}
	m := map[string]string{}
	if err := yamlfield.EachKey(n, field, source, func(key string, v *yaml.Node) error {
		if yamlfield.IsNull(v) {
			return nil
		}
		if v.Kind != yaml.ScalarNode {
			return &auth.KeyFileError{Source: source, Field: field + "." + key,
				Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a string, found %s", v.Line, yamlfield.Kind(v))}
		}
		// The scalar's text, whatever YAML would resolve it to: an
		// unquoted created_at stays the RFC 3339 text yc wrote.
		m[key] = v.Value
		return nil
	}); err != nil {
		return nil, err
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, &auth.KeyFileError{Source: source, Field: field, Err: auth.ErrMalformedKey}
	}
	k, err := ParseKeyFile(data, source)
	if err != nil {
		var ke *auth.KeyFileError
		if errors.As(err, &ke) {
			f := field
			if ke.Field != "" {
				f += "." + ke.Field
			}
			return nil, &auth.KeyFileError{Source: source, Field: f, Err: ke.Err}
		}
		return nil, &auth.KeyFileError{Source: source, Field: field, Err: err}
	}
	return k, nil
}

// Profile returns the profile name, or with name "" the current one (the
// only one when the file names none). Errors name the file and, for a
// missing profile, the profiles it has.
func (c *CLIConfig) Profile(name string) (*CLIProfile, error) {
	what := "profile"
	if name == "" {
		switch {
		case c.Current != "":
			name, what = c.Current, "current profile"
		case len(c.Profiles) == 1:
			for n := range c.Profiles {
				name = n
			}
		case len(c.Profiles) == 0:
			return nil, fmt.Errorf("yandexauth: %s has no profiles", c.File)
		default:
			return nil, fmt.Errorf("yandexauth: %s names no current profile and has %d (%s): choose one", c.File, len(c.Profiles), c.profileNames())
		}
	}
	p, ok := c.Profiles[name]
	if !ok {
		if len(c.Profiles) == 0 {
			return nil, fmt.Errorf("yandexauth: %s %q is not in %s, which has no profiles", what, name, c.File)
		}
		return nil, fmt.Errorf("yandexauth: %s %q is not in %s (it has %s)", what, name, c.File, c.profileNames())
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

// Credentials says which credentials the profile holds, as the property
// name: "service-account-key" or "instance-service-account". A profile
// that holds none, more than one, an OAuth "token" or a "federation-id" is
// an error that names the file, the profile and the property, and says
// why iamkit does not use it.
func (p *CLIProfile) Credentials() (string, error) {
	var set []string
	if p.ServiceAccountKey != nil {
		set = append(set, "service-account-key")
	}
	if p.InstanceServiceAccount {
		set = append(set, "instance-service-account")
	}
	if p.HasToken {
		set = append(set, "token")
	}
	if p.FederationID != "" {
		set = append(set, "federation-id")
	}
	where := fmt.Sprintf("yandexauth: %s: profile %q", p.File, p.Name)
	switch {
	case len(set) == 0:
		return "", fmt.Errorf("%s has no credentials (none of service-account-key, instance-service-account, token, federation-id)", where)
	case len(set) > 1:
		return "", fmt.Errorf("%s sets %s together; yc allows only one", where, strings.Join(set, " and "))
	case set[0] == "token":
		return "", fmt.Errorf("%s authenticates with a Yandex OAuth token (token), which iamkit does not use: "+
			"Yandex stops accepting new OAuth tokens in 2026. Use a service-account key "+
			"(yc config set service-account-key key.json) or an IAM token in %s", where, EnvIAMToken)
	case set[0] == "federation-id":
		return "", fmt.Errorf("%s signs in through a federation (federation-id), a browser login that iamkit does not do: "+
			"use a service-account key, or run \"yc iam create-token\" and pass the token in %s", where, EnvIAMToken)
	}
	return set[0], nil
}

// IsDefaultEndpoint reports whether the profile uses the public Cloud API
// endpoint ([DefaultCLIEndpoint]; "endpoint" unset, or the same host with
// or without port 443).
func (p *CLIProfile) IsDefaultEndpoint() bool { return IsDefaultCLIEndpoint(p.Endpoint) }

// IsDefaultCLIEndpoint reports whether endpoint, a yc "endpoint" value, is
// "" or the public Cloud API endpoint, api.cloud.yandex.net (port 443).
func IsDefaultCLIEndpoint(endpoint string) bool {
	e := strings.TrimSpace(endpoint)
	if e == "" {
		return true
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		host, port = e, "443"
	}
	return strings.EqualFold(host, "api.cloud.yandex.net") && port == "443"
}

// CLITokenOptions configure [CLIProfile.TokenSource].
type CLITokenOptions struct {
	// ServiceAccount configures the source of a service-account-key
	// profile (see [ServiceAccount]).
	ServiceAccount auth.ServiceAccountOptions
	// Metadata configures the source of an instance-service-account
	// profile (see [MetadataTokenSource]).
	Metadata MetadataOptions
}

// TokenSource returns the token source of the profile's credentials:
// [ServiceAccount] of its service-account-key, or [MetadataTokenSource] for
// instance-service-account. A profile whose credentials iamkit does not
// use is the error of [CLIProfile.Credentials].
//
// A profile with another endpoint than the public one has its own IAM
// token service, whose URL this function cannot know: it then needs
// ServiceAccount.Endpoint (yandex.LoadDefaultConfig finds it through the
// endpoint list); the JWT is never sent to the public one instead.
func (p *CLIProfile) TokenSource(optFns ...func(*CLITokenOptions)) (*auth.Cache, error) {
	kind, err := p.Credentials()
	if err != nil {
		return nil, err
	}
	var o CLITokenOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if kind == "instance-service-account" {
		return MetadataTokenSource(func(m *MetadataOptions) { *m = o.Metadata })
	}
	if !p.IsDefaultEndpoint() && o.ServiceAccount.Endpoint == "" {
		return nil, fmt.Errorf("yandexauth: %s: profile %q sets endpoint %s: set CLITokenOptions.ServiceAccount.Endpoint to its IAM token URL "+
			"(yandex.LoadDefaultConfig finds it)", p.File, p.Name, p.Endpoint)
	}
	return ServiceAccount(p.ServiceAccountKey.Key, func(s *auth.ServiceAccountOptions) { *s = o.ServiceAccount })
}

// String returns the profile as %v prints it; its key shows only IDs.
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
