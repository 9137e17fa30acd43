package yandextest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

type resourceKind int

const (
	kindAPIKey resourceKind = iota
	kindAccessKey
	kindKey
)

func (k resourceKind) name() string {
	switch k {
	case kindAPIKey:
		return "ApiKey"
	case kindAccessKey:
		return "AccessKey"
	}
	return "Key"
}

// messageNames are the messages the API names for a resource's
// operations (the yandex.cloud.api.operation option of the Update and
// Delete RPCs in yandex-cloud/cloudapi, …/api_key_service.proto,
// …/awscompatibility/access_key_service.proto, …/key_service.proto). Create
// answers its Create…Response directly: the API defines no Create…Metadata
// and the emulator records no operation for a create. These names and
// emptyMessage are the only ones the emulator writes in an "@type", with
// google.rpc.RequestInfo in error details.
type messageNames struct {
	resource, updateMetadata, deleteMetadata string
}

func (k resourceKind) messages() messageNames {
	switch k {
	case kindAPIKey:
		return messageNames{"yandex.cloud.iam.v1.ApiKey", "yandex.cloud.iam.v1.UpdateApiKeyMetadata", "yandex.cloud.iam.v1.DeleteApiKeyMetadata"}
	case kindAccessKey:
		return messageNames{"yandex.cloud.iam.v1.awscompatibility.AccessKey",
			"yandex.cloud.iam.v1.awscompatibility.UpdateAccessKeyMetadata", "yandex.cloud.iam.v1.awscompatibility.DeleteAccessKeyMetadata"}
	}
	return messageNames{"yandex.cloud.iam.v1.Key", "yandex.cloud.iam.v1.UpdateKeyMetadata", "yandex.cloud.iam.v1.DeleteKeyMetadata"}
}

// emptyMessage is the response of the Delete operations.
const emptyMessage = "google.protobuf.Empty"

func (k resourceKind) idField() string {
	switch k {
	case kindAPIKey:
		return "apiKeyId"
	case kindAccessKey:
		return "accessKeyId"
	}
	return "keyId"
}

type apiKey struct {
	seq      int64
	id       string
	sa       string
	desc     string
	scope    string
	scopes   []string
	created  time.Time
	expires  time.Time
	lastUsed time.Time
	secret   iam.Secret
}

func (k *apiKey) json() map[string]any {
	m := map[string]any{
		"id":               k.id,
		"serviceAccountId": k.sa,
		"createdAt":        ts(k.created),
		"description":      k.desc,
		"scopes":           append([]string{}, k.scopes...),
		"maskedSecret":     maskSecret(k.secret.Reveal()),
	}
	if k.scope != "" {
		m["scope"] = k.scope
	}
	if !k.expires.IsZero() {
		m["expiresAt"] = ts(k.expires)
	}
	if !k.lastUsed.IsZero() {
		m["lastUsedAt"] = ts(k.lastUsed)
	}
	return m
}

type accessKey struct {
	seq     int64
	id      string
	sa      string
	desc    string
	keyID   string
	secret  iam.Secret
	created time.Time
}

func (k *accessKey) json() map[string]any {
	return map[string]any{
		"id":               k.id,
		"serviceAccountId": k.sa,
		"createdAt":        ts(k.created),
		"description":      k.desc,
		"keyId":            k.keyID,
	}
}

type authKey struct {
	seq       int64
	id        string
	sa        string
	desc      string
	alg       string
	publicPEM string
	created   time.Time
}

func (k *authKey) json() map[string]any {
	return map[string]any{
		"id":               k.id,
		"serviceAccountId": k.sa,
		"createdAt":        ts(k.created),
		"description":      k.desc,
		"keyAlgorithm":     k.alg,
		"publicKey":        k.publicPEM,
	}
}

type operation struct {
	seq          int64
	id           string
	desc         string
	createdBy    string
	created      time.Time
	modified     time.Time
	metadata     map[string]any
	response     any // map with @type, when it succeeds
	failure      *apiError
	pollsLeft    int
	notFoundLeft int
}

