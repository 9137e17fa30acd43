package outscale

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/iamkit/iamkit/iam"
)

// DefaultProfile is the profile name used when none is chosen.
const DefaultProfile = "default"

// Profile is a resolved OUTSCALE configuration: credentials, region,
// endpoint and TLS client certificate, as read by [LoadProfile] from
// ~/.osc/config.json and the OSC_* environment variables. Pass it to
// [New] with [WithProfile].
//
// Printing a Profile never shows its secret key, password or private key.
type Profile struct {
	// Name is the profile's name ("default" unless chosen).
	Name string
	// File is the config file the profile was read from ("" if none).
	File string

	// AccessKey and SecretKey sign requests (SigV4).
	AccessKey string
	SecretKey iam.Secret
	// Login (the account's email) and Password authenticate with
	// "Authorization: Basic" on the calls that allow it.
	Login    string
	Password iam.Secret

	// Region is the OUTSCALE region (default eu-west-2).
	Region string
	// Protocol is "https" (default) or "http"; used for an endpoint given
	// without a scheme.
	Protocol string
	// Endpoint is the API base URL (normalized, with /api/v1), or "" for
	// the region's public endpoint.
	Endpoint string

	// X509ClientCert and X509ClientKey are paths to a PEM client
	// certificate and its key, for accounts whose API access rules require
	// one (mTLS). X509ClientCertB64 and X509ClientKeyB64 carry the same
	// PEM data base64-encoded instead.
	X509ClientCert    string
	X509ClientKey     string
	X509ClientCertB64 string
	X509ClientKeyB64  iam.Secret
	// TLSSkipVerify disables server certificate verification (testing
	// only).
	TLSSkipVerify bool

	// from records where each set field came from, for error messages.
	from map[string]string
}

// where names the origin of a field for error messages: the environment
// variable, or the file and profile.
func (p *Profile) where(field string) string {
	if p == nil || p.from == nil {
		return "options"
	}
	if w, ok := p.from[field]; ok {
		return w
	}
	return "options"
}

func (p *Profile) set(field, origin string) {
	if p.from == nil {
		p.from = map[string]string{}
	}
	p.from[field] = origin
}

// ProfileOptions configure [LoadProfile].
type ProfileOptions struct {
	// ConfigFile is the config file to read. Default: $OSC_CONFIG_FILE,
	// else ~/.osc/config.json. A missing default file is ignored; a
	// missing file that was named explicitly is an error.
	ConfigFile string
	// Profile is the profile to use. Default: $OSC_PROFILE, else
	// "default". A named profile that the file lacks is an error; a
	// missing "default" profile is not.
	Profile string
	// Getenv reads the environment (default os.Getenv); tests inject a
	// map lookup.
	Getenv func(string) string
	// IgnoreEnv skips the OSC_* credential, region and endpoint variables
	// (OSC_CONFIG_FILE and OSC_PROFILE still choose the file and profile).
	IgnoreEnv bool
}

// validate refuses a profile name or config file path that no file can
// hold: surrounding spaces or control characters (a NUL, a newline).
func (o *ProfileOptions) validate() error {
	switch {
	case strings.TrimSpace(o.Profile) != o.Profile || strings.ContainsFunc(o.Profile, unicode.IsControl):
		return fmt.Errorf("outscale: LoadProfile: option Profile %q has surrounding spaces or control characters", o.Profile)
	case strings.TrimSpace(o.ConfigFile) != o.ConfigFile || strings.ContainsFunc(o.ConfigFile, unicode.IsControl):
		return fmt.Errorf("outscale: LoadProfile: option ConfigFile %q has surrounding spaces or control characters", o.ConfigFile)
	}
	return nil
}

