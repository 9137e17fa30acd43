package outscaletest

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"
)

// wireDate is the response date form of the spec examples:
// "2010-10-01T12:34:56.789+0000" (offset without a colon).
const wireDate = "2006-01-02T15:04:05.000-0700"

type apiAccessPolicy struct {
	MaxAccessKeyExpirationSeconds int64 `json:"MaxAccessKeyExpirationSeconds"`
	RequireTrustedEnv             bool  `json:"RequireTrustedEnv"`
}

// handlerFunc carries out a call and returns the members of its JSON
// answer (without braces and ResponseContext), or nil for none.
type handlerFunc func(c *caller, body []byte) ([]byte, error)

func (s *Server) handler(call string) handlerFunc {
	switch call {
	case "CreateAccessKey":
		return s.createAccessKey
	case "ReadAccessKeys":
		return s.readAccessKeys
	case "UpdateAccessKey":
		return s.updateAccessKey
	case "DeleteAccessKey":
		return s.deleteAccessKey
	case "ReadApiAccessPolicy":
		return s.readAPIAccessPolicy
	case "UpdateApiAccessPolicy":
		return s.updateAPIAccessPolicy
	case "CheckAuthentication":
		return s.checkAuthentication
	}
	return nil
}

// member renders `"name":<json of v>`.
func member(name string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only emulator-built values are marshaled
	}
	return append([]byte(`"`+name+`":`), b...)
}

// decodeStrict decodes body into v after checking that every key is one
// the schema names, spelled exactly (the spec's additionalProperties:
// false; encoding/json alone would match keys case-insensitively).
func decodeStrict(body []byte, v any, allowed []string, nested map[string][]string) error {
	if len(body) == 2 && body[0] == '{' && body[1] == '}' {
		return nil // nothing to check or decode
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return errf(400, codeInvalidParam, "InvalidParameter", "the request body must be a JSON object")
	}
	for k, raw := range top {
		if !contains(allowed, k) {
			return errf(400, codeInvalidParam, "InvalidParameter", "unknown parameter %q", k)
		}
		if sub, ok := nested[k]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return errf(400, codeInvalidType, "InvalidParameterType", "The parameter type of %s is unknown.", k)
			}
			for sk := range m {
				if !contains(sub, sk) {
					return errf(400, codeInvalidParam, "InvalidParameter", "unknown parameter %q", k+"."+sk)
				}
			}
		}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errf(400, codeInvalidType, "InvalidParameterType", "The parameter type of %s is unknown.", te.Field)
		}
		return errf(400, codeInvalidParam, "InvalidParameter", "invalid request body")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseWireDate accepts what the API documents for requests: an ISO 8601
