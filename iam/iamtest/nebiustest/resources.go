package nebiustest

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"maps"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// meta is the stored metadata of a resource.
type meta struct {
	id, parent, name string
	labels           map[string]string
	version          int64
	created, updated time.Time
}

func (m *meta) json() *jMetadata {
	return &jMetadata{ID: m.id, ParentID: m.parent, Name: m.name, ResourceVersion: m.version,
		CreatedAt: ptime(m.created), UpdatedAt: ptime(m.updated), Labels: maps.Clone(m.labels)}
}

type accessKey struct {
	meta
	accountKind, accountID string
	expiresAt              time.Time
	description            string
	mode                   string // INLINE, EXPLICIT, MYSTERY_BOX, "" (= INLINE today)
	active                 bool
	awsID, secret          string
	secretRef              string
}

type publicKey struct {
	meta
	accountKind, accountID string
	expiresAt              time.Time
	description            string
	data                   string
	key                    *rsa.PublicKey
	fingerprint            string
	active                 bool
}

// state is the wire state of a key at now.
func keyState(active bool, expiresAt, now time.Time) string {
	switch {
	case !expiresAt.IsZero() && !now.Before(expiresAt):
		return "EXPIRED"
	case active:
		return "ACTIVE"
	}
	return "INACTIVE"
}

// --- access keys -----------------------------------------------------------

func (s *Server) accessKeyJSON(k *accessKey) *jAccessKey {
	st := &jAccessKeyStatus{
		State:             keyState(k.active, k.expiresAt, s.clk.Now()),
		Fingerprint:       k.awsID,
		Algorithm:         "HMAC-SHA256",
		KeySize:           int32(len(k.secret) * 8),
		AwsAccessKeyID:    k.awsID,
		SecretReferenceID: k.secretRef,
	}
	// UNCONFIRMED whether the service returns an INLINE secret on every
	// Get; the emulator does, which the client must tolerate either way.
	if k.mode == "INLINE" || k.mode == "" {
		st.Secret = k.secret
	}
	return &jAccessKey{
		Metadata: k.meta.json(),
		Spec: &jAccessKeySpec{Account: accountJSON(k.accountKind, k.accountID), ExpiresAt: ptime(k.expiresAt),
			Description: k.description, SecretDeliveryMode: enumVal(k.mode)},
		Status: st,
	}
}

func (s *Server) createAccessKey(c *callCtx, r *jRequest) (any, *svcError) {
	var spec jAccessKeySpec
	if len(r.Spec) > 0 {
		if err := json.Unmarshal(r.Spec, &spec); err != nil {
			return nil, badRequest("spec", err.Error())
		}
	}
	if r.Metadata == nil || r.Metadata.ParentID == "" {
		return nil, badRequest("metadata.parent_id", "is required")
	}
	kind, id := spec.Account.owner()
	if kind == "" || (kind != "anonymous_account" && id == "") {
		return nil, badRequest("spec.account", "is required")
	}
	mode := string(spec.SecretDeliveryMode)
	switch mode {
	case "", "UNSPECIFIED":
		mode = ""
	case "INLINE", "EXPLICIT", "MYSTERY_BOX":
	default:
		return nil, badRequest("spec.secret_delivery_mode", "unknown value "+mode)
	}
	now := s.clk.Now()
	var exp time.Time
	if spec.ExpiresAt != nil {
		exp = *spec.ExpiresAt
		if !exp.After(now) {
			return nil, badRequest("spec.expires_at", "must be in the future")
		}
	}
	k := &accessKey{
		meta: meta{id: "accesskey-e00" + randString(17, lowerAlnum), parent: r.Metadata.ParentID, name: r.Metadata.Name,
			labels: maps.Clone(r.Metadata.Labels), version: 1, created: now, updated: now},
		accountKind: kind, accountID: id, expiresAt: exp, description: spec.Description, mode: mode, active: true,
		awsID: "NAKI" + randString(16, upperAlnum), secret: randString(40, secretSet),
	}
	if mode == "MYSTERY_BOX" {
		k.secretRef = "mysterybox-e00" + randString(17, lowerAlnum)
	}
	if s.failurePending(c) {
		// The operation will fail: nothing is created, but the operation
		// names the resource it was for.
		return s.newOperation(c, "create access key", k.id), nil
	}
	s.accessKeys[k.id] = k
	s.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: k.awsID, Secret: iam.NewSecret(k.secret), Active: true, ExpiresAt: exp, Owner: id})
	return s.newOperation(c, "create access key", k.id), nil
}

