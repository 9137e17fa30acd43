package nebius

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"iter"
	"maps"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/paging"
)

// AuthPublicKeys is the client of nebius.iam.v1.AuthPublicKeyService: the
// authorized keys of service accounts, whose private halves sign the JWTs
// exchanged for access tokens. Get one from [Client.AuthPublicKeys]. It is
// safe for concurrent use.
type AuthPublicKeys struct {
	c *Client
}

// CreateAuthPublicKeyRequest describes a public key to upload.
type CreateAuthPublicKeyRequest struct {
	// ParentID is the project; default: the client's ProjectID. One of the
	// two is required.
	ParentID string
	// Account owns the key; required (nebius.ServiceAccount(id)).
	Account Account
	// ExpiresAt, when not zero, is when the key stops working; it must be
	// in the future.
	ExpiresAt time.Time
	// Description describes the key.
	Description string
	// Data is the public key in PEM ("BEGIN PUBLIC KEY", as written by
	// `openssl rsa -pubout`); required.
	Data string
	// Name is an optional resource name.
	Name string
	// Labels are optional resource labels.
	Labels map[string]string
}

// UpdateAuthPublicKeyRequest changes the mutable fields of a public key.
// Fields left nil are kept.
type UpdateAuthPublicKeyRequest struct {
	// ID is the key to update; required.
	ID string
	// ParentID is the key's project, sent as metadata.parent_id; when
	// empty, the key's own project, read with a Get before the Update
	// (never the client's ProjectID: the key may be in another project).
	// A key does not move: another project is refused by the service.
	ParentID string
	// Description, when not nil, is the new description ("" clears it).
	Description *string
	// Name, when not nil, is the new name ("" clears it).
	Name *string
	// Labels, when not nil, replaces the labels (an empty map clears them).
	Labels map[string]string
}

const apkService = "AuthPublicKeyService/"

// Create uploads a public key, waits for the operation and returns the key.
// Its ID is the "kid" of the JWTs signed with the private half.
//
// If the service accepted the request but the operation, or reading the new
// key, fails, the error is an *iam.Error whose ResourceID names the key (or
// the operation).
func (k *AuthPublicKeys) Create(ctx context.Context, req CreateAuthPublicKeyRequest) (*AuthPublicKey, error) {
	const op = apkService + "Create"
	opn, err := k.StartCreate(ctx, req)
	if err != nil {
		return nil, err
	}
	opn, err = k.c.operations.Wait(ctx, opn)
	if err != nil {
		return nil, err
	}
	if opn.ResourceID == "" {
		return nil, &iam.Error{Provider: iam.Nebius, Op: op, Message: "operation " + opn.ID + " finished without a resource ID", ResourceID: opn.ID}
	}
	key, err := k.Get(ctx, opn.ResourceID)
	if err != nil {
		return nil, leftBehind(err, op, opn.ResourceID, "uploaded public key "+opn.ResourceID+" but could not read it")
	}
	return key, nil
}

// StartCreate sends the Create request and returns its operation without
// waiting for it.
func (k *AuthPublicKeys) StartCreate(ctx context.Context, req CreateAuthPublicKeyRequest) (*Operation, error) {
	const op = apkService + "Create"
	parent, err := k.c.parentID(op, req.ParentID)
	if err != nil {
		return nil, err
	}
	if err := req.Account.validate(op, "Account"); err != nil {
		return nil, err
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(k.c.clk.Now()) {
		return nil, invalidArg(op, "ExpiresAt "+req.ExpiresAt.UTC().Format(time.RFC3339)+" is not in the future")
	}
	if err := checkPublicKeyPEM(op, req.Data); err != nil {
		return nil, err
	}
	pbReq := &iamv1.CreateAuthPublicKeyRequest{
		Metadata: &commonv1.ResourceMetadata{ParentId: parent, Name: req.Name, Labels: maps.Clone(req.Labels)},
		Spec: &iamv1.AuthPublicKeySpec{
			Account:     req.Account.toPB(),
			ExpiresAt:   timeToPB(req.ExpiresAt),
			Description: req.Description,
			Data:        req.Data,
		},
	}
	return k.c.startOperation(ctx, call{op: op, method: iamv1.AuthPublicKeyService_Create_FullMethodName, mutating: true}, pbReq)
}

// checkPublicKeyPEM rejects data that is empty, or PEM that does not hold a
// public key. Data that is not PEM at all is passed on: which other
// encodings the service takes is not documented, so the service decides.
func checkPublicKeyPEM(op, data string) error {
	if strings.TrimSpace(data) == "" {
		return invalidArg(op, "Data (the public key PEM) is empty")
	}
	block, _ := pem.Decode([]byte(data))
	if block == nil {
		return nil
	}
	switch block.Type {
	case "PUBLIC KEY":
		if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			return invalidArg(op, "Data: cannot parse the PUBLIC KEY PEM block: "+err.Error())
		}
	case "RSA PUBLIC KEY":
		if _, err := x509.ParsePKCS1PublicKey(block.Bytes); err != nil {
			return invalidArg(op, "Data: cannot parse the RSA PUBLIC KEY PEM block: "+err.Error())
		}
	default:
		return invalidArg(op, "Data: PEM block is "+block.Type+", want PUBLIC KEY (never upload a private key)")
	}
	return nil
}

