package outscaletest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// Error codes the emulator answers with. 1–25 are from the OSC API docs'
// "Errors" page (docs.outscale.com/api-errors.html). The others follow the
// families of osc-sdk-python's gateway_errors.yaml; the exact codes and
// HTTP statuses for them are UNCONFIRMED, so clients should map by family,
// as iam/outscale does.
const (
	codeAuthFailed      = "1"     // AccessDenied, ErrorAuthenticationFailed, 401
	codeNotAuthorized   = "5"     // AccessDenied, ErrorNotAuthorized, 401
	codeBasicNotAllowed = "9"     // AuthFailure, login/password not allowed for this call, 401
	codeLocked          = "13"    // ErrorTemporaryBruteForceAccessLockedException, 401
	codeUnmatchedRules  = "14"    // ErrorUnmatchedApiAccessRules, 401
	codeNotFoundKeys    = "4000"  // access-keys-not-found
	codeInvalidParam    = "4045"  // invalid-parameter (unknown field)
	codeInvalidValue    = "4047"  // invalid-parameter-value
	codeInvalidType     = "4108"  // invalid-parameter-type
	codeNoSuchKey       = "5027"  // no-such-key
	codeNoSuchUser      = "5075"  // no-such-user
	codeInvalidState    = "6000"  // InvalidState (UNCONFIRMED code)
	codeMissingParam    = "7000"  // MissingParameter (UNCONFIRMED code)
	codeTooManyKeys     = "10004" // TooManyResources (UNCONFIRMED code)
)

// maxSkew is how far a request's signing time may be from the server's:
// "must reach 3DS OUTSCALE within five minutes of the timestamp".
const maxSkew = 5 * time.Minute

// basicAllowed lists the calls that accept login/password (API 1.40.1).
var basicAllowed = map[string]bool{
	"CreateAccessKey": true, "ReadAccessKeys": true, "UpdateAccessKey": true, "DeleteAccessKey": true,
	"CreateApiAccessRule": true, "ReadApiAccessRules": true, "UpdateApiAccessRule": true, "DeleteApiAccessRule": true,
	"ReadApiAccessPolicy": true, "UpdateApiAccessPolicy": true,
	"CreateCa": true, "ReadCas": true, "UpdateCa": true, "DeleteCa": true,
}

type oscError struct {
	status  int
	code    string
	typ     string
	details string
}

func (e *oscError) Error() string { return e.code + " " + e.typ + ": " + e.details }

func errf(status int, code, typ, format string, args ...any) *oscError {
	return &oscError{status: status, code: code, typ: typ, details: fmt.Sprintf(format, args...)}
}

// caller is who a request authenticated as.
type caller struct {
	account *account
	user    string // "" for root
}