// fileProfile is one profile of config.json. Unknown keys are tolerated
// (clients add their own: method, endpoints.fcu, iam_v2_services, …).
// encoding/json matches keys case-insensitively, as osc-sdk-go v3 relies on
// for login/password.
type fileProfile struct {
	AccessKey         string          `json:"access_key"`
	SecretKey         string          `json:"secret_key"`
	Login             string          `json:"login"`
	Email             string          `json:"email"` // osc-sdk-python's alias of login
	Password          string          `json:"password"`
	Region            string          `json:"region"`
	Protocol          string          `json:"protocol"`
	Endpoints         json.RawMessage `json:"endpoints"`
	X509ClientCert    string          `json:"x509_client_cert"`
	X509ClientCertB64 string          `json:"x509_client_cert_b64"`
	X509ClientKey     string          `json:"x509_client_key"`
	X509ClientKeyB64  string          `json:"x509_client_key_b64"`
	TLSSkipVerify     json.RawMessage `json:"tls_skip_verify"`
}

// LoadProfile resolves a profile from ~/.osc/config.json (the file shared
// by OUTSCALE's CLIs and SDKs) and the environment. Environment variables
// win over the file, field by field (OSC_ACCESS_KEY, OSC_SECRET_KEY,
// OSC_LOGIN, OSC_PASSWORD, OSC_REGION, OSC_PROTOCOL, OSC_ENDPOINT_API — a
// full base URL —, OSC_X509_CLIENT_CERT[_B64], OSC_X509_CLIENT_KEY[_B64],
// OSC_TLS_SKIP_VERIFY); options given to [New] win over both.
//
// It validates what it read and returns errors that name the field, the
// file and the profile (or the variable): a file that is not JSON, a
// missing named profile, only one of access key and secret key, a login
// without a password, a certificate without its key, an unknown region
// without an endpoint.
func LoadProfile(optFns ...func(*ProfileOptions)) (*Profile, error) {
	var o ProfileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	file, explicitFile := profileFile(o.ConfigFile, getenv)
	name := profileName(o.Profile, getenv)

	p := &Profile{Name: name}
	if file != "" {
		data, err := readConfigFile(file)
		switch {
		case err == nil:
			if err := p.fromFile(data, file, name); err != nil {
				return nil, err
			}
		case errors.Is(err, fs.ErrNotExist) && !explicitFile && name == DefaultProfile:
			// No config file: env and options only.
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("outscale: config file %s does not exist (profile %q)", file, name)
		default:
			return nil, fmt.Errorf("outscale: reading config file: %w", err)
		}
	}
	if !o.IgnoreEnv {
		if err := p.fromEnv(getenv); err != nil {
			return nil, err
		}
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// profileFile returns the config file LoadProfile reads: file, else
// $OSC_CONFIG_FILE (both explicit: they must exist), else
// ~/.osc/config.json under $HOME (%USERPROFILE% when HOME is unset), as
// getenv reads them ("" without a home directory).
func profileFile(file string, getenv func(string) string) (string, bool) {
	if file != "" {
		return file, true
	}
	if f := getenv("OSC_CONFIG_FILE"); f != "" {
		return f, true
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home != "" {
		return filepath.Join(home, ".osc", "config.json"), false
	}
	return "", false
}

// profileName returns the profile LoadProfile uses: name, else
// $OSC_PROFILE, else "default".
func profileName(name string, getenv func(string) string) string {
	if name == "" {
		name = getenv("OSC_PROFILE")
	}
	if name == "" {
		name = DefaultProfile
	}
	return name
}

// maxConfigFileBytes caps the config file read, as auth caps key files: a
// config.json is a few hundred bytes, and a wrong path (a log, a device)
// must not be read whole.
const maxConfigFileBytes = 1 << 20

// utf8BOM is the byte-order mark some editors put at the start of a file;
// it is skipped, as the key loaders skip it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readConfigFile reads at most maxConfigFileBytes of file, without a
// leading BOM. Its errors are the fs errors (fs.ErrNotExist…), or the
// size error naming the file.
func readConfigFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes, not an OUTSCALE config.json", file, maxConfigFileBytes)
	}
	return bytes.TrimPrefix(data, utf8BOM), nil
}

// fromFile fills p from profile name of a config.json.
func (p *Profile) fromFile(data []byte, file, name string) error {
	var profiles map[string]json.RawMessage
	if err := json.Unmarshal(data, &profiles); err != nil {
		return fmt.Errorf("outscale: config file %s is not a JSON object of profiles: %v", file, jsonErrText(err))
	}
	raw, ok := profiles[name]
	if !ok {
		if name == DefaultProfile {
			return nil // a missing default profile is not an error
		}
		names := make([]string, 0, len(profiles))
		for n := range profiles {
			names = append(names, strconv.Quote(n))
		}
		return fmt.Errorf("outscale: profile %q not found in config file %s (it has %s)", name, file, strings.Join(names, ", "))
	}
	origin := fmt.Sprintf("profile %q in %s", name, file)
	var fp fileProfile
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("outscale: %s is null, want an object", origin)
	}
	if err := json.Unmarshal(raw, &fp); err != nil {
		return fmt.Errorf("outscale: %s: %s", origin, jsonErrText(err))
	}
	p.File = file
	str := func(field, v string, dst *string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
			p.set(field, "key "+strconv.Quote(field)+" of "+origin)
		}
	}
	sec := func(field, v string, dst *iam.Secret) {
		if v != "" {
			*dst = iam.NewSecret(v)
			p.set(field, "key "+strconv.Quote(field)+" of "+origin)
		}
	}
	str("access_key", fp.AccessKey, &p.AccessKey)
	sec("secret_key", fp.SecretKey, &p.SecretKey)
	str("login", fp.Email, &p.Login)
	str("login", fp.Login, &p.Login)
	sec("password", fp.Password, &p.Password)
	str("region", fp.Region, &p.Region)
	str("protocol", fp.Protocol, &p.Protocol)
	str("x509_client_cert", fp.X509ClientCert, &p.X509ClientCert)
	str("x509_client_cert_b64", fp.X509ClientCertB64, &p.X509ClientCertB64)
	str("x509_client_key", fp.X509ClientKey, &p.X509ClientKey)
	sec("x509_client_key_b64", fp.X509ClientKeyB64, &p.X509ClientKeyB64)
	if len(fp.Endpoints) > 0 && !bytes.Equal(bytes.TrimSpace(fp.Endpoints), []byte("null")) {
		var eps map[string]json.RawMessage
		if err := json.Unmarshal(fp.Endpoints, &eps); err != nil {
			return fmt.Errorf("outscale: %s: key \"endpoints\" must be an object", origin)
		}
		if raw, ok := eps["api"]; ok {
			var api string
			if err := json.Unmarshal(raw, &api); err != nil {
				return fmt.Errorf("outscale: %s: key \"endpoints.api\" must be a string", origin)
			}
			str("endpoints.api", api, &p.Endpoint)
		}
	}
	if len(fp.TLSSkipVerify) > 0 {
		b, err := parseFlexibleBool(fp.TLSSkipVerify)
		if err != nil {
			return fmt.Errorf("outscale: %s: key \"tls_skip_verify\" must be true or false", origin)
		}
		p.TLSSkipVerify = b
		p.set("tls_skip_verify", "key \"tls_skip_verify\" of "+origin)
	}
	return nil
}

