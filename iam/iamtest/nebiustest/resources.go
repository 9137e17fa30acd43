package nebiustest

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"maps"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// The states of both key kinds (AccessKeyStatus.State and
// AuthPublicKeyStatus.State have the same numbers).
const (
	stateActive   = 1
	stateInactive = 2
	stateExpired  = 3
)

// keyState is the state of a key at now.
func keyState(active bool, expiresAt *timestamppb.Timestamp, now time.Time) int32 {
	switch {
	case expiresAt != nil && !now.Before(expiresAt.AsTime()):
		return stateExpired
	case active:
		return stateActive
	}
	return stateInactive
}

// owner returns an account's kind and ID ("" when unset).
func owner(a *iamv1.Account) (kind, id string) {
	switch t := a.GetType().(type) {
	case *iamv1.Account_ServiceAccount_:
		return "service_account", t.ServiceAccount.GetId()
	case *iamv1.Account_UserAccount_:
		return "user_account", t.UserAccount.GetId()
	case *iamv1.Account_AnonymousAccount_:
		return "anonymous_account", ""
	}
	return "", ""
}

// newMetadata is the stored metadata of a resource created from md.
func newMetadata(id string, md *commonv1.ResourceMetadata, now time.Time) *commonv1.ResourceMetadata {
	ts := timestamppb.New(now)
	return &commonv1.ResourceMetadata{Id: id, ParentId: md.GetParentId(), Name: md.GetName(), ResourceVersion: 1,
		CreatedAt: ts, UpdatedAt: ts, Labels: maps.Clone(md.GetLabels())}
}

// futureExpiry checks a requested expiry.
func futureExpiry(ts *timestamppb.Timestamp, now time.Time) *svcError {
	if ts == nil {
		return nil
	}
	if err := ts.CheckValid(); err != nil {
		return badRequest("spec.expires_at", err.Error())
	}
	if !ts.AsTime().After(now) {
		return badRequest("spec.expires_at", "must be in the future")
	}
	return nil
}

// update applies an Update request to a copy of a resource (metadata and
// spec) under the call's X-ResetMask, and returns the copy; output-only
// metadata (id, created_at, updated_at, resource_version) stays as it was.
func update[R proto.Message](ctx context.Context, resource, req R, md func(R) *commonv1.ResourceMetadata) (R, *svcError) {
	var zero R
	m, err := parseMask(call(ctx).resetMask)
	if err != nil {
		return zero, badRequest("X-ResetMask", err.Error())
	}
	next := proto.Clone(resource).(R)
	applyUpdate(next.ProtoReflect(), req.ProtoReflect(), m)
	before, after := md(resource), md(next)
	if after == nil {
		return zero, badRequest("metadata", "is required")
	}
	after.Id, after.CreatedAt, after.UpdatedAt, after.ResourceVersion = before.Id, before.CreatedAt, before.UpdatedAt, before.ResourceVersion
	if after.ParentId != before.ParentId {
		// Moving a key to another project is not part of the API; the
		// request (or its mask) must keep parent_id.
		return zero, badRequest("metadata.parent_id", "is immutable: the key is in "+before.ParentId)
	}
	return next, nil
}

// immutable refuses an Update that changes an IMMUTABLE field (AIP-203:
// a different value, set or reset by the mask, is INVALID_ARGUMENT).
// Whether the live service refuses a mask that resets one, or ignores it,
// is UNCONFIRMED: a read-modify-write Update (gosdk's way) sends the
// current values, which pass.
func immutable(path string, before, after proto.Message) *svcError {
	if proto.Equal(before, after) {
		return nil
	}
	return badRequest(path, "is immutable (the request or its X-ResetMask changes it)")
}

// committed stores the updated metadata: a new version, updated now.
func committed(md *commonv1.ResourceMetadata, now time.Time) *commonv1.ResourceMetadata {
	md.ResourceVersion++
	md.UpdatedAt = timestamppb.New(now)
	return md
}

// --- access keys -----------------------------------------------------------

type accessKey struct {
	md        *commonv1.ResourceMetadata
	spec      *iamv2.AccessKeySpec
	active    bool
	awsID     string
	secret    string
	secretRef string
}