// Get returns the public key id.
func (k *AuthPublicKeys) Get(ctx context.Context, id string) (*AuthPublicKey, error) {
	const op = apkService + "Get"
	if id == "" {
		return nil, invalidArg(op, "public key ID is empty")
	}
	resp := new(iamv1.AuthPublicKey)
	if err := k.c.invoke(ctx, call{op: op, method: iamv1.AuthPublicKeyService_Get_FullMethodName}, &iamv1.GetAuthPublicKeyRequest{Id: id}, resp); err != nil {
		return nil, err
	}
	return authPublicKeyFromPB(resp), nil
}

// ListPage returns one page of the public keys in a project.
func (k *AuthPublicKeys) ListPage(ctx context.Context, req ListRequest) (*Page[*AuthPublicKey], error) {
	const op = apkService + "List"
	parent, err := k.c.parentID(op, req.ParentID)
	if err != nil {
		return nil, err
	}
	if err := checkPageSize(op, req.PageSize); err != nil {
		return nil, err
	}
	resp := new(iamv1.ListAuthPublicKeyResponse)
	pbReq := &iamv1.ListAuthPublicKeyRequest{ParentId: parent, PageSize: int64(req.PageSize), PageToken: req.PageToken, Filter: req.Filter}
	if err := k.c.invoke(ctx, call{op: op, method: iamv1.AuthPublicKeyService_List_FullMethodName}, pbReq, resp); err != nil {
		return nil, err
	}
	return authPublicKeyPage(resp), nil
}

