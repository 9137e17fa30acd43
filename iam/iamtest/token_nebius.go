package iamtest

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/iamkit/iamkit/auth"
)

// Nebius token-exchange constants the emulator checks.
const (
	// NebiusTokenPath is the path of the Nebius HTTP token exchange.
	NebiusTokenPath = "/oauth2/token/exchange"
	// NebiusJWTAudience is the aud a Nebius JWT may carry.
	NebiusJWTAudience = "token-service.iam.new.nebiuscloud.net"

	nebiusGrantType       = "urn:ietf:params:oauth:grant-type:token-exchange"
	nebiusAccessTokenType = "urn:ietf:params:oauth:token-type:access_token"
	nebiusJWTTokenType    = "urn:ietf:params:oauth:token-type:jwt"
)

// NebiusTokenServer emulates the Nebius HTTP token exchange (RFC 8693):
// POST form-encoded grant_type, requested_token_type, subject_token (a
// service-account JWT) and subject_token_type to [NebiusTokenPath]; it
// answers {"access_token","issued_token_type","token_type":"Bearer",
// "expires_in"}.
//
// The JWT is verified for real against the [Registry]: the kid header must
// name a registered, enabled key; the signature must be RS256 by that key;
// iss and sub must be the key's service account; aud, when present (Nebius
// documents JWTs without it), must be [NebiusJWTAudience] as a string or a
// one-element array; exp must be in the future on the emulator clock and
// exp - iat (exp - now without iat) at most MaxJWTTTL. A rejected JWT gets
// HTTP 401 {"error":"invalid_grant","error_description":…}; a malformed
// form HTTP 400 {"error":"invalid_request"|"unsupported_grant_type",…}.
// (RFC 6749 answers invalid_grant with 400; Nebius's HTTP error shape is
// not published, and the emulator answers 401 so that clients treat it as
// the authentication failure it is.)
//
// Issued tokens are opaque, "v1."-prefixed, and recorded in the Registry
// with Issuer "nebius".
type NebiusTokenServer struct {
	// URL is the full exchange endpoint, e.g.
	// "http://127.0.0.1:41234/oauth2/token/exchange".
	URL string
	// Addr is the host:port the emulator listens on.
	Addr string
	// Registry verifies JWTs and records issued tokens.
	Registry *Registry
	// Faults injects failures; the operation name is [NebiusTokenPath].
	Faults *Faults

	s *tokenServer
}

// NewNebiusTokenServer starts a Nebius token-exchange emulator on
// TokenServerOptions.Addr (default a free port on 127.0.0.1). It returns
// an error for an address that is not loopback, a negative TokenLifetime
// or MaxJWTTTL, or a failure to listen. Nil option functions are skipped.
// Close it when done.
func NewNebiusTokenServer(optFns ...func(*TokenServerOptions)) (*NebiusTokenServer, error) {
	n := &NebiusTokenServer{}
	s, err := newTokenServer("Nebius", optFns, DefaultNebiusMaxJWTTTL, http.HandlerFunc(n.serveHTTP))
	if err != nil {
		return nil, err
	}
	n.s = s
	n.Addr = s.addr()
	n.URL = s.srv.URL + NebiusTokenPath
	n.Registry = s.registry
	n.Faults = s.faults
	return n, nil
}

// Close shuts the emulator down. It releases requests held by FaultHang
// or FaultLatency and waits for every handler to return.
func (n *NebiusTokenServer) Close() { n.s.close() }

// Calls returns how many exchange requests arrived (answered or failed,
// faults included) for method: the emulator's one operation,
// [NebiusTokenPath], or "" for all. Any other method has none.
func (n *NebiusTokenServer) Calls(method string) int { return n.s.calls(NebiusTokenPath, method) }

// IssueToken mints a token for subject without an exchange, as if subject
// had exchanged a JWT, valid for ttl on the emulator's clock
// (TokenServerOptions.TokenLifetime when ttl <= 0), and returns it. The
// emulators that check bearer tokens against the same [Registry] accept
// it.
func (n *NebiusTokenServer) IssueToken(subject string, ttl time.Duration) string {
	tok, _ := n.s.issue("v1.", "nebius", subject, ttl)
	return tok
}

