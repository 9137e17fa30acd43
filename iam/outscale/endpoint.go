package outscale

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/iamkit/iamkit/internal/loopback"
)

// DefaultRegion is the region used when none is configured (the spec's
// default server).
const DefaultRegion = "eu-west-2"

// Regions are the public OUTSCALE regions of the OSC API (the server enum of
// the OpenAPI spec, API 1.40.1). Any other region needs an explicit
// endpoint.
var Regions = []string{"ap-northeast-1", "cloudgouv-eu-west-1", "eu-west-2", "us-east-2", "us-west-1"}

// KnownRegion reports whether region is one of [Regions].
func KnownRegion(region string) bool { return slices.Contains(Regions, region) }

// Endpoint returns the OSC API base URL of a region,
// "https://api.<region>.outscale.com/api/v1", or an error for a region not in
// [Regions].
func Endpoint(region string) (string, error) {
	if !KnownRegion(region) {
		return "", fmt.Errorf("outscale: unknown region %q (known: %s); set an endpoint for it", region, strings.Join(Regions, ", "))
	}
	return "https://api." + region + ".outscale.com/api/v1", nil
}

// NormalizeEndpoint turns what users write for the API endpoint into a base
// URL the client appends "/<Call>" to. It accepts a host
// ("api.eu-west-2.outscale.com"), a host with path
// ("api.eu-west-2.outscale.com/api/v1", the config.json form), or a full
// URL; a missing scheme becomes protocol (default "https") and a missing
// path becomes "/api/v1" (terraform-provider-outscale#772: an endpoint
// without /api/v1 gave 404s). Dot segments and repeated slashes are
// removed from the path ("https://h//x/../api/v1/" becomes
// "https://h/api/v1").
func NormalizeEndpoint(endpoint, protocol string) (string, error) {
	e := strings.TrimSpace(endpoint)
	if e == "" {
		return "", fmt.Errorf("outscale: empty endpoint")
	}
	if protocol == "" {
		protocol = "https"
	}
	if !strings.Contains(e, "://") {
		e = protocol + "://" + e
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("outscale: invalid endpoint %q: want a URL such as https://api.eu-west-2.outscale.com/api/v1", withoutUserInfo(endpoint))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("outscale: invalid endpoint %q: scheme must be http or https", u.Redacted())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("outscale: invalid endpoint %q: no user info, query or fragment allowed", u.Redacted())
	}
	// A clean path (no dot or empty segments) is the same whether or not
	// the server normalizes it before checking the SigV4 signature, which
	// signs the path as sent.
	p := strings.TrimRight(u.Path, "/")
	if p != "" {
		p = strings.TrimRight(path.Clean(p), "/")
	}
	if p == "" {
		p = "/api/v1"
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// withoutUserInfo hides anything between "://" and "@" in an endpoint that
// did not parse, so that an error never shows a password written into it.
func withoutUserInfo(endpoint string) string {
	rest := endpoint
	prefix := ""
	if i := strings.Index(rest, "://"); i >= 0 {
		prefix, rest = rest[:i+3], rest[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return prefix + "REDACTED@" + rest[at+1:]
	}
	return endpoint
}

// checkBasicAuthTransport refuses login/password over plain http except to
// a loopback address (an emulator): Basic authentication would send the
// password in clear.
func checkBasicAuthTransport(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return nil
	}
	if loopback.IsHost(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("outscale: refusing login/password over plain http to %s: the password would travel in clear; use https", u.Host)
}
