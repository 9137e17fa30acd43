package outscale

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the types of this package that hold a secret
// key, a password or a client key. None of them shows it, under any fmt
// verb, in log/slog or in encoding/json.

// String returns the AccessKeySecretKey as %v prints it, its secret key redacted.
func (k AccessKeySecretKey) String() string { return safeprint.String(k) }

// GoString returns the AccessKeySecretKey as %#v prints it, its secret key redacted.
func (k AccessKeySecretKey) GoString() string { return safeprint.GoString(k) }

// Format prints the AccessKeySecretKey under every fmt verb, its secret key redacted.
func (k AccessKeySecretKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the AccessKeySecretKey's fields, its secret key redacted.
func (k AccessKeySecretKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// String returns the CheckAuthenticationRequest as %v prints it, its password redacted.
func (r CheckAuthenticationRequest) String() string { return safeprint.String(r) }

// GoString returns the CheckAuthenticationRequest as %#v prints it, its password redacted.
func (r CheckAuthenticationRequest) GoString() string { return safeprint.GoString(r) }

// Format prints the CheckAuthenticationRequest under every fmt verb, its password redacted.
func (r CheckAuthenticationRequest) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, r) }

// LogValue makes log/slog print the CheckAuthenticationRequest's fields, its password redacted.
func (r CheckAuthenticationRequest) LogValue() slog.Value { return safeprint.LogValue(r) }

// String returns the Options as %v prints it, its secret key and password redacted.
func (o Options) String() string { return safeprint.String(o) }

// GoString returns the Options as %#v prints it, its secret key and password redacted.
func (o Options) GoString() string { return safeprint.GoString(o) }

// Format prints the Options under every fmt verb, its secret key and password redacted.
func (o Options) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the Options's fields, its secret key and password redacted.
func (o Options) LogValue() slog.Value { return safeprint.LogValue(o) }

// String returns the Profile as %v prints it, its secret key, password and client key redacted.
func (p Profile) String() string { return safeprint.String(p) }

// GoString returns the Profile as %#v prints it, its secret key, password and client key redacted.
func (p Profile) GoString() string { return safeprint.GoString(p) }

// Format prints the Profile under every fmt verb, its secret key, password and client key redacted.
func (p Profile) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, p) }

// LogValue makes log/slog print the Profile's fields, its secret key, password and client key redacted.
func (p Profile) LogValue() slog.Value { return safeprint.LogValue(p) }

// Format prints String under every fmt verb (GoString for %#v), so that no
// verb reaches the credentials inside.
func (c *Client) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, c.String(), c.GoString())
}

// LogValue makes log/slog print the endpoint, region and access key ID
// only.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", c.base), slog.String("region", c.region), slog.String("access_key", c.accessKey))
}

// String describes the sub-client by its client (endpoint, region, auth
// method) and its user, without any credential.
func (a *AccessKeys) String() string {
	return "outscale.AccessKeys{" + a.c.String() + ", user " + strconv.Quote(a.user) + "}"
}

// GoString is [AccessKeys.String], for %#v.
func (a *AccessKeys) GoString() string { return a.String() }

// Format prints String under every fmt verb (GoString for %#v).
func (a *AccessKeys) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, a.String(), a.GoString())
}

// LogValue makes log/slog print the client's endpoint, region and access
// key ID, and the user.
func (a *AccessKeys) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", a.c.base), slog.String("region", a.c.region),
		slog.String("access_key", a.c.accessKey), slog.String("user", a.user))
}

// String describes the sub-client by its client (endpoint, region, auth
// method), without any credential.
func (p *APIAccessPolicyClient) String() string {
	return "outscale.APIAccessPolicyClient{" + p.c.String() + "}"
}

// GoString is [APIAccessPolicyClient.String], for %#v.
func (p *APIAccessPolicyClient) GoString() string { return p.String() }

// Format prints String under every fmt verb (GoString for %#v).
func (p *APIAccessPolicyClient) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, p.String(), p.GoString())
}

// LogValue makes log/slog print the client's endpoint, region and access
// key ID only.
func (p *APIAccessPolicyClient) LogValue() slog.Value { return p.c.LogValue() }

// String describes the key manager by its client and user, without any
// credential.
func (m *KeyManager) String() string {
	return "outscale.KeyManager{" + m.c.String() + ", user " + strconv.Quote(m.opts.UserName) + "}"
}

// GoString is [KeyManager.String], for %#v.
func (m *KeyManager) GoString() string { return m.String() }

// Format prints String under every fmt verb (GoString for %#v).
func (m *KeyManager) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, m.String(), m.GoString())
}

// LogValue makes log/slog print the client's endpoint, region and access
// key ID, and the user.
func (m *KeyManager) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", m.c.base), slog.String("region", m.c.region),
		slog.String("access_key", m.c.accessKey), slog.String("user", m.opts.UserName))
}