func (s *Server) findAccessKey(id, awsID string) (*accessKey, *svcError) {
	if id == "" && awsID == "" {
		return nil, badRequest("id", "is required")
	}
	if id != "" {
		k, ok := s.accessKeys[id]
		if !ok {
			return nil, notFound("access key", id)
		}
		return k, nil
	}
	for _, k := range s.accessKeys {
		if k.awsID == awsID {
			return k, nil
		}
	}
	return nil, notFound("access key with AWS ID", awsID)
}

func (s *Server) getAccessKey(id, awsID string) (any, *svcError) {
	k, err := s.findAccessKey(id, awsID)
	if err != nil {
		return nil, err
	}
	return s.accessKeyJSON(k), nil
}

func (s *Server) getAccessKeySecret(id string) (any, *svcError) {
	k, err := s.findAccessKey(id, "")
	if err != nil {
		return nil, err
	}
	if k.mode == "MYSTERY_BOX" {
		return nil, badState(k.id, "the secret of access key "+k.id+" is delivered through MysteryBox")
	}
	return &jSecret{AwsAccessKeyID: k.awsID, Secret: k.secret}, nil
}

func (s *Server) listAccessKeys(r *jRequest, byAccount bool) (any, *svcError) {
	kind, id := r.Account.owner()
	if byAccount && kind == "" {
		return nil, badRequest("account", "is required")
	}
	if !byAccount && r.ParentID == "" {
		return nil, badRequest("parent_id", "is required")
	}
	var ids []string
	for _, k := range s.accessKeys {
		if byAccount && (k.accountKind != kind || k.accountID != id) || !byAccount && k.parent != r.ParentID {
			continue
		}
		ids = append(ids, k.id)
	}
	pageIDs, next, err := s.page(ids, r)
	if err != nil {
		return nil, err
	}
	out := &jList[*jAccessKey]{NextPageToken: next}
	for _, id := range pageIDs {
		out.Items = append(out.Items, s.accessKeyJSON(s.accessKeys[id]))
	}
	return out, nil
}

func (s *Server) updateAccessKey(c *callCtx, r *jRequest) (any, *svcError) {
	if r.Metadata == nil || r.Metadata.ID == "" {
		return nil, badRequest("metadata.id", "is required")
	}
	k, err := s.findAccessKey(r.Metadata.ID, "")
	if err != nil {
		return nil, err
	}
	var spec jAccessKeySpec
	specSent := len(r.Spec) > 0
	if specSent {
		if err := json.Unmarshal(r.Spec, &spec); err != nil {
			return nil, badRequest("spec", err.Error())
		}
	}
	// Immutable fields may be sent only with their current values.
	if kind, id := spec.Account.owner(); kind != "" && (kind != k.accountKind || id != k.accountID) {
		return nil, badRequest("spec.account", "is immutable")
	}
	if spec.ExpiresAt != nil && !spec.ExpiresAt.Equal(k.expiresAt) {
		return nil, badRequest("spec.expires_at", "is immutable")
	}
	if m := string(spec.SecretDeliveryMode); m != "" && m != "UNSPECIFIED" && m != k.mode {
		return nil, badRequest("spec.secret_delivery_mode", "is immutable")
	}
	mask := resetMask(c.resetMask)
	applyMeta(&k.meta, r.Metadata, mask, s.clk.Now())
	if spec.Description != "" {
		k.description = spec.Description
	} else if mask["spec.description"] || mask["spec"] && !specSent {
		k.description = ""
	}
	return s.newOperation(c, "update access key", k.id), nil
}

