package iamtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/iamkit/iamkit/auth"
)

// Yandex token-exchange constants the emulator checks.
const (
	// YandexTokenPath is the path of IamTokenService.Create over REST.
	YandexTokenPath = "/iam/v1/tokens"
	// YandexJWTAudience is the aud a Yandex JWT must carry.
	YandexJWTAudience = "https://iam.api.cloud.yandex.net/iam/v1/tokens"

	yandexMaxJWTLen = 8000
)

// YandexTokenServer emulates Yandex Cloud's IAM token endpoint: POST
// {"jwt": …} to [YandexTokenPath]; it answers {"iamToken","expiresAt"}
// with expiresAt in RFC 3339 with nanoseconds.
//
// The JWT is verified for real against the [Registry]: the kid header must
// name a registered, enabled key; the signature must be PS256 with salt
// length equal to the hash length (RS256 and other salt lengths are
// refused, as "The only supported algorithm is PS256"); iss must be the
// key's service account or, for a key registered as a user account's
// ([PublicKey].UserAccountID), that user account (as yandex-cloud/go-sdk
// v2's credentials.UserAccountKey signs it; the issued token's subject is
// then the user account); aud must be [YandexJWTAudience] (a string or a
// one-element array); iat and exp are required, exp in the future on the
// emulator clock and exp - iat at most MaxJWTTTL (default 1 hour).
//
// Errors are google.rpc.Status JSON with the HTTP status of their code:
// {"code":16,"message":"Key '<kid>' was not found","details":[{"@type":
// "type.googleapis.com/google.rpc.RequestInfo","requestId":…}]} and 401
// for a rejected JWT; code 3 and 400 for a body without exactly one of jwt
// and yandexPassportOauthToken; code 12 and 501 for an OAuth token (the
// emulator supports only JWTs).
//
// Issued tokens are opaque, "t1."-prefixed, and recorded in the Registry
// with Issuer "yandex".
type YandexTokenServer struct {
	// URL is the full endpoint, e.g. "http://127.0.0.1:41234/iam/v1/tokens".
	URL string
	// Addr is the host:port the emulator listens on.
	Addr string
	// Registry verifies JWTs and records issued tokens.
	Registry *Registry
	// Faults injects failures; the operation name is [YandexTokenPath].
	Faults *Faults

	s *tokenServer
}

// NewYandexTokenServer starts a Yandex token emulator on
// TokenServerOptions.Addr (default a free port on 127.0.0.1). It returns
// an error for an address that is not loopback, a negative TokenLifetime
// or MaxJWTTTL, or a failure to listen. Nil option functions are skipped.
// Close it when done.
func NewYandexTokenServer(optFns ...func(*TokenServerOptions)) (*YandexTokenServer, error) {
	y := &YandexTokenServer{}
	s, err := newTokenServer("Yandex", optFns, DefaultYandexMaxJWTTTL, http.HandlerFunc(y.serveHTTP))
	if err != nil {
		return nil, err
	}
	y.s = s
	y.Addr = s.addr()
	y.URL = s.srv.URL + YandexTokenPath
	y.Registry = s.registry
	y.Faults = s.faults
	return y, nil
}

// Close shuts the emulator down. It releases requests held by FaultHang
// or FaultLatency and waits for every handler to return.
func (y *YandexTokenServer) Close() { y.s.close() }

// Calls returns how many token requests arrived (answered or failed,
// faults included) for method: the emulator's one operation,
// [YandexTokenPath], or "" for all. Any other method has none.
func (y *YandexTokenServer) Calls(method string) int { return y.s.calls(YandexTokenPath, method) }

// IssueToken mints an IAM token for subject without an exchange, as if
// subject had exchanged a JWT, valid for ttl on the emulator's clock
// (TokenServerOptions.TokenLifetime when ttl <= 0), and returns it. The
// emulators that check bearer tokens against the same [Registry] accept
// it.
func (y *YandexTokenServer) IssueToken(subject string, ttl time.Duration) string {
	tok, _ := y.s.issue("t1.", "yandex", subject, ttl)
	return tok
}