func (o *operation) json() map[string]any {
	done := o.pollsLeft <= 0 && o.notFoundLeft <= 0
	m := map[string]any{
		"id":          o.id,
		"description": o.desc,
		"createdAt":   ts(o.created),
		"createdBy":   o.createdBy,
		"modifiedAt":  ts(o.modified),
		"done":        done,
		"metadata":    o.metadata,
	}
	if done {
		if o.failure != nil {
			m["error"] = map[string]any{"code": o.failure.code, "message": o.failure.message, "details": []any{}}
		} else {
			m["response"] = o.response
		}
	}
	return m
}

// maskSecret is ApiKey.masked_secret: "****" and the secret's last six
// characters, which the documented form `\*{4}[a-zA-Z0-9_]{6}`
// (api_key.proto) allows because the emulator draws them from
// [a-zA-Z0-9_] (see newAPIKeySecret). That the real API shows the tail is
// UNCONFIRMED, and so is how it masks a secret that ends in '-'.
func maskSecret(secret string) string { return "****" + secret[len(secret)-6:] }

// newAPIKeySecret returns an API key secret in the form of the real ones
// ("AQVN" and 36 characters of [A-Za-z0-9_-]), whose last six characters
// avoid '-' so that the masked secret keeps the documented form.
func newAPIKeySecret() string {
	return "AQVN" + randString(urlSafe, 30) + randString(alnum+"_", 6)
}

func withType(typ string, m map[string]any) map[string]any {
	out := map[string]any{"@type": "type.googleapis.com/" + typ}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// newOpLocked records the operation of an Update or Delete (verb) of a
// resource; it goes through the configured polls before it is done.
func (s *Server) newOpLocked(req *request, kind resourceKind, verb, resID string, resp any, fail *apiError) *operation {
	meta := kind.messages().updateMetadata
	if verb == "Delete" {
		meta = kind.messages().deleteMetadata
	}
	s.seq++
	op := &operation{
		seq:          s.seq,
		id:           newID(),
		desc:         verb + " " + kind.name(),
		createdBy:    req.subject,
		created:      req.now,
		modified:     req.now,
		metadata:     withType(meta, map[string]any{kind.idField(): resID}),
		response:     resp,
		failure:      fail,
		pollsLeft:    s.opts.OperationPolls,
		notFoundLeft: s.opts.OperationNotFoundPolls,
	}
	s.operations[op.id] = op
	s.resourceOps[resID] = append(s.resourceOps[resID], op.id)
	return op
}

func (s *Server) getOperation(req *request, id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, found := s.operations[id]
	if !found {
		return response{value: errf(codeNotFound, "Operation %s not found", id)}
	}
	if op.notFoundLeft > 0 {
		op.notFoundLeft--
		return response{value: errf(codeNotFound, "Operation %s not found", id)}
	}
	if op.pollsLeft > 0 {
		op.pollsLeft--
		if op.pollsLeft == 0 {
			op.modified = req.now
		}
		// Not done on this answer; done on the next.
		resp := ok(op.json())
		resp.value.(map[string]any)["done"] = false
		delete(resp.value.(map[string]any), "response")
		delete(resp.value.(map[string]any), "error")
		s.pollHeader(&resp)
		return resp
	}
	resp := ok(op.json())
	s.pollHeader(&resp)
	return resp
}

// cancelOperation serves OperationService.Cancel. The emulator applies
// every change when it accepts the request (an operation only reports it
// after Options.OperationPolls polls), so there is nothing left to stop:
// Cancel answers the operation as it stands, without counting a poll.
// The API documents cancelling as best effort, which allows exactly this.
func (s *Server) cancelOperation(_ *request, id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, found := s.operations[id]
	if !found || op.notFoundLeft > 0 {
		return response{value: errf(codeNotFound, "Operation %s not found", id)}
	}
	return ok(op.json())
}

func (s *Server) pollHeader(resp *response) {
	if s.opts.PollInterval <= 0 {
		return
	}
	sec := int(s.opts.PollInterval / time.Second)
	if sec < 1 {
		sec = 1
	}
	resp.header = map[string][]string{"X-Operation-Poll-Interval": {strconv.Itoa(sec)}}
}

// page slices items sorted by seq according to pageSize/pageToken.
func page[T any](q url.Values, items []T, seqOf func(T) int64) ([]T, string, *apiError) {
	size := 100
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return nil, "", errf(codeInvalidArgument, "pageSize: must be a number in range 0-1000")
		}
		if n > 0 {
			size = n
		}
	}
	var after int64
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(tok, "p"), 10, 64)
		if err != nil || !strings.HasPrefix(tok, "p") {
			return nil, "", errf(codeInvalidArgument, "pageToken: invalid page token")
		}
		after = n
	}
	sort.Slice(items, func(i, j int) bool { return seqOf(items[i]) < seqOf(items[j]) })
	start := sort.Search(len(items), func(i int) bool { return seqOf(items[i]) > after })
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = "p" + strconv.FormatInt(seqOf(items[end-1]), 10)
	}
	return items[start:end], next, nil
}