// applyMeta applies the mutable metadata of an Update with Nebius' reset
// mask rules: a field changes when the request has a value for it or the
// mask names it.
func applyMeta(m *meta, in *jMetadata, mask map[string]bool, now time.Time) {
	if in.Name != "" {
		m.name = in.Name
	} else if mask["metadata.name"] {
		m.name = ""
	}
	if len(in.Labels) > 0 {
		m.labels = maps.Clone(in.Labels)
	} else if mask["metadata.labels"] {
		m.labels = nil
	}
	m.version++
	m.updated = now
}

func (s *Server) setAccessKeyState(c *callCtx, id, awsID string, active bool) (any, *svcError) {
	k, err := s.findAccessKey(id, awsID)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	if active && !k.expiresAt.IsZero() && !now.Before(k.expiresAt) {
		return nil, badState(k.id, "access key "+k.id+" has expired and cannot be activated")
	}
	k.active = active
	k.version++
	k.updated = now
	s.Registry.SetS3KeyActive(k.awsID, active)
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	return s.newOperation(c, verb+" access key", k.id), nil
}

func (s *Server) deleteAccessKey(c *callCtx, id, awsID string) (any, *svcError) {
	k, err := s.findAccessKey(id, awsID)
	if err != nil {
		return nil, err
	}
	delete(s.accessKeys, k.id)
	s.Registry.DeleteS3Key(k.awsID)
	return s.newOperation(c, "delete access key", k.id), nil
}

// --- public keys -----------------------------------------------------------

func (s *Server) publicKeyJSON(k *publicKey) *jPublicKey {
	return &jPublicKey{
		Metadata: k.meta.json(),
		Spec: &jPublicKeySpec{Account: accountJSON(k.accountKind, k.accountID), ExpiresAt: ptime(k.expiresAt),
			Description: k.description, Data: k.data},
		Status: &jPublicKeyStatus{State: keyState(k.active, k.expiresAt, s.clk.Now()), Fingerprint: k.fingerprint,
			Algorithm: "RSA", KeySize: int32(k.key.N.BitLen())},
	}
}

// parsePublicKey reads an RSA public key from PEM (PUBLIC KEY or RSA
// PUBLIC KEY).
func parsePublicKey(data string) (*rsa.PublicKey, string, *svcError) {
	block, _ := pem.Decode([]byte(data))
	if block == nil {
		return nil, "", badRequest("spec.data", "is not a PEM public key")
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, "", badRequest("spec.data", "cannot parse public key: "+err.Error())
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, "", badRequest("spec.data", "only RSA keys are supported")
		}
		pub = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, "", badRequest("spec.data", "cannot parse public key: "+err.Error())
		}
		pub = k
	default:
		return nil, "", badRequest("spec.data", "PEM block "+block.Type+" is not a public key")
	}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return pub, "SHA256:" + hex.EncodeToString(sum[:]), nil
}

func (s *Server) createPublicKey(c *callCtx, r *jRequest) (any, *svcError) {
	var spec jPublicKeySpec
	if len(r.Spec) > 0 {
		if err := json.Unmarshal(r.Spec, &spec); err != nil {
			return nil, badRequest("spec", err.Error())
		}
	}
	if r.Metadata == nil || r.Metadata.ParentID == "" {
		return nil, badRequest("metadata.parent_id", "is required")
	}
	kind, id := spec.Account.owner()
	if kind != "service_account" || id == "" {
		return nil, badRequest("spec.account", "a service account is required")
	}
	pub, fp, serr := parsePublicKey(spec.Data)
	if serr != nil {
		return nil, serr
	}
	for _, k := range s.publicKeys {
		if k.accountID == id && k.fingerprint == fp {
			return nil, alreadyExists(k.id, "public key "+fp+" is already uploaded for "+id+" as "+k.id)
		}
	}
	now := s.clk.Now()
	var exp time.Time
	if spec.ExpiresAt != nil {
		exp = *spec.ExpiresAt
		if !exp.After(now) {
			return nil, badRequest("spec.expires_at", "must be in the future")
		}
	}
	k := &publicKey{
		meta: meta{id: "publickey-e00" + randString(17, lowerAlnum), parent: r.Metadata.ParentID, name: r.Metadata.Name,
			labels: maps.Clone(r.Metadata.Labels), version: 1, created: now, updated: now},
		accountKind: kind, accountID: id, expiresAt: exp, description: spec.Description,
		data: spec.Data, key: pub, fingerprint: fp, active: true,
	}
	if s.failurePending(c) {
		return s.newOperation(c, "create public key", k.id), nil
	}
	s.putPublicKey(k)
	return s.newOperation(c, "create public key", k.id), nil
}