// date-time (2020-06-14T00:00:00.000Z, with Z or an offset) or a date
// (2020-06-14). An empty string is refused as in
// terraform-provider-outscale#342.
func parseWireDate(field string, v *string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	if *v == "" {
		return time.Time{}, errf(400, codeInvalidType, "InvalidParameterType", "The parameter type of %s is unknown.", field)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, *v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errf(400, codeInvalidValue, "InvalidParameterValue", "%s %q is not an ISO 8601 date or date-time", field, *v)
}

// checkExpiry applies "in the future" and the account's policy.
func (s *Server) checkExpiry(a *account, exp time.Time, now time.Time) error {
	if !exp.IsZero() && !exp.After(now) {
		return errf(400, codeInvalidValue, "InvalidParameterValue", "ExpirationDate must be in the future")
	}
	if maxSec := a.policy.MaxAccessKeyExpirationSeconds; maxSec > 0 {
		if exp.IsZero() {
			return errf(400, codeInvalidValue, "InvalidParameterValue",
				"the API access policy requires an ExpirationDate (MaxAccessKeyExpirationSeconds=%d)", maxSec)
		}
		if exp.After(now.Add(time.Duration(maxSec) * time.Second)) {
			return errf(400, codeInvalidValue, "InvalidParameterValue",
				"ExpirationDate exceeds the API access policy (MaxAccessKeyExpirationSeconds=%d)", maxSec)
		}
	}
	return nil
}

// target resolves the user a call acts on. EIM users act on themselves
// only.
func (s *Server) target(c *caller, userName *string) (string, error) {
	u := ""
	if userName != nil {
		u = *userName
	}
	if c.user != "" {
		if u != "" && u != c.user {
			return "", errf(401, codeNotAuthorized, "AccessDenied", "ErrorNotAuthorized: an EIM user can manage only its own access keys")
		}
		return c.user, nil
	}
	if u != "" && !c.account.users[u] {
		return "", errf(400, codeNoSuchUser, "InvalidResource", "no-such-user: the EIM user %q does not exist", u)
	}
	return u, nil
}

// wireKey is the AccessKey schema (AccessKeySecretKey with SecretKey).
type wireKey struct {
	AccessKeyID          string `json:"AccessKeyId"`
	CreationDate         string `json:"CreationDate"`
	ExpirationDate       string `json:"ExpirationDate,omitempty"`
	LastModificationDate string `json:"LastModificationDate"`
	SecretKey            string `json:"SecretKey,omitempty"`
	State                string `json:"State"`
	Tag                  string `json:"Tag,omitempty"`
}

func toWire(k *key) wireKey {
	w := wireKey{
		AccessKeyID:          k.id,
		CreationDate:         k.created.UTC().Format(wireDate),
		LastModificationDate: k.modified.UTC().Format(wireDate),
		State:                k.state,
		Tag:                  k.tag,
	}
	if !k.expires.IsZero() {
		w.ExpirationDate = k.expires.UTC().Format(wireDate)
	}
	return w
}

func keyJSON(k *key) []byte {
	b, _ := json.Marshal(toWire(k))
	return b
}

func (s *Server) createAccessKey(c *caller, body []byte) ([]byte, error) {
	var req struct {
		DryRun         bool
		ExpirationDate *string
		Tag            *string
		UserName       *string
	}
	if err := decodeStrict(body, &req, []string{"DryRun", "ExpirationDate", "Tag", "UserName"}, nil); err != nil {
		return nil, err
	}
	exp, err := parseWireDate("ExpirationDate", req.ExpirationDate)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, err := s.target(c, req.UserName)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if err := s.checkExpiry(c.account, exp, now); err != nil {
		return nil, err
	}
	n := 0
	for _, k := range s.keys {
		if k.account == c.account && k.user == user {
			n++
		}
	}
	if n >= s.opts.MaxKeysPerUser {
		return nil, errf(400, codeTooManyKeys, "TooManyResources", "QuotaExceeded: at most %d access keys per user", s.opts.MaxKeysPerUser)
	}
	if req.DryRun {
		return nil, nil
	}
	tag := ""
	if req.Tag != nil {
		tag = *req.Tag
	}
	k := s.mintLocked(c.account, user, tag, exp)
	w := toWire(k)
	w.SecretKey = k.secret
	return member("AccessKey", w), nil
}

func (s *Server) readAccessKeys(c *caller, body []byte) ([]byte, error) {
	var req struct {
		DryRun  bool
		Filters *struct {
			AccessKeyIds []string
			States       []string
		}
		Tag      *string
		UserName *string
	}
	if err := decodeStrict(body, &req, []string{"DryRun", "Filters", "Tag", "UserName"},
		map[string][]string{"Filters": {"AccessKeyIds", "States"}}); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, err := s.target(c, req.UserName)
	if err != nil {
		return nil, err
	}
	if req.Filters != nil {
		for _, st := range req.Filters.States {
			if st != "ACTIVE" && st != "INACTIVE" {
				return nil, errf(400, codeInvalidValue, "InvalidParameterValue", "States: %q is not ACTIVE or INACTIVE", st)
			}
		}
	}
	if req.DryRun {
		return nil, nil
	}
	found := make([]*key, 0, 8)
	for _, k := range s.keys {
		if k.account != c.account || k.user != user {
			continue
		}
		if req.Filters != nil {
			if len(req.Filters.AccessKeyIds) > 0 && !contains(req.Filters.AccessKeyIds, k.id) {
				continue
			}
			if len(req.Filters.States) > 0 && !contains(req.Filters.States, k.state) {
				continue
			}
		}
		if req.Tag != nil && *req.Tag != "" && k.tag != *req.Tag {
			continue
		}
		found = append(found, k)
	}
	sort.Slice(found, func(i, j int) bool {
		if !found[i].created.Equal(found[j].created) {
			return found[i].created.Before(found[j].created)
		}
		return found[i].id < found[j].id
	})
	out := append(make([]byte, 0, 16+200*len(found)), `"AccessKeys":[`...)
	for i, k := range found {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, k.json...)
	}
	return append(out, ']'), nil
}

func (s *Server) findKey(c *caller, id *string, user string) (*key, error) {
	if id == nil || *id == "" {
		return nil, errf(400, codeMissingParam, "MissingParameter", "AccessKeyId is required")
	}
	k, ok := s.keys[*id]
	if !ok || k.account != c.account || k.user != user {
		return nil, errf(400, codeNoSuchKey, "InvalidResource", "no-such-key: access key %q not found", *id)
	}
	return k, nil
}