// serviceAccountLocked resolves a request's serviceAccountId.
func (s *Server) serviceAccountLocked(req *request, sa string) (string, *apiError) {
	if sa == "" {
		return req.subject, nil
	}
	if len(sa) > 50 {
		return "", errf(codeInvalidArgument, "serviceAccountId: length must be at most 50")
	}
	if !s.accounts[sa] {
		return "", errf(codeNotFound, "Service account %s not found", sa)
	}
	return sa, nil
}

func checkDescription(d string) *apiError {
	if utf8.RuneCountInString(d) > 256 {
		return errf(codeInvalidArgument, "description: length must be at most 256")
	}
	return nil
}

func checkScopes(scopes []string, min int) *apiError {
	if len(scopes) < min || len(scopes) > 100 {
		return errf(codeInvalidArgument, "scopes: number of elements must be in range %d-100", min)
	}
	seen := map[string]bool{}
	for _, sc := range scopes {
		if sc == "" || len(sc) > 256 {
			return errf(codeInvalidArgument, "scopes: each element must be 1-256 characters long")
		}
		if seen[sc] {
			return errf(codeInvalidArgument, "scopes: elements must be unique, %q repeats", sc)
		}
		seen[sc] = true
	}
	return nil
}

var maxExpiry = time.Date(2105, 12, 31, 23, 59, 59, 999999999, time.UTC)

func parseExpiry(v string, now time.Time) (time.Time, *apiError) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, errf(codeInvalidArgument, "expiresAt: invalid timestamp %q", v)
	}
	if t.After(maxExpiry) || t.Year() < 1970 {
		return time.Time{}, errf(codeInvalidArgument, "expiresAt: must be in range 1970-01-01T00:00:00Z to 2105-12-31T23:59:59.999999999Z")
	}
	if !t.After(now) {
		return time.Time{}, errf(codeInvalidArgument, "expiresAt: must be in the future")
	}
	return t, nil
}

