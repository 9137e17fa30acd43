package httpx

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// This file holds iamkit's one redirect rule: a credential never leaves
// the origin (scheme and host:port) the caller addressed. net/http keeps
// Authorization on a redirect to the same host name on another port or to
// a subdomain, and copies every other header (X-Amz-Security-Token,
// X-Amz-Date, X-Osc-Date) to any host; a 307 or 308 re-sends the body,
// which for a token exchange is a signed JWT. So:
//
//   - every iamkit HTTP client ([Client], and the S3 client s3client
//     builds) goes through [KeepOnHost]: a redirect to another origin is
//     not followed, its 3xx is the answer;
//   - a RoundTripper that adds credentials (auth.Transport) adds them only
//     to a request on the origin of its redirect chain, and sends a hop to
//     another origin through [WithoutCredentials] ([CrossOriginHop]).

// credentialHeaders are the request headers iamkit sets that carry a
// credential or a part of a signature (with the headers a signature in
// Authorization lists, see [WithoutCredentials]). Cookies are not among
// them: they are not iamkit's credentials, and net/http already keeps the
// caller's Cookie header off another domain and adds a Jar's own cookies
// for each hop's host, which stripping would lose.
var credentialHeaders = [...]string{
	"Authorization",
	"Proxy-Authorization",
	"X-Amz-Security-Token",
	"X-Amz-Date",
	"X-Amz-Content-Sha256",
	"X-Osc-Date",
}

// SameOrigin reports whether a and b address the same origin: the same
// scheme and the same host:port, host names compared without case and a
// missing port read as the scheme's default (80 for http, 443 for https).
// A subdomain, another port or another scheme is another origin.
func SameOrigin(a, b *url.URL) bool {
	if a == nil || b == nil || !strings.EqualFold(a.Scheme, b.Scheme) {
		return false
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// KeepOnHost returns a shallow copy of hc (nil: a zero http.Client) whose
// CheckRedirect refuses a redirect to another origin than the first
// request's, by handing back the 3xx response as the answer. A redirect on
// the same origin is left to hc's own CheckRedirect (net/http's policy,
// at most 10 redirects, when it is nil). hc itself is not changed.
func KeepOnHost(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) == 0 || !SameOrigin(via[0].URL, req.URL) {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errTooManyRedirects
		}
		return nil
	}
	return &c
}

// errTooManyRedirects is net/http's default policy's error, with its text
// (isPermanentTransportError knows it).
var errTooManyRedirects = &redirectError{"stopped after 10 redirects"}

type redirectError struct{ s string }

func (e *redirectError) Error() string { return e.s }

// maxChain bounds the walk back through a redirect chain.
const maxChain = 64

// CrossOriginHop reports whether req is a redirect hop (req.Response is
// set, as http.Client sets it) to another origin than the first request of
// its chain. A chain that cannot be followed back to its first request
// (a response without its Request) counts as crossing.
func CrossOriginHop(req *http.Request) bool {
	first := req
	for i := 0; first.Response != nil; i++ {
		if first.Response.Request == nil || i == maxChain {
			return true
		}
		first = first.Response.Request
	}
	return first != req && !SameOrigin(first.URL, req.URL)
}

// WithoutCredentials returns req itself when it carries none of the
// credential headers iamkit sets (Authorization, Proxy-Authorization,
// X-Amz-Security-Token, X-Amz-Date, X-Amz-Content-Sha256, X-Osc-Date, in
// any spelling) nor a header that the SignedHeaders list of a SigV4 or
// OSC4 Authorization names, else a shallow copy without them (same body),
// leaving req untouched. Cookies are kept: net/http decides which go to
// which host.
func WithoutCredentials(req *http.Request) *http.Request {
	signed := signedHeaders(req.Header.Values("Authorization"))
	strip := func(k string) bool {
		return isCredentialHeader(k) || slices.ContainsFunc(signed, func(s string) bool { return strings.EqualFold(k, s) })
	}
	found := false
	for k := range req.Header {
		if found = strip(k); found {
			break
		}
	}
	if !found {
		return req
	}
	r := req.Clone(req.Context())
	r.Body = req.Body
	for k := range r.Header {
		if strip(k) {
			delete(r.Header, k)
		}
	}
	return r
}

func isCredentialHeader(k string) bool {
	for _, c := range credentialHeaders {
		if strings.EqualFold(k, c) {
			return true
		}
	}
	return false
}

// signedHeaders returns the header names the SignedHeaders parameters of
// the Authorization values list ("SignedHeaders=host;x-amz-date, …").
func signedHeaders(auth []string) []string {
	var names []string
	for _, a := range auth {
		for _, p := range strings.FieldsFunc(a, func(r rune) bool { return r == ',' || r == ' ' }) {
			if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "SignedHeaders") {
				names = append(names, strings.Split(v, ";")...)
			}
		}
	}
	return names
}