// List returns an iterator over every public key in a project.
func (k *AuthPublicKeys) List(ctx context.Context, req ListRequest) iter.Seq2[*AuthPublicKey, error] {
	return paging.Items(ctx, iam.Nebius, apkService+"List", req.PageToken, func(ctx context.Context, token string) ([]*AuthPublicKey, string, error) {
		r := req
		r.PageToken = token
		p, err := k.ListPage(ctx, r)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
}

// ListByAccountPage returns one page of the public keys of an account.
func (k *AuthPublicKeys) ListByAccountPage(ctx context.Context, req ListByAccountRequest) (*Page[*AuthPublicKey], error) {
	const op = apkService + "ListByAccount"
	if err := req.Account.validate(op, "Account"); err != nil {
		return nil, err
	}
	if err := checkPageSize(op, req.PageSize); err != nil {
		return nil, err
	}
	resp := new(iamv1.ListAuthPublicKeyResponse)
	pbReq := &iamv1.ListAuthPublicKeyByAccountRequest{Account: req.Account.toPB(), PageSize: int64(req.PageSize), PageToken: req.PageToken, Filter: req.Filter}
	if err := k.c.invoke(ctx, call{op: op, method: iamv1.AuthPublicKeyService_ListByAccount_FullMethodName}, pbReq, resp); err != nil {
		return nil, err
	}
	return authPublicKeyPage(resp), nil
}

// ListByAccount returns an iterator over every public key of an account.
func (k *AuthPublicKeys) ListByAccount(ctx context.Context, req ListByAccountRequest) iter.Seq2[*AuthPublicKey, error] {
	return paging.Items(ctx, iam.Nebius, apkService+"ListByAccount", req.PageToken, func(ctx context.Context, token string) ([]*AuthPublicKey, string, error) {
		r := req
		r.PageToken = token
		p, err := k.ListByAccountPage(ctx, r)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
}

// Update changes a key's description, name or labels, waits for the
// operation and returns the updated key. Only the fields set in req
// change.
func (k *AuthPublicKeys) Update(ctx context.Context, req UpdateAuthPublicKeyRequest) (*AuthPublicKey, error) {
	opn, err := k.StartUpdate(ctx, req)
	if err != nil {
		return nil, err
	}
	return k.afterOperation(ctx, opn, req.ID)
}

// StartUpdate sends the Update request and returns its operation without
// waiting for it.
func (k *AuthPublicKeys) StartUpdate(ctx context.Context, req UpdateAuthPublicKeyRequest) (*Operation, error) {
	const op = apkService + "Update"
	if req.ID == "" {
		return nil, invalidArg(op, "public key ID is empty")
	}
	parent, err := updateParent(op, req.ParentID, func() (string, error) {
		key, err := k.Get(ctx, req.ID)
		if err != nil {
			return "", err
		}
		return key.ParentID, nil
	})
	if err != nil {
		return nil, err
	}
	md, desc, mask := updateFields(req.ID, parent, req.Name, req.Labels, req.Description)
	pbReq := &iamv1.UpdateAuthPublicKeyRequest{Metadata: md, Spec: &iamv1.AuthPublicKeySpec{Description: desc}}
	return k.c.startOperation(ctx, call{op: op, method: iamv1.AuthPublicKeyService_Update_FullMethodName, mutating: true, resetMask: mask}, pbReq)
}

// Activate activates the public key id, waits for the operation and
// returns the key.
func (k *AuthPublicKeys) Activate(ctx context.Context, id string) (*AuthPublicKey, error) {
	opn, err := k.StartActivate(ctx, id)
	if err != nil {
		return nil, err
	}
	return k.afterOperation(ctx, opn, id)
}

// StartActivate sends the Activate request for the public key id and
// returns its operation without waiting for it.
func (k *AuthPublicKeys) StartActivate(ctx context.Context, id string) (*Operation, error) {
	return k.byID(ctx, "Activate", iamv1.AuthPublicKeyService_Activate_FullMethodName, id, &iamv1.ActivateAuthPublicKeyRequest{Id: id})
}

// Deactivate deactivates the public key id, waits for the operation and
// returns the key; token exchanges with JWTs it signed fail until it is
// activated again.
func (k *AuthPublicKeys) Deactivate(ctx context.Context, id string) (*AuthPublicKey, error) {
	opn, err := k.StartDeactivate(ctx, id)
	if err != nil {
		return nil, err
	}
	return k.afterOperation(ctx, opn, id)
}

// StartDeactivate sends the Deactivate request for the public key id and
// returns its operation without waiting for it.
func (k *AuthPublicKeys) StartDeactivate(ctx context.Context, id string) (*Operation, error) {
	return k.byID(ctx, "Deactivate", iamv1.AuthPublicKeyService_Deactivate_FullMethodName, id, &iamv1.DeactivateAuthPublicKeyRequest{Id: id})
}

// Delete deletes the public key id and waits for the operation.
func (k *AuthPublicKeys) Delete(ctx context.Context, id string) error {
	opn, err := k.StartDelete(ctx, id)
	if err != nil {
		return err
	}
	_, err = k.c.operations.Wait(ctx, opn)
	return err
}

// StartDelete sends the Delete request for the public key id and returns
// its operation without waiting for it.
func (k *AuthPublicKeys) StartDelete(ctx context.Context, id string) (*Operation, error) {
	return k.byID(ctx, "Delete", iamv1.AuthPublicKeyService_Delete_FullMethodName, id, &iamv1.DeleteAuthPublicKeyRequest{Id: id})
}

// afterOperation waits for opn and reads the key it changed (the
// operation's resource, else id).
func (k *AuthPublicKeys) afterOperation(ctx context.Context, opn *Operation, id string) (*AuthPublicKey, error) {
	opn, err := k.c.operations.Wait(ctx, opn)
	if err != nil {
		return nil, err
	}
	if opn.ResourceID != "" {
		id = opn.ResourceID
	}
	return k.Get(ctx, id)
}

func (k *AuthPublicKeys) byID(ctx context.Context, name, method, id string, req any) (*Operation, error) {
	op := apkService + name
	if id == "" {
		return nil, invalidArg(op, "public key ID is empty")
	}
	return k.c.startOperation(ctx, call{op: op, method: method, mutating: true}, req)
}

func authPublicKeyPage(resp *iamv1.ListAuthPublicKeyResponse) *Page[*AuthPublicKey] {
	p := &Page[*AuthPublicKey]{NextPageToken: resp.GetNextPageToken(), Items: make([]*AuthPublicKey, 0, len(resp.GetItems()))}
	for _, it := range resp.GetItems() {
		p.Items = append(p.Items, authPublicKeyFromPB(it))
	}
	return p
}