func (s *Server) list(req *request, kind resourceKind) response {
	q := req.query
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, aerr := s.serviceAccountLocked(req, q.Get("serviceAccountId"))
	if aerr != nil {
		return response{value: aerr}
	}
	var (
		items []map[string]any
		next  string
	)
	switch kind {
	case kindAPIKey:
		var all []*apiKey
		for _, k := range s.apiKeys {
			if k.sa == sa {
				all = append(all, k)
			}
		}
		pg, n, perr := page(q, all, func(k *apiKey) int64 { return k.seq })
		if perr != nil {
			return response{value: perr}
		}
		for _, k := range pg {
			items = append(items, k.json())
		}
		next = n
	case kindAccessKey:
		var all []*accessKey
		for _, k := range s.accessKeys {
			if k.sa == sa {
				all = append(all, k)
			}
		}
		pg, n, perr := page(q, all, func(k *accessKey) int64 { return k.seq })
		if perr != nil {
			return response{value: perr}
		}
		for _, k := range pg {
			items = append(items, k.json())
		}
		next = n
	case kindKey:
		if f := q.Get("format"); !isPEMFile(f) {
			return response{value: errf(codeInvalidArgument, "format: unknown value %q", f)}
		}
		var all []*authKey
		for _, k := range s.keys {
			if k.sa == sa {
				all = append(all, k)
			}
		}
		pg, n, perr := page(q, all, func(k *authKey) int64 { return k.seq })
		if perr != nil {
			return response{value: perr}
		}
		for _, k := range pg {
			items = append(items, k.json())
		}
		next = n
	}
	if items == nil {
		items = []map[string]any{}
	}
	field := map[resourceKind]string{kindAPIKey: "apiKeys", kindAccessKey: "accessKeys", kindKey: "keys"}[kind]
	out := map[string]any{field: items}
	if next != "" {
		out["nextPageToken"] = next
	}
	return ok(out)
}

func (s *Server) getLocked(kind resourceKind, id string) (map[string]any, *apiError) {
	switch kind {
	case kindAPIKey:
		if k, found := s.apiKeys[id]; found {
			return k.json(), nil
		}
	case kindAccessKey:
		if k, found := s.accessKeys[id]; found {
			return k.json(), nil
		}
	case kindKey:
		if k, found := s.keys[id]; found {
			return k.json(), nil
		}
	}
	return nil, errf(codeNotFound, "%s %s not found", kind.name(), id)
}