func callName(path string) string {
	for strings.Contains(path, "//") {
		path = strings.ReplaceAll(path, "//", "/")
	}
	for _, p := range []string{"/api/v1/", "/api/latest/"} {
		if rest, ok := strings.CutPrefix(path, p); ok && rest != "" && !strings.Contains(rest, "/") {
			return rest
		}
	}
	return ""
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	call := callName(r.URL.Path)
	rec := Request{Call: call}
	var reset *iamtest.Fault // a FaultReset, carried out once the call is
	var injected *oscError
	if f, ok := s.Faults.Next(call); ok {
		switch f.Kind {
		case iamtest.FaultStatus:
			// Answered after authentication, so that the record shows
			// whether the throttled attempt was correctly signed.
			injected = faultError(f)
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
		case iamtest.FaultReset:
			reset = &f
		case iamtest.FaultHang:
			s.record(rec) // recorded on arrival: the client may give up first
			iamtest.ServeFault(w, r, f, s.clock, s.closed, nil)
		default:
			iamtest.ServeFault(w, r, f, s.clock, s.closed, nil)
		}
	}

	status, body, err := s.handle(r, call, &rec, injected)
	if err != nil {
		var e *oscError
		if !errors.As(err, &e) {
			e = errf(500, "0", "DefaultError", "internal error")
		}
		rec.Status, rec.Code = e.status, e.code
		s.record(rec)
		if reset != nil {
			iamtest.ServeFault(w, r, *reset, s.clock, s.closed, nil)
			return
		}
		s.writeError(w, e)
		return
	}
	rec.Status = status
	s.record(rec)
	if reset != nil {
		iamtest.ServeFault(w, r, *reset, s.clock, s.closed, nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func faultError(f iamtest.Fault) *oscError {
	code := f.Code
	status := f.Status
	switch code {
	case "6":
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		return errf(status, code, "AccessDenied", "ErrorOperationThrottled: Request rate exceeded")
	case "24":
		if status == 0 {
			status = http.StatusTooManyRequests
		}
		return errf(status, code, "AccessDenied", "ErrorOperationThrottledPerAccount")
	case "25":
		if status == 0 {
			status = http.StatusTooManyRequests
		}
		return errf(status, code, "AccessDenied", "ErrorOperationThrottledPerCall")
	}
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	if code == "" {
		if status == http.StatusServiceUnavailable {
			return errf(status, "6", "AccessDenied", "ErrorOperationThrottled: Request rate exceeded")
		}
		code = "0"
	}
	typ := "DefaultError"
	switch {
	case strings.HasPrefix(code, "9") && len(code) == 4:
		typ = "ResourceConflict"
	case strings.HasPrefix(code, "5") && len(code) == 4:
		typ = "InvalidResource"
	case strings.HasPrefix(code, "4") && len(code) == 4:
		typ = "InvalidParameterValue"
	}
	return errf(status, code, typ, "injected fault")
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

func (s *Server) appendRequestID(b []byte) []byte {
	n := s.seq.Add(1)
	b = append(b, "0475ca1e-d0c5-441d-712a-"...)
	d := strconv.AppendInt(nil, n, 10)
	for i := len(d); i < 12; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

func (s *Server) writeError(w http.ResponseWriter, e *oscError) {
	body, _ := json.Marshal(map[string]any{
		"Errors":          []map[string]string{{"Code": e.code, "Type": e.typ, "Details": e.details}},
		"ResponseContext": map[string]string{"RequestId": string(s.appendRequestID(nil))},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

func (s *Server) handle(r *http.Request, call string, rec *Request, injected *oscError) (int, []byte, error) {
	if r.Method != http.MethodPost {
		return 0, nil, errf(405, "2", "AccessDenied", "ErrorHttpMethodNotAllowed: use POST")
	}
	handler := s.handler(call)
	if handler == nil {
		return 0, nil, errf(404, "0", "DefaultError", "unknown call %q", call)
	}
	body, err := readBody(r)
	if err != nil {
		return 0, nil, errf(400, "0", "DefaultError", "reading body")
	}
	if s.opts.RequireClientCert && (r.TLS == nil || len(r.TLS.VerifiedChains) == 0) {
		return 0, nil, errf(401, codeUnmatchedRules, "AccessDenied", "ErrorUnmatchedApiAccessRules: a client certificate is required")
	}
	who, err := s.authenticate(r, call, body, rec)
	if err != nil {
		return 0, nil, err
	}
	if injected != nil {
		return 0, nil, injected
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}") // tolerated; UNCONFIRMED whether the real API accepts it
	}
	out, err := handler(who, body)
	if err != nil {
		return 0, nil, err
	}
	// {<members>,"ResponseContext":{"RequestId":"…"}}
	b := make([]byte, 0, len(out)+96)
	b = append(b, '{')
	if len(out) > 0 {
		b = append(b, out...)
		b = append(b, ',')
	}
	b = append(b, `"ResponseContext":{"RequestId":"`...)
	b = s.appendRequestID(b)
	b = append(b, `"}}`...)
	return http.StatusOK, b, nil
}

// authenticate verifies SigV4/OSC4 signatures (recomputed with the secret
// the emulator minted) or Basic plus X-Osc-Date, and applies the
// brute-force lockout: four failures in a row lock the account for a
// minute, one more minute every four further failures, up to ten.
func (s *Server) authenticate(r *http.Request, call string, body []byte, rec *Request) (*caller, error) {
	h := r.Header.Get("Authorization")
	now := s.clock.Now()
	switch {
	case strings.HasPrefix(h, "AWS4-HMAC-SHA256 "), strings.HasPrefix(h, "OSC4-HMAC-SHA256 "):
		sig, err := parseSignature(h)
		if err != nil {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: %v", err)
		}
		rec.Auth, rec.AccessKeyID, rec.Region, rec.Service = sig.algorithm, sig.accessKeyID, sig.region, sig.service
		t, date, err := sig.requestTime(r)
		rec.Date = date
		if err != nil {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: %v", err)
		}
		if d := now.Sub(t); d > maxSkew || d < -maxSkew {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: request time too far from server time")
		}
		if s.opts.StrictScope && (sig.region != s.opts.Region || !slices.Contains([]string{"oapi", "osc", "api"}, sig.service)) {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: credential scope %s/%s does not match", sig.region, sig.service)
		}
		s.mu.Lock()
		k, ok := s.keys[sig.accessKeyID]
		var secret string
		var a *account
		if ok {
			secret, a = k.secret, k.account
		}
		s.mu.Unlock()
		if !ok {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: unknown access key")
		}
		if err := s.checkLock(a, now); err != nil {
			return nil, err
		}
		valid := sig.verify(r, body, secret, &s.keyCache)
		s.mu.Lock()
		defer s.mu.Unlock()
		usable := k.state == "ACTIVE" && (k.expires.IsZero() || now.Before(k.expires))
		if _, still := s.keys[k.id]; !still {
			usable = false
		}
		if !valid || !usable {
			s.failLocked(a, now)
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: the signature or access key is not valid")
		}
		a.failures, a.lockMinutes = 0, 0
		rec.Verified = true
		return &caller{account: a, user: k.user}, nil

	case strings.HasPrefix(h, "Basic "):
		rec.Auth = "Basic"
		rec.Date = r.Header.Get("X-Osc-Date")
		if !basicAllowed[call] {
			return nil, errf(401, codeBasicNotAllowed, "AuthFailure", "The authentication using login/password is not allowed for this call.")
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		login, password, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: malformed Basic credentials")
		}
		t, err := time.Parse("20060102T150405Z", rec.Date)
		if err != nil {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: X-Osc-Date (YYYYMMDDTHHMMSSZ) is required with login/password")
		}
		if d := now.Sub(t); d > maxSkew || d < -maxSkew {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: X-Osc-Date too far from server time")
		}
		s.mu.Lock()
		a, ok := s.logins[login]
		s.mu.Unlock()
		if !ok {
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: wrong login or password")
		}
		if err := s.checkLock(a, now); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if password != a.password {
			s.failLocked(a, now)
			return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: wrong login or password")
		}
		a.failures, a.lockMinutes = 0, 0
		rec.Verified = true
		return &caller{account: a}, nil
	}
	return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: missing or unsupported Authorization")
}

func (s *Server) checkLock(a *account, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(a.lockedUntil) {
		return errf(401, codeLocked, "AccessDenied", "ErrorTemporaryBruteForceAccessLockedException: access locked for %d minute(s)", a.lockMinutes)
	}
	return nil
}

func (s *Server) failLocked(a *account, now time.Time) {
	a.failures++
	if a.failures%4 == 0 {
		a.lockMinutes = min(a.lockMinutes+1, 10)
		a.lockedUntil = now.Add(time.Duration(a.lockMinutes) * time.Minute)
	}
}

// readBody reads at most 1 MiB of the request body.
func readBody(r *http.Request) ([]byte, error) {
	const limit = 1 << 20
	if n := r.ContentLength; n >= 0 && n <= limit {
		b := make([]byte, n)
		_, err := io.ReadFull(r.Body, b)
		return b, err
	}
	return io.ReadAll(io.LimitReader(r.Body, limit))
}