func (s *Server) renderAccessKey(k *accessKey) *iamv2.AccessKey {
	st := &iamv2.AccessKeyStatus{
		State:             iamv2.AccessKeyStatus_State(keyState(k.active, k.spec.GetExpiresAt(), s.clk.Now())),
		Fingerprint:       k.awsID,
		Algorithm:         "HMAC-SHA256",
		KeySize:           int32(len(k.secret) * 8),
		AwsAccessKeyId:    k.awsID,
		SecretReferenceId: k.secretRef,
	}
	// UNCONFIRMED whether the service returns an INLINE secret on every
	// Get; the emulator does, which the client must tolerate either way.
	if m := k.spec.GetSecretDeliveryMode(); m == iamv2.SecretDeliveryMode_INLINE || m == iamv2.SecretDeliveryMode_UNSPECIFIED {
		st.Secret = k.secret
	}
	return &iamv2.AccessKey{
		Metadata: proto.Clone(k.md).(*commonv1.ResourceMetadata),
		Spec:     proto.Clone(k.spec).(*iamv2.AccessKeySpec),
		Status:   st,
	}
}

type accessKeyService struct {
	iamv2.UnimplementedAccessKeyServiceServer
	s *Server
}

func (a accessKeyService) Create(ctx context.Context, req *iamv2.CreateAccessKeyRequest) (*commonv1.Operation, error) {
	s := a.s
	if req.GetMetadata().GetParentId() == "" {
		return nil, badRequest("metadata.parent_id", "is required").grpcErr()
	}
	spec := req.GetSpec()
	kind, id := owner(spec.GetAccount())
	if kind == "" || (kind != "anonymous_account" && id == "") {
		return nil, badRequest("spec.account", "is required").grpcErr()
	}
	mode := spec.GetSecretDeliveryMode()
	if _, known := iamv2.SecretDeliveryMode_name[int32(mode)]; !known {
		return nil, badRequest("spec.secret_delivery_mode", "unknown value "+mode.String()).grpcErr()
	}
	now := s.clk.Now()
	if serr := futureExpiry(spec.GetExpiresAt(), now); serr != nil {
		return nil, serr.grpcErr()
	}
	k := &accessKey{
		md: newMetadata("accesskey-e00"+randString(17, lowerAlnum), req.GetMetadata(), now),
		spec: &iamv2.AccessKeySpec{Account: proto.Clone(spec.GetAccount()).(*iamv1.Account), ExpiresAt: spec.GetExpiresAt(),
			Description: spec.GetDescription(), SecretDeliveryMode: mode},
		active: true, awsID: "NAKI" + randString(16, upperAlnum), secret: randString(40, secretSet),
	}
	if mode == iamv2.SecretDeliveryMode_MYSTERY_BOX {
		k.secretRef = "mysterybox-e00" + randString(17, lowerAlnum)
	}
	if s.failurePending(ctx) {
		// The operation will fail: nothing is created, but the operation
		// names the resource it was for.
		return s.newOperation(ctx, "create access key", k.md.Id), nil
	}
	s.accessKeys[k.md.Id] = k
	var exp time.Time
	if spec.GetExpiresAt() != nil {
		exp = spec.GetExpiresAt().AsTime()
	}
	s.Registry.PutS3Key(iamtest.S3Key{AccessKeyID: k.awsID, Secret: iam.NewSecret(k.secret), Active: true, ExpiresAt: exp, Owner: id})
	return s.newOperation(ctx, "create access key", k.md.Id), nil
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

func (a accessKeyService) get(id, awsID string) (*iamv2.AccessKey, error) {
	k, serr := a.s.findAccessKey(id, awsID)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	return a.s.renderAccessKey(k), nil
}

func (a accessKeyService) Get(_ context.Context, req *iamv2.GetAccessKeyRequest) (*iamv2.AccessKey, error) {
	return a.get(req.GetId(), "")
}

func (a accessKeyService) GetByAwsId(_ context.Context, req *iamv2.GetAccessKeyByAwsIdRequest) (*iamv2.AccessKey, error) {
	return a.get("", req.GetAwsAccessKeyId())
}

func (a accessKeyService) GetSecret(_ context.Context, req *iamv2.GetAccessKeySecretRequest) (*iamv2.GetAccessKeySecretResponse, error) {
	k, serr := a.s.findAccessKey(req.GetId(), "")
	if serr != nil {
		return nil, serr.grpcErr()
	}
	if k.spec.GetSecretDeliveryMode() == iamv2.SecretDeliveryMode_MYSTERY_BOX {
		return nil, badState(k.md.Id, "the secret of access key "+k.md.Id+" is delivered through MysteryBox").grpcErr()
	}
	return &iamv2.GetAccessKeySecretResponse{AwsAccessKeyId: k.awsID, Secret: k.secret}, nil
}

func (a accessKeyService) List(_ context.Context, req *iamv2.ListAccessKeysRequest) (*iamv2.ListAccessKeysResponse, error) {
	if req.GetParentId() == "" {
		return nil, badRequest("parent_id", "is required").grpcErr()
	}
	return a.list(func(k *accessKey) bool { return k.md.ParentId == req.GetParentId() }, req.GetPageSize(), req.GetPageToken())
}

func (a accessKeyService) ListByAccount(_ context.Context, req *iamv2.ListAccessKeysByAccountRequest) (*iamv2.ListAccessKeysResponse, error) {
	kind, id := owner(req.GetAccount())
	if kind == "" {
		return nil, badRequest("account", "is required").grpcErr()
	}
	return a.list(func(k *accessKey) bool {
		kk, ki := owner(k.spec.GetAccount())
		return kk == kind && ki == id
	}, req.GetPageSize(), req.GetPageToken())
}

func (a accessKeyService) list(match func(*accessKey) bool, size int64, token string) (*iamv2.ListAccessKeysResponse, error) {
	s := a.s
	var ids []string
	for id, k := range s.accessKeys {
		if match(k) {
			ids = append(ids, id)
		}
	}
	pageIDs, next, serr := s.page(ids, size, token)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	out := &iamv2.ListAccessKeysResponse{NextPageToken: next}
	for _, id := range pageIDs {
		out.Items = append(out.Items, s.renderAccessKey(s.accessKeys[id]))
	}
	return out, nil
}

// Update applies metadata (name, labels) and spec (description) under the
// X-ResetMask; account, expires_at and secret_delivery_mode are immutable.
func (a accessKeyService) Update(ctx context.Context, req *iamv2.UpdateAccessKeyRequest) (*commonv1.Operation, error) {
	s := a.s
	if req.GetMetadata().GetId() == "" {
		return nil, badRequest("metadata.id", "is required").grpcErr()
	}
	k, serr := s.findAccessKey(req.GetMetadata().GetId(), "")
	if serr != nil {
		return nil, serr.grpcErr()
	}
	before := &iamv2.AccessKey{Metadata: k.md, Spec: k.spec}
	next, serr := update(ctx, before, &iamv2.AccessKey{Metadata: req.GetMetadata(), Spec: req.GetSpec()}, (*iamv2.AccessKey).GetMetadata)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	for _, f := range []struct {
		path          string
		before, after proto.Message
	}{
		{"spec.account", k.spec.GetAccount(), next.GetSpec().GetAccount()},
		{"spec.expires_at", k.spec.GetExpiresAt(), next.GetSpec().GetExpiresAt()},
		{"spec.secret_delivery_mode", &iamv2.AccessKeySpec{SecretDeliveryMode: k.spec.GetSecretDeliveryMode()},
			&iamv2.AccessKeySpec{SecretDeliveryMode: next.GetSpec().GetSecretDeliveryMode()}},
	} {
		if serr := immutable(f.path, f.before, f.after); serr != nil {
			return nil, serr.grpcErr()
		}
	}
	k.md, k.spec = committed(next.Metadata, s.clk.Now()), next.GetSpec()
	if k.spec == nil {
		k.spec = &iamv2.AccessKeySpec{}
	}
	return s.newOperation(ctx, "update access key", k.md.Id), nil
}

func (a accessKeyService) setState(ctx context.Context, id, awsID string, active bool) (*commonv1.Operation, error) {
	s := a.s
	k, serr := s.findAccessKey(id, awsID)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	now := s.clk.Now()
	if active && keyState(true, k.spec.GetExpiresAt(), now) == stateExpired {
		return nil, badState(k.md.Id, "access key "+k.md.Id+" has expired and cannot be activated").grpcErr()
	}
	k.active = active
	committed(k.md, now)
	s.Registry.SetS3KeyActive(k.awsID, active)
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	return s.newOperation(ctx, verb+" access key", k.md.Id), nil
}

func (a accessKeyService) Activate(ctx context.Context, req *iamv2.ActivateAccessKeyRequest) (*commonv1.Operation, error) {
	return a.setState(ctx, req.GetId(), "", true)
}

func (a accessKeyService) Deactivate(ctx context.Context, req *iamv2.DeactivateAccessKeyRequest) (*commonv1.Operation, error) {
	return a.setState(ctx, req.GetId(), "", false)
}

func (a accessKeyService) ActivateByAwsId(ctx context.Context, req *iamv2.ActivateAccessKeyByAwsIdRequest) (*commonv1.Operation, error) {
	return a.setState(ctx, "", req.GetAwsAccessKeyId(), true)
}

func (a accessKeyService) DeactivateByAwsId(ctx context.Context, req *iamv2.DeactivateAccessKeyByAwsIdRequest) (*commonv1.Operation, error) {
	return a.setState(ctx, "", req.GetAwsAccessKeyId(), false)
}

func (a accessKeyService) delete(ctx context.Context, id, awsID string) (*commonv1.Operation, error) {
	s := a.s
	k, serr := s.findAccessKey(id, awsID)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	delete(s.accessKeys, k.md.Id)
	s.Registry.DeleteS3Key(k.awsID)
	return s.newOperation(ctx, "delete access key", k.md.Id), nil
}

func (a accessKeyService) Delete(ctx context.Context, req *iamv2.DeleteAccessKeyRequest) (*commonv1.Operation, error) {
	return a.delete(ctx, req.GetId(), "")
}

func (a accessKeyService) DeleteByAwsId(ctx context.Context, req *iamv2.DeleteAccessKeyByAwsIdRequest) (*commonv1.Operation, error) {
	return a.delete(ctx, "", req.GetAwsAccessKeyId())
}

// --- public keys -----------------------------------------------------------

type publicKey struct {
	md          *commonv1.ResourceMetadata
	spec        *iamv1.AuthPublicKeySpec
	key         *rsa.PublicKey
	fingerprint string
	active      bool
}

func (s *Server) renderPublicKey(k *publicKey) *iamv1.AuthPublicKey {
	return &iamv1.AuthPublicKey{
		Metadata: proto.Clone(k.md).(*commonv1.ResourceMetadata),
		Spec:     proto.Clone(k.spec).(*iamv1.AuthPublicKeySpec),
		Status: &iamv1.AuthPublicKeyStatus{State: iamv1.AuthPublicKeyStatus_State(keyState(k.active, k.spec.GetExpiresAt(), s.clk.Now())),
			Fingerprint: k.fingerprint, Algorithm: "RSA", KeySize: int32(k.key.N.BitLen())},
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

type publicKeyService struct {
	iamv1.UnimplementedAuthPublicKeyServiceServer
	s *Server
}

func (p publicKeyService) Create(ctx context.Context, req *iamv1.CreateAuthPublicKeyRequest) (*commonv1.Operation, error) {
	s := p.s
	if req.GetMetadata().GetParentId() == "" {
		return nil, badRequest("metadata.parent_id", "is required").grpcErr()
	}
	spec := req.GetSpec()
	kind, id := owner(spec.GetAccount())
	if kind != "service_account" || id == "" {
		return nil, badRequest("spec.account", "a service account is required").grpcErr()
	}
	pub, fp, serr := parsePublicKey(spec.GetData())
	if serr != nil {
		return nil, serr.grpcErr()
	}
	for _, k := range s.publicKeys {
		if _, kid := owner(k.spec.GetAccount()); kid == id && k.fingerprint == fp {
			return nil, alreadyExists(k.md.Id, "public key "+fp+" is already uploaded for "+id+" as "+k.md.Id).grpcErr()
		}
	}
	now := s.clk.Now()
	if serr := futureExpiry(spec.GetExpiresAt(), now); serr != nil {
		return nil, serr.grpcErr()
	}
	k := &publicKey{
		md: newMetadata("publickey-e00"+randString(17, lowerAlnum), req.GetMetadata(), now),
		spec: &iamv1.AuthPublicKeySpec{Account: proto.Clone(spec.GetAccount()).(*iamv1.Account), ExpiresAt: spec.GetExpiresAt(),
			Description: spec.GetDescription(), Data: spec.GetData()},
		key: pub, fingerprint: fp, active: true,
	}
	if s.failurePending(ctx) {
		return s.newOperation(ctx, "create public key", k.md.Id), nil
	}
	s.putPublicKey(k)
	return s.newOperation(ctx, "create public key", k.md.Id), nil
}

// putPublicKey stores k and registers it for JWT verification.
func (s *Server) putPublicKey(k *publicKey) {
	s.publicKeys[k.md.Id] = k
	_, sa := owner(k.spec.GetAccount())
	s.Registry.PutPublicKey(iamtest.PublicKey{KeyID: k.md.Id, ServiceAccountID: sa, Key: k.key, Disabled: !k.active})
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

func (p publicKeyService) Get(_ context.Context, req *iamv1.GetAuthPublicKeyRequest) (*iamv1.AuthPublicKey, error) {
	k, serr := p.s.findPublicKey(req.GetId())
	if serr != nil {
		return nil, serr.grpcErr()
	}
	return p.s.renderPublicKey(k), nil
}

func (p publicKeyService) List(_ context.Context, req *iamv1.ListAuthPublicKeyRequest) (*iamv1.ListAuthPublicKeyResponse, error) {
	if req.GetParentId() == "" {
		return nil, badRequest("parent_id", "is required").grpcErr()
	}
	return p.list(func(k *publicKey) bool { return k.md.ParentId == req.GetParentId() }, req.GetPageSize(), req.GetPageToken())
}

func (p publicKeyService) ListByAccount(_ context.Context, req *iamv1.ListAuthPublicKeyByAccountRequest) (*iamv1.ListAuthPublicKeyResponse, error) {
	kind, id := owner(req.GetAccount())
	if kind == "" {
		return nil, badRequest("account", "is required").grpcErr()
	}
	return p.list(func(k *publicKey) bool {
		kk, ki := owner(k.spec.GetAccount())
		return kk == kind && ki == id
	}, req.GetPageSize(), req.GetPageToken())
}

func (p publicKeyService) list(match func(*publicKey) bool, size int64, token string) (*iamv1.ListAuthPublicKeyResponse, error) {
	s := p.s
	var ids []string
	for id, k := range s.publicKeys {
		if match(k) {
			ids = append(ids, id)
		}
	}
	pageIDs, next, serr := s.page(ids, size, token)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	out := &iamv1.ListAuthPublicKeyResponse{NextPageToken: next}
	for _, id := range pageIDs {
		out.Items = append(out.Items, s.renderPublicKey(s.publicKeys[id]))
	}
	return out, nil
}

// Update applies metadata (name, labels) and spec (description) under the
// X-ResetMask; account, expires_at and data are immutable.
func (p publicKeyService) Update(ctx context.Context, req *iamv1.UpdateAuthPublicKeyRequest) (*commonv1.Operation, error) {
	s := p.s
	if req.GetMetadata().GetId() == "" {
		return nil, badRequest("metadata.id", "is required").grpcErr()
	}
	k, serr := s.findPublicKey(req.GetMetadata().GetId())
	if serr != nil {
		return nil, serr.grpcErr()
	}
	before := &iamv1.AuthPublicKey{Metadata: k.md, Spec: k.spec}
	next, serr := update(ctx, before, &iamv1.AuthPublicKey{Metadata: req.GetMetadata(), Spec: req.GetSpec()}, (*iamv1.AuthPublicKey).GetMetadata)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	if serr := immutable("spec.account", k.spec.GetAccount(), next.GetSpec().GetAccount()); serr != nil {
		return nil, serr.grpcErr()
	}
	if serr := immutable("spec.expires_at", k.spec.GetExpiresAt(), next.GetSpec().GetExpiresAt()); serr != nil {
		return nil, serr.grpcErr()
	}
	if strings.TrimSpace(next.GetSpec().GetData()) != strings.TrimSpace(k.spec.GetData()) {
		return nil, badRequest("spec.data", "is immutable (the request or its X-ResetMask changes it)").grpcErr()
	}
	k.md = committed(next.Metadata, s.clk.Now())
	if next.Spec != nil {
		next.Spec.Data = k.spec.GetData()
		k.spec = next.Spec
	}
	s.putPublicKey(k)
	return s.newOperation(ctx, "update public key", k.md.Id), nil
}

func (p publicKeyService) setState(ctx context.Context, id string, active bool) (*commonv1.Operation, error) {
	s := p.s
	k, serr := s.findPublicKey(id)
	if serr != nil {
		return nil, serr.grpcErr()
	}
	now := s.clk.Now()
	if active && keyState(true, k.spec.GetExpiresAt(), now) == stateExpired {
		return nil, badState(k.md.Id, "public key "+k.md.Id+" has expired and cannot be activated").grpcErr()
	}
	k.active = active
	committed(k.md, now)
	s.putPublicKey(k)
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	return s.newOperation(ctx, verb+" public key", k.md.Id), nil
}

func (p publicKeyService) Activate(ctx context.Context, req *iamv1.ActivateAuthPublicKeyRequest) (*commonv1.Operation, error) {
	return p.setState(ctx, req.GetId(), true)
}

func (p publicKeyService) Deactivate(ctx context.Context, req *iamv1.DeactivateAuthPublicKeyRequest) (*commonv1.Operation, error) {
	return p.setState(ctx, req.GetId(), false)
}

func (p publicKeyService) Delete(ctx context.Context, req *iamv1.DeleteAuthPublicKeyRequest) (*commonv1.Operation, error) {
	s := p.s
	k, serr := s.findPublicKey(req.GetId())
	if serr != nil {
		return nil, serr.grpcErr()
	}
	delete(s.publicKeys, k.md.Id)
	s.Registry.DeletePublicKey(k.md.Id)
	return s.newOperation(ctx, "delete public key", k.md.Id), nil
}