// ServiceAccountOptions returns an option for nebiusauth.ServiceAccount
// that points the token source at the emulator, as
// httptest.Server.Client does for a test server: Endpoint (the
// emulator's URL) and, when TokenServerOptions.Clock was set, Clock, so
// that the JWTs are signed on the time the emulator checks them against.
// Options given after it override it.
func (n *NebiusTokenServer) ServiceAccountOptions() func(*auth.ServiceAccountOptions) {
	return n.s.serviceAccountOptions(n.URL)
}

type nebiusErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

func (n *NebiusTokenServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != NebiusTokenPath {
		writeTokenJSON(w, http.StatusNotFound, nebiusErrorBody{"not_found", "no such endpoint: " + truncateTokenText(r.URL.Path, 100)})
		return
	}
	n.s.exchanges.Add(1)
	w.Header().Set("X-Request-Id", uuid.NewString())
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenRequestBytes))
	if n.s.applyFault(w, r, NebiusTokenPath, writeNebiusFault) == faultHandled {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeTokenJSON(w, http.StatusMethodNotAllowed, nebiusErrorBody{"invalid_request", "method must be POST"})
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		writeTokenJSON(w, http.StatusBadRequest, nebiusErrorBody{"invalid_request", "Content-Type must be application/x-www-form-urlencoded"})
		return
	}
	f, err := url.ParseQuery(string(body))
	if readErr != nil || err != nil {
		writeTokenJSON(w, http.StatusBadRequest, nebiusErrorBody{"invalid_request", "form body is malformed or too large"})
		return
	}
	switch {
	case f.Get("grant_type") != nebiusGrantType:
		writeTokenJSON(w, http.StatusBadRequest, nebiusErrorBody{"unsupported_grant_type", "grant_type must be " + nebiusGrantType})
		return
	case f.Get("subject_token") == "":
		writeTokenJSON(w, http.StatusBadRequest, nebiusErrorBody{"invalid_request", "subject_token is required"})
		return
	case f.Get("subject_token_type") != nebiusJWTTokenType:
		writeTokenJSON(w, http.StatusBadRequest, nebiusErrorBody{"invalid_request", "subject_token_type must be " + nebiusJWTTokenType})
		return
	case f.Has("requested_token_type") && f.Get("requested_token_type") != nebiusAccessTokenType:
		// Optional; the default is an access token.
		writeTokenJSON(w, http.StatusBadRequest, nebiusErrorBody{"invalid_request", "requested_token_type must be " + nebiusAccessTokenType})
		return
	}
	rules := jwtRules{
		alg:          "RS256",
		audience:     NebiusJWTAudience,
		subMustBeISS: true,
		maxTTL:       n.s.maxTTL,
	}
	v, jerr := verifyJWT(n.s.registry, f.Get("subject_token"), rules, n.s.clock.Now())
	if jerr != nil {
		writeTokenJSON(w, http.StatusUnauthorized, nebiusErrorBody{"invalid_grant", jerr.msg})
		return
	}
	tok, _ := n.s.issue("v1.", "nebius", v.serviceAccountID, 0)
	writeTokenJSON(w, http.StatusOK, struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
		TokenType       string `json:"token_type"`
		ExpiresIn       int64  `json:"expires_in"`
	}{tok, nebiusAccessTokenType, "Bearer", int64(n.s.lifetime / time.Second)})
}

// writeNebiusFault answers an injected FaultStatus in the RFC 6749 shape.
func writeNebiusFault(w http.ResponseWriter, f Fault) {
	code := f.Code
	if code == "" {
		switch {
		case f.Status == http.StatusTooManyRequests:
			code = "slow_down"
		case f.Status == http.StatusServiceUnavailable:
			code = "temporarily_unavailable"
		case f.Status >= 500:
			code = "server_error"
		case f.Status == http.StatusUnauthorized:
			code = "invalid_grant"
		case f.Status == http.StatusForbidden:
			code = "unauthorized_client"
		default:
			code = "invalid_request"
		}
	}
	writeTokenJSON(w, f.Status, nebiusErrorBody{code, "injected fault: http " + strconv.Itoa(f.Status)})
}