// fromEnv overrides p's fields with the OSC_* variables that are set.
func (p *Profile) fromEnv(getenv func(string) string) error {
	str := func(field, env string, dst *string) {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			*dst = v
			p.set(field, "environment variable "+env)
		}
	}
	sec := func(field, env string, dst *iam.Secret) {
		if v := getenv(env); v != "" {
			*dst = iam.NewSecret(v)
			p.set(field, "environment variable "+env)
		}
	}
	str("access_key", "OSC_ACCESS_KEY", &p.AccessKey)
	sec("secret_key", "OSC_SECRET_KEY", &p.SecretKey)
	str("login", "OSC_LOGIN", &p.Login)
	sec("password", "OSC_PASSWORD", &p.Password)
	str("region", "OSC_REGION", &p.Region)
	str("protocol", "OSC_PROTOCOL", &p.Protocol)
	str("endpoints.api", "OSC_ENDPOINT_API", &p.Endpoint)
	str("x509_client_cert", "OSC_X509_CLIENT_CERT", &p.X509ClientCert)
	str("x509_client_cert_b64", "OSC_X509_CLIENT_CERT_B64", &p.X509ClientCertB64)
	str("x509_client_key", "OSC_X509_CLIENT_KEY", &p.X509ClientKey)
	sec("x509_client_key_b64", "OSC_X509_CLIENT_KEY_B64", &p.X509ClientKeyB64)
	if v := strings.TrimSpace(getenv("OSC_TLS_SKIP_VERIFY")); v != "" {
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			p.TLSSkipVerify = true
		case "0", "false", "no":
			p.TLSSkipVerify = false
		default:
			return fmt.Errorf("outscale: environment variable OSC_TLS_SKIP_VERIFY=%q: want true or false", v)
		}
		p.set("tls_skip_verify", "environment variable OSC_TLS_SKIP_VERIFY")
	}
	return nil
}