// ServiceAccountOptions returns an option for yandexauth.ServiceAccount
// that points the token source at the emulator, as
// httptest.Server.Client does for a test server: Endpoint (the
// emulator's URL) and, when TokenServerOptions.Clock was set, Clock, so
// that the JWTs are signed on the time the emulator checks them against.
// Options given after it override it.
func (y *YandexTokenServer) ServiceAccountOptions() func(*auth.ServiceAccountOptions) {
	return y.s.serviceAccountOptions(y.URL)
}

type yandexRequestInfo struct {
	Type      string `json:"@type"`
	RequestID string `json:"requestId"`
}

type yandexStatus struct {
	Code    int                 `json:"code"`
	Message string              `json:"message"`
	Details []yandexRequestInfo `json:"details"`
}

func writeYandexError(w http.ResponseWriter, status, code int, msg, reqID string) {
	writeTokenJSON(w, status, yandexStatus{
		Code:    code,
		Message: msg,
		Details: []yandexRequestInfo{{"type.googleapis.com/google.rpc.RequestInfo", reqID}},
	})
}

func (y *YandexTokenServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	w.Header().Set("X-Request-Id", reqID)
	if r.URL.Path != YandexTokenPath {
		writeYandexError(w, http.StatusNotFound, 5, "Not Found", reqID)
		return
	}
	y.s.exchanges.Add(1)
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenRequestBytes))
	if y.s.applyFault(w, r, YandexTokenPath, func(w http.ResponseWriter, f Fault) {
		code, err := strconv.Atoi(f.Code)
		if err != nil || code <= 0 || code > 16 {
			code = yandexCodeForStatus(f.Status)
		}
		writeYandexError(w, f.Status, code, "injected fault: http "+strconv.Itoa(f.Status), reqID)
	}) == faultHandled {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeYandexError(w, http.StatusMethodNotAllowed, 12, "Method Not Allowed", reqID)
		return
	}
	if readErr != nil {
		writeYandexError(w, http.StatusBadRequest, 3, "Request body is too large or unreadable", reqID)
		return
	}
	var req map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&req); err != nil || d.More() {
		writeYandexError(w, http.StatusBadRequest, 3, "Request body is not a JSON object", reqID)
		return
	}
	rawJWT, hasJWT := req["jwt"]
	_, hasOAuth := req["yandexPassportOauthToken"]
	if hasJWT == hasOAuth {
		writeYandexError(w, http.StatusBadRequest, 3,
			"Request validation error: Exactly one of 'yandexPassportOauthToken' and 'jwt' should be specified.", reqID)
		return
	}
	if hasOAuth {
		writeYandexError(w, http.StatusNotImplemented, 12, "The emulator supports only jwt, not yandexPassportOauthToken", reqID)
		return
	}
	var jwt string
	if err := json.Unmarshal(rawJWT, &jwt); err != nil || jwt == "" || len(jwt) > yandexMaxJWTLen {
		writeYandexError(w, http.StatusBadRequest, 3,
			"Request validation error: jwt must be a string of 1 to "+strconv.Itoa(yandexMaxJWTLen)+" characters", reqID)
		return
	}
	rules := jwtRules{
		alg:          "PS256",
		audience:     YandexJWTAudience,
		audRequired:  true,
		iatRequired:  true,
		userAccounts: true,
		maxTTL:       y.s.maxTTL,
	}
	v, jerr := verifyJWT(y.s.registry, jwt, rules, y.s.clock.Now())
	if jerr != nil {
		writeYandexError(w, http.StatusUnauthorized, 16, jerr.msg, reqID)
		return
	}
	tok, exp := y.s.issue("t1.", "yandex", v.serviceAccountID, 0)
	writeTokenJSON(w, http.StatusOK, struct {
		IAMToken  string `json:"iamToken"`
		ExpiresAt string `json:"expiresAt"`
	}{tok, exp.UTC().Format(time.RFC3339Nano)})
}

// yandexCodeForStatus picks the gRPC code of an injected HTTP status.
func yandexCodeForStatus(status int) int {
	switch status {
	case 400:
		return 3
	case 401:
		return 16
	case 403:
		return 7
	case 404:
		return 5
	case 409:
		return 6
	case 429:
		return 8
	case 500:
		return 13
	case 501:
		return 12
	case 503:
		return 14
	case 504:
		return 4
	}
	return 2
}