// putPublicKey stores k and registers it for JWT verification.
func (s *Server) putPublicKey(k *publicKey) {
	s.publicKeys[k.id] = k
	s.Registry.PutPublicKey(iamtest.PublicKey{KeyID: k.id, ServiceAccountID: k.accountID, Key: k.key, Disabled: !k.active})
}

func (s *Server) findPublicKey(id string) (*publicKey, *svcError) {
	if id == "" {
		return nil, badRequest("id", "is required")
	}
	k, ok := s.publicKeys[id]
	if !ok {
		return nil, notFound("public key", id)
	}
	return k, nil
}

func (s *Server) getPublicKey(id string) (any, *svcError) {
	k, err := s.findPublicKey(id)
	if err != nil {
		return nil, err
	}
	return s.publicKeyJSON(k), nil
}

func (s *Server) listPublicKeys(r *jRequest, byAccount bool) (any, *svcError) {
	kind, id := r.Account.owner()
	if byAccount && kind == "" {
		return nil, badRequest("account", "is required")
	}
	if !byAccount && r.ParentID == "" {
		return nil, badRequest("parent_id", "is required")
	}
	var ids []string
	for _, k := range s.publicKeys {
		if byAccount && (k.accountKind != kind || k.accountID != id) || !byAccount && k.parent != r.ParentID {
			continue
		}
		ids = append(ids, k.id)
	}
	pageIDs, next, err := s.page(ids, r)
	if err != nil {
		return nil, err
	}
	out := &jList[*jPublicKey]{NextPageToken: next}
	for _, id := range pageIDs {
		out.Items = append(out.Items, s.publicKeyJSON(s.publicKeys[id]))
	}
	return out, nil
}

func (s *Server) updatePublicKey(c *callCtx, r *jRequest) (any, *svcError) {
	if r.Metadata == nil || r.Metadata.ID == "" {
		return nil, badRequest("metadata.id", "is required")
	}
	k, err := s.findPublicKey(r.Metadata.ID)
	if err != nil {
		return nil, err
	}
	var spec jPublicKeySpec
	specSent := len(r.Spec) > 0
	if specSent {
		if err := json.Unmarshal(r.Spec, &spec); err != nil {
			return nil, badRequest("spec", err.Error())
		}
	}
	if kind, id := spec.Account.owner(); kind != "" && (kind != k.accountKind || id != k.accountID) {
		return nil, badRequest("spec.account", "is immutable")
	}
	if spec.ExpiresAt != nil && !spec.ExpiresAt.Equal(k.expiresAt) {
		return nil, badRequest("spec.expires_at", "is immutable")
	}
	if spec.Data != "" && strings.TrimSpace(spec.Data) != strings.TrimSpace(k.data) {
		return nil, badRequest("spec.data", "is immutable")
	}
	mask := resetMask(c.resetMask)
	applyMeta(&k.meta, r.Metadata, mask, s.clk.Now())
	if spec.Description != "" {
		k.description = spec.Description
	} else if mask["spec.description"] || mask["spec"] && !specSent {
		k.description = ""
	}
	return s.newOperation(c, "update public key", k.id), nil
}

func (s *Server) setPublicKeyState(c *callCtx, id string, active bool) (any, *svcError) {
	k, err := s.findPublicKey(id)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	if active && !k.expiresAt.IsZero() && !now.Before(k.expiresAt) {
		return nil, badState(k.id, "public key "+k.id+" has expired and cannot be activated")
	}
	k.active = active
	k.version++
	k.updated = now
	s.putPublicKey(k)
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	return s.newOperation(c, verb+" public key", k.id), nil
}

func (s *Server) deletePublicKey(c *callCtx, id string) (any, *svcError) {
	k, err := s.findPublicKey(id)
	if err != nil {
		return nil, err
	}
	delete(s.publicKeys, k.id)
	s.Registry.DeletePublicKey(k.id)
	return s.newOperation(c, "delete public key", k.id), nil
}