func (s *Server) updateAccessKey(c *caller, body []byte) ([]byte, error) {
	var req struct {
		AccessKeyId         *string //nolint:revive // wire name
		ClearExpirationDate bool
		ClearTag            bool
		DryRun              bool
		ExpirationDate      *string
		State               *string
		Tag                 *string
		UserName            *string
	}
	allowed := []string{"AccessKeyId", "ClearExpirationDate", "ClearTag", "DryRun", "ExpirationDate", "State", "Tag", "UserName"}
	if s.opts.Legacy {
		allowed = []string{"AccessKeyId", "DryRun", "ExpirationDate", "State", "Tag", "UserName"}
	}
	if err := decodeStrict(body, &req, allowed, nil); err != nil {
		return nil, err
	}
	if s.opts.Legacy && req.State == nil {
		return nil, errf(400, codeMissingParam, "MissingParameter", "State is required")
	}
	if req.State != nil && *req.State != "ACTIVE" && *req.State != "INACTIVE" {
		return nil, errf(400, codeInvalidValue, "InvalidParameterValue", "State: %q is not ACTIVE or INACTIVE", *req.State)
	}
	exp, err := parseWireDate("ExpirationDate", req.ExpirationDate)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, err := s.target(c, req.UserName)
	if err != nil {
		return nil, err
	}
	k, err := s.findKey(c, req.AccessKeyId, user)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	newExp := k.expires
	switch {
	case req.ClearExpirationDate:
		newExp = time.Time{}
		if err := s.checkExpiry(c.account, newExp, now); err != nil {
			return nil, err
		}
	case req.ExpirationDate != nil:
		if err := s.checkExpiry(c.account, exp, now); err != nil {
			return nil, err
		}
		newExp = exp
	case s.opts.Legacy:
		// Pre-1.40 behaviour, as the spec describes it: "if you do not
		// specify the expiration date of an access key when updating its
		// state, it is then set to not expire."
		newExp = time.Time{}
	}
	if req.DryRun {
		return nil, nil
	}
	k.expires = newExp
	if req.State != nil {
		k.state = *req.State
	}
	switch {
	case req.ClearTag:
		k.tag = ""
	case req.Tag != nil:
		k.tag = *req.Tag
	}
	k.modified = now
	s.syncLocked(k)
	return append([]byte(`"AccessKey":`), k.json...), nil
}

func (s *Server) deleteAccessKey(c *caller, body []byte) ([]byte, error) {
	var req struct {
		AccessKeyId *string //nolint:revive // wire name
		DryRun      bool
		UserName    *string
	}
	if err := decodeStrict(body, &req, []string{"AccessKeyId", "DryRun", "UserName"}, nil); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, err := s.target(c, req.UserName)
	if err != nil {
		return nil, err
	}
	k, err := s.findKey(c, req.AccessKeyId, user)
	if err != nil {
		return nil, err
	}
	if k.user != "" && k.state == "ACTIVE" {
		return nil, errf(409, codeInvalidState, "InvalidState", "the access key of an EIM user must be INACTIVE to be deleted")
	}
	if req.DryRun {
		return nil, nil
	}
	delete(s.keys, k.id)
	s.Registry.DeleteS3Key(k.id)
	return nil, nil
}

func (s *Server) readAPIAccessPolicy(c *caller, body []byte) ([]byte, error) {
	var req struct{ DryRun bool }
	if err := decodeStrict(body, &req, []string{"DryRun"}, nil); err != nil {
		return nil, err
	}
	if req.DryRun {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return member("ApiAccessPolicy", c.account.policy), nil
}

func (s *Server) updateAPIAccessPolicy(c *caller, body []byte) ([]byte, error) {
	var req struct {
		DryRun                        bool
		MaxAccessKeyExpirationSeconds *int64
		RequireTrustedEnv             *bool
	}
	if err := decodeStrict(body, &req, []string{"DryRun", "MaxAccessKeyExpirationSeconds", "RequireTrustedEnv"}, nil); err != nil {
		return nil, err
	}
	var missing []string
	if req.MaxAccessKeyExpirationSeconds == nil {
		missing = append(missing, "MaxAccessKeyExpirationSeconds")
	}
	if req.RequireTrustedEnv == nil {
		missing = append(missing, "RequireTrustedEnv")
	}
	if len(missing) > 0 {
		return nil, errf(400, codeMissingParam, "MissingParameter", "%s required", strings.Join(missing, " and "))
	}
	if *req.MaxAccessKeyExpirationSeconds < 0 {
		return nil, errf(400, codeInvalidValue, "InvalidParameterValue", "MaxAccessKeyExpirationSeconds must not be negative")
	}
	if c.user != "" {
		return nil, errf(401, codeNotAuthorized, "AccessDenied", "ErrorNotAuthorized: only the root account can change the API access policy")
	}
	if req.DryRun {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.account.policy = apiAccessPolicy{MaxAccessKeyExpirationSeconds: *req.MaxAccessKeyExpirationSeconds, RequireTrustedEnv: *req.RequireTrustedEnv}
	return member("ApiAccessPolicy", c.account.policy), nil
}

func (s *Server) checkAuthentication(c *caller, body []byte) ([]byte, error) {
	var req struct {
		DryRun   bool
		Login    *string
		Password *string
	}
	if err := decodeStrict(body, &req, []string{"DryRun", "Login", "Password"}, nil); err != nil {
		return nil, err
	}
	if req.Login == nil || req.Password == nil {
		return nil, errf(400, codeMissingParam, "MissingParameter", "Login and Password are required")
	}
	if req.DryRun {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if *req.Login != c.account.login || *req.Password != c.account.password {
		return nil, errf(401, codeAuthFailed, "AccessDenied", "ErrorAuthenticationFailed: wrong login or password")
	}
	return nil, nil
}