func (s *Server) get(req *request, kind resourceKind, id string) response {
	if kind == kindKey {
		if f := req.query.Get("format"); !isPEMFile(f) {
			return response{value: errf(codeInvalidArgument, "format: unknown value %q", f)}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.getLocked(kind, id)
	if err != nil {
		return response{value: err}
	}
	return ok(m)
}

// enumValue is a proto3 JSON enum: its name, or its number.
type enumValue string

// UnmarshalJSON accepts a JSON string or number.
func (e *enumValue) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*e = enumValue(str)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*e = enumValue(strconv.FormatInt(n, 10))
	return nil
}

// isPEMFile reports whether f names KeyFormat PEM_FILE, the enum's only
// value (0 and its default).
func isPEMFile(f string) bool { return f == "" || f == "PEM_FILE" || f == "0" }

func (s *Server) create(req *request, kind resourceKind) response {
	switch kind {
	case kindAPIKey:
		return s.createAPIKey(req)
	case kindAccessKey:
		return s.createAccessKey(req)
	}
	return s.createKey(req)
}

// createAPIKey serves ApiKeyService.Create (CreateApiKeyRequest).
func (s *Server) createAPIKey(req *request) response {
	var body struct {
		ServiceAccountID string   `json:"serviceAccountId"`
		Description      string   `json:"description"`
		Scope            string   `json:"scope"`
		Scopes           []string `json:"scopes"`
		ExpiresAt        string   `json:"expiresAt"`
	}
	if err := decodeBody(req, &body); err != nil {
		return response{value: err}
	}
	if err := checkDescription(body.Description); err != nil {
		return response{value: err}
	}
	if len(body.Scope) > 256 {
		return response{value: errf(codeInvalidArgument, "scope: length must be at most 256")}
	}
	if err := checkScopes(body.Scopes, 0); err != nil {
		return response{value: err}
	}
	exp, aerr := parseExpiry(body.ExpiresAt, req.now)
	if aerr != nil {
		return response{value: aerr}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, aerr := s.serviceAccountLocked(req, body.ServiceAccountID)
	if aerr != nil {
		return response{value: aerr}
	}
	scopes := body.Scopes
	scope := body.Scope
	if len(scopes) == 0 && scope != "" {
		scopes = []string{scope}
	}
	if len(scopes) == 0 {
		scopes = append([]string(nil), defaultKeyScopes...)
	}
	if scope == "" {
		scope = scopes[0]
	}
	s.seq++
	k := &apiKey{seq: s.seq, id: newID(), sa: sa, desc: body.Description, scope: scope,
		scopes: scopes, created: req.now, expires: exp, secret: iam.NewSecret(newAPIKeySecret())}
	s.apiKeys[k.id] = k
	return ok(map[string]any{"apiKey": k.json(), "secret": k.secret.Reveal()})
}

// createAccessKey serves AccessKeyService.Create (CreateAccessKeyRequest).
func (s *Server) createAccessKey(req *request) response {
	var body struct {
		ServiceAccountID string `json:"serviceAccountId"`
		Description      string `json:"description"`
	}
	if err := decodeBody(req, &body); err != nil {
		return response{value: err}
	}
	if err := checkDescription(body.Description); err != nil {
		return response{value: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, aerr := s.serviceAccountLocked(req, body.ServiceAccountID)
	if aerr != nil {
		return response{value: aerr}
	}
	s.seq++
	k := &accessKey{seq: s.seq, id: newID(), sa: sa, desc: body.Description,
		keyID: "YC" + randString(urlSafe, 23), secret: iam.NewSecret("YC" + randString(urlSafe, 38)), created: req.now}
	s.accessKeys[k.id] = k
	s.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: k.keyID, Secret: k.secret, Active: true, Owner: sa})
	return ok(map[string]any{"accessKey": k.json(), "secret": k.secret.Reveal()})
}

// createKey serves KeyService.Create (CreateKeyRequest).
func (s *Server) createKey(req *request) response {
	var body struct {
		ServiceAccountID string    `json:"serviceAccountId"`
		Description      string    `json:"description"`
		Format           enumValue `json:"format"`
		KeyAlgorithm     enumValue `json:"keyAlgorithm"`
	}
	if err := decodeBody(req, &body); err != nil {
		return response{value: err}
	}
	if err := checkDescription(body.Description); err != nil {
		return response{value: err}
	}
	if !isPEMFile(string(body.Format)) {
		return response{value: errf(codeInvalidArgument, "format: unknown value %q", body.Format)}
	}
	alg, bits := "RSA_2048", 2048
	switch body.KeyAlgorithm {
	case "", "RSA_2048", "ALGORITHM_UNSPECIFIED", "1", "0":
	case "RSA_4096", "2":
		alg, bits = "RSA_4096", 4096
	default:
		return response{value: errf(codeInvalidArgument, "keyAlgorithm: unknown value %q", body.KeyAlgorithm)}
	}
	s.mu.Lock()
	sa, aerr := s.serviceAccountLocked(req, body.ServiceAccountID)
	s.mu.Unlock()
	if aerr != nil {
		return response{value: aerr}
	}
	// Key generation is slow; it runs without the lock.
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return response{value: errf(codeInternal, "generating key: %v", err)}
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return response{value: errf(codeInternal, "encoding key: %v", err)}
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return response{value: errf(codeInternal, "encoding key: %v", err)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	k := &authKey{seq: s.seq, id: newID(), sa: sa, desc: body.Description, alg: alg, created: req.now,
		publicPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))}
	s.keys[k.id] = k
	s.Registry.PutPublicKey(iamtest.PublicKey{KeyID: k.id, ServiceAccountID: sa, Key: &priv.PublicKey})
	return ok(map[string]any{
		"key":        k.json(),
		"privateKey": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})),
	})
}

func (s *Server) takeFailureLocked() *apiError {
	if len(s.failNext) == 0 {
		return nil
	}
	f := s.failNext[0]
	s.failNext = s.failNext[1:]
	return &apiError{code: f.code, message: f.message}
}