// validate checks the profile's consistency. Errors name the field and
// where it came from, and never a secret.
func (p *Profile) validate() error {
	if p.Region == "" {
		p.Region = DefaultRegion
	}
	if p.Protocol == "" {
		p.Protocol = "https"
	}
	p.Protocol = strings.ToLower(p.Protocol)
	if p.Protocol != "https" && p.Protocol != "http" {
		return fmt.Errorf("outscale: protocol %q (from %s): want https or http", p.Protocol, p.where("protocol"))
	}
	switch {
	case p.AccessKey != "" && p.SecretKey.IsZero():
		return fmt.Errorf("outscale: access_key is set (from %s) but secret_key is missing", p.where("access_key"))
	case p.AccessKey == "" && !p.SecretKey.IsZero():
		return fmt.Errorf("outscale: secret_key is set (from %s) but access_key is missing", p.where("secret_key"))
	case p.Login != "" && p.Password.IsZero():
		return fmt.Errorf("outscale: login is set (from %s) but password is missing", p.where("login"))
	case p.Login == "" && !p.Password.IsZero():
		return fmt.Errorf("outscale: password is set (from %s) but login is missing", p.where("password"))
	}
	hasCert := p.X509ClientCert != "" || p.X509ClientCertB64 != ""
	hasKey := p.X509ClientKey != "" || !p.X509ClientKeyB64.IsZero()
	switch {
	case hasCert && !hasKey:
		f := "x509_client_cert"
		if p.X509ClientCert == "" {
			f = "x509_client_cert_b64"
		}
		return fmt.Errorf("outscale: %s is set (from %s) but x509_client_key is missing", f, p.where(f))
	case hasKey && !hasCert:
		f := "x509_client_key"
		if p.X509ClientKey == "" {
			f = "x509_client_key_b64"
		}
		return fmt.Errorf("outscale: %s is set (from %s) but x509_client_cert is missing", f, p.where(f))
	}
	if p.Endpoint != "" {
		e, err := NormalizeEndpoint(p.Endpoint, p.Protocol)
		if err != nil {
			return fmt.Errorf("%w (from %s)", err, p.where("endpoints.api"))
		}
		p.Endpoint = e
	} else if !KnownRegion(p.Region) {
		return fmt.Errorf("outscale: unknown region %q (from %s) and no endpoint: set endpoints.api or OSC_ENDPOINT_API, or use one of %s",
			p.Region, p.where("region"), strings.Join(Regions, ", "))
	}
	return nil
}

func parseFlexibleBool(raw json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes":
		return true, nil
	case "", "0", "false", "no":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// jsonErrText describes a JSON error without quoting the input (which may
// hold secrets).
func jsonErrText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("key %q must be a %s, not %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("want a %s, not %s", te.Type, te.Value)
	}
	return "invalid JSON"
}