func splitMask(mask string) []string {
	var out []string
	for _, p := range strings.Split(mask, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// updateBody is an Update…Request's body: UpdateApiKeyRequest has all the
// fields, UpdateAccessKeyRequest and UpdateKeyRequest only the ID, the
// mask and the description (see decodeUpdate).
type updateBody struct {
	ID          string   `json:"-"`
	UpdateMask  string   `json:"updateMask"`
	Description *string  `json:"description"`
	Scopes      []string `json:"scopes"`
	ExpiresAt   *string  `json:"expiresAt"`
}

// decodeUpdate reads the body of an Update of kind: the fields its
// request message has. The resource ID may also be in the body (body "*"
// maps every field); the path's ID binds the call, so a different one is
// refused.
func decodeUpdate(req *request, kind resourceKind, id string) (updateBody, *apiError) {
	var out updateBody
	var err *apiError
	switch kind {
	case kindAPIKey:
		var b struct {
			APIKeyID    string   `json:"apiKeyId"`
			UpdateMask  string   `json:"updateMask"`
			Description *string  `json:"description"`
			Scopes      []string `json:"scopes"`
			ExpiresAt   *string  `json:"expiresAt"`
		}
		err = decodeBody(req, &b)
		out = updateBody{b.APIKeyID, b.UpdateMask, b.Description, b.Scopes, b.ExpiresAt}
	case kindAccessKey:
		var b struct {
			AccessKeyID string  `json:"accessKeyId"`
			UpdateMask  string  `json:"updateMask"`
			Description *string `json:"description"`
		}
		err = decodeBody(req, &b)
		out = updateBody{ID: b.AccessKeyID, UpdateMask: b.UpdateMask, Description: b.Description}
	default:
		var b struct {
			KeyID       string  `json:"keyId"`
			UpdateMask  string  `json:"updateMask"`
			Description *string `json:"description"`
		}
		err = decodeBody(req, &b)
		out = updateBody{ID: b.KeyID, UpdateMask: b.UpdateMask, Description: b.Description}
	}
	if err != nil {
		return out, err
	}
	if out.ID != "" && out.ID != id {
		return out, errf(codeInvalidArgument, "%s %q in the body differs from the path's %q", kind.idField(), out.ID, id)
	}
	return out, nil
}

func (s *Server) update(req *request, kind resourceKind, id string) response {
	body, derr := decodeUpdate(req, kind, id)
	if derr != nil {
		return response{value: derr}
	}
	fields := map[string]bool{}
	mask := splitMask(body.UpdateMask)
	if len(mask) == 0 {
		// No mask: every field is updated.
		mask = []string{"description"}
		if kind == kindAPIKey {
			mask = append(mask, "scopes", "expiresAt")
		}
	}
	for _, f := range mask {
		switch f {
		case "description":
			fields["description"] = true
		case "scopes":
			if kind != kindAPIKey {
				return response{value: errf(codeInvalidArgument, "updateMask: unknown field %q", f)}
			}
			fields["scopes"] = true
		case "expiresAt", "expires_at":
			if kind != kindAPIKey {
				return response{value: errf(codeInvalidArgument, "updateMask: unknown field %q", f)}
			}
			fields["expiresAt"] = true
		default:
			return response{value: errf(codeInvalidArgument, "updateMask: unknown field %q", f)}
		}
	}
	desc := ""
	if body.Description != nil {
		desc = *body.Description
	}
	if err := checkDescription(desc); err != nil {
		return response{value: err}
	}
	var exp time.Time
	if fields["scopes"] {
		if err := checkScopes(body.Scopes, 1); err != nil {
			return response{value: err}
		}
	}
	if fields["expiresAt"] && body.ExpiresAt != nil {
		var err *apiError
		if exp, err = parseExpiry(*body.ExpiresAt, req.now); err != nil {
			return response{value: err}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.getLocked(kind, id); err != nil {
		return response{value: err}
	}
	fail := s.takeFailureLocked()
	if fail == nil {
		switch kind {
		case kindAPIKey:
			k := s.apiKeys[id]
			if fields["description"] {
				k.desc = desc
			}
			if fields["scopes"] {
				k.scopes = append([]string(nil), body.Scopes...)
				k.scope = k.scopes[0]
			}
			if fields["expiresAt"] {
				k.expires = exp
			}
		case kindAccessKey:
			s.accessKeys[id].desc = desc
		case kindKey:
			s.keys[id].desc = desc
		}
	}
	cur, _ := s.getLocked(kind, id)
	op := s.newOpLocked(req, kind, "Update", id, withType(kind.messages().resource, cur), fail)
	return ok(op.json())
}

func (s *Server) delete(req *request, kind resourceKind, id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.getLocked(kind, id); err != nil {
		return response{value: err}
	}
	fail := s.takeFailureLocked()
	if fail == nil {
		switch kind {
		case kindAPIKey:
			delete(s.apiKeys, id)
		case kindAccessKey:
			s.Registry.DeleteS3Key(s.accessKeys[id].keyID)
			delete(s.accessKeys, id)
		case kindKey:
			s.Registry.DeletePublicKey(id)
			delete(s.keys, id)
		}
	}
	op := s.newOpLocked(req, kind, "Delete", id, withType(emptyMessage, nil), fail)
	return ok(op.json())
}

func (s *Server) listOperations(req *request, kind resourceKind, id string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, known := s.resourceOps[id]
	if _, err := s.getLocked(kind, id); err != nil && !known {
		return response{value: err}
	}
	var ops []*operation
	for _, oid := range ids {
		ops = append(ops, s.operations[oid])
	}
	pg, next, perr := page(req.query, ops, func(o *operation) int64 { return o.seq })
	if perr != nil {
		return response{value: perr}
	}
	items := []map[string]any{}
	for _, o := range pg {
		items = append(items, o.json())
	}
	out := map[string]any{"operations": items}
	if next != "" {
		out["nextPageToken"] = next
	}
	return ok(out)
}

func (s *Server) listScopes(req *request) response {
	all := make([]string, len(s.opts.Scopes))
	copy(all, s.opts.Scopes)
	type sc struct {
		i int64
		v string
	}
	items := make([]sc, len(all))
	for i, v := range all {
		items[i] = sc{int64(i + 1), v}
	}
	pg, next, perr := page(req.query, items, func(x sc) int64 { return x.i })
	if perr != nil {
		return response{value: perr}
	}
	scopes := []string{}
	for _, x := range pg {
		scopes = append(scopes, x.v)
	}
	out := map[string]any{"scopes": scopes}
	if next != "" {
		out["nextPageToken"] = next
	}
	return ok(out)
}

// endpoints are the services the emulator serves, all at the address it
// listens on.
var endpointIDs = []string{"iam", "operation"}

// listEndpoints answers ApiEndpointService.List: every endpoint the
// emulator serves at Addr, the address it listens on (what a client
// reaches; the real list names host:443).
func (s *Server) listEndpoints(*request) response {
	eps := make([]map[string]string, 0, len(endpointIDs))
	for _, id := range endpointIDs {
		eps = append(eps, map[string]string{"id": id, "address": s.Addr})
	}
	return ok(map[string]any{"endpoints": eps})
}

// getEndpoint answers ApiEndpointService.Get.
func (s *Server) getEndpoint(_ *request, id string) response {
	for _, e := range endpointIDs {
		if e == id {
			return ok(map[string]string{"id": id, "address": s.Addr})
		}
	}
	return response{value: errf(codeNotFound, "Endpoint %s not found", id)}
}

var sessionNameChars = func() [256]bool {
	var t [256]bool
	for _, c := range alnum + "_+=,.@-" {
		t[c] = true
	}
	return t
}()

func (s *Server) createEphemeral(req *request) response {
	var body struct {
		SubjectID   string `json:"subjectId"`
		SessionName string `json:"sessionName"`
		Policy      string `json:"policy"`
		Duration    string `json:"duration"`
	}
	if err := decodeBody(req, &body); err != nil {
		return response{value: err}
	}
	if n := len(body.SessionName); n < 1 || n > 64 {
		return response{value: errf(codeInvalidArgument, "sessionName: length must be in range 1-64")}
	}
	for i := 0; i < len(body.SessionName); i++ {
		if !sessionNameChars[body.SessionName[i]] {
			return response{value: errf(codeInvalidArgument, "sessionName: must match [\\w+=,.@-]*")}
		}
	}
	if utf8.RuneCountInString(body.Policy) > 2048 {
		return response{value: errf(codeInvalidArgument, "policy: length must be at most 2048")}
	}
	tokenLeft := 12 * time.Hour
	if tok, found := s.Registry.Token(bearer(req)); found {
		tokenLeft = tok.ExpiresAt.Sub(req.now)
	}
	d := tokenLeft
	if body.Duration != "" {
		v, err := time.ParseDuration(body.Duration)
		if err != nil || !strings.HasSuffix(body.Duration, "s") {
			return response{value: errf(codeInvalidArgument, "duration: invalid value %q", body.Duration)}
		}
		if v < 15*time.Minute || v > 8760*time.Hour {
			return response{value: errf(codeInvalidArgument, "duration: must be in range 15m-8760h")}
		}
		d = min(v, tokenLeft)
	}
	subject := body.SubjectID
	if subject == "" {
		subject = req.subject
	}
	exp := req.now.Add(d)
	keyID := randString(alnum, 20)
	secret := "YC" + randString(urlSafe, 41)
	token := "s1." + randString(urlSafe, 120)
	s.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: keyID, Secret: iam.NewSecret(secret), SessionToken: iam.NewSecret(token),
		Active: true, ExpiresAt: exp, Owner: subject})
	return ok(map[string]any{"accessKeyId": keyID, "secret": secret, "sessionToken": token, "expiresAt": ts(exp)})
}

func bearer(req *request) string {
	_, tok, _ := strings.Cut(req.r.Header.Get("Authorization"), " ")
	return strings.TrimSpace(tok)
}

// CheckAPIKey validates an "Authorization: Api-Key <secret>" header value
// the way services that accept API keys do: the key must exist, be
// unexpired on the emulator's clock and, when scope is not empty, have
// that scope. It records the use (lastUsedAt) and returns the key's
// service account.
func (s *Server) CheckAPIKey(authorization, scope string) (serviceAccountID string, err error) {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	if !strings.EqualFold(scheme, "Api-Key") || strings.TrimSpace(secret) == "" {
		return "", fmt.Errorf("yandextest: authorization is not \"Api-Key <secret>\"")
	}
	secret = strings.TrimSpace(secret)
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.apiKeys {
		if k.secret.Reveal() != secret {
			continue
		}
		if !k.expires.IsZero() && !now.Before(k.expires) {
			return "", fmt.Errorf("yandextest: API key %s has expired", k.id)
		}
		if scope != "" {
			allowed := false
			for _, sc := range k.scopes {
				allowed = allowed || sc == scope
			}
			if !allowed {
				return "", fmt.Errorf("yandextest: API key %s lacks scope %s", k.id, scope)
			}
		}
		k.lastUsed = now
		return k.sa, nil
	}
	return "", fmt.Errorf("yandextest: unknown API key")
}

// checkAPIKeyRoute serves GET /iamtest/v1/apiKeyCheck?scope=…, which
// answers {"serviceAccountId": …} for a valid "Authorization: Api-Key"
// header and 401 otherwise: a stand-in for a service that takes API keys.
func (s *Server) checkAPIKeyRoute(req *request) response {
	sa, err := s.CheckAPIKey(req.r.Header.Get("Authorization"), req.query.Get("scope"))
	if err != nil {
		return response{value: errf(codeUnauthenticated, "%s", strings.TrimPrefix(err.Error(), "yandextest: "))}
	}
	return ok(map[string]any{"serviceAccountId": sa})
}
