package nebius

import (
	"context"
	"iter"
	"maps"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
	"github.com/iamkit/iamkit/internal/paging"
)

// AccessKeys is the client of nebius.iam.v2.AccessKeyService: the
// S3-compatible access keys of service accounts. Get one from
// [Client.AccessKeys]. It is safe for concurrent use.
type AccessKeys struct {
	c *Client
}

// CreateAccessKeyRequest describes a new access key.
type CreateAccessKeyRequest struct {
	// ParentID is the project the key is created in; default: the client's
	// ProjectID. One of the two is required.
	ParentID string
	// Account owns the key; required (usually nebius.ServiceAccount(id)).
	Account Account
	// ExpiresAt, when not zero, is when the key stops working; it must be
	// in the future.
	ExpiresAt time.Time
	// Description describes the key.
	Description string
	// SecretDeliveryMode is how the secret is handed out; default: the
	// service's choice. Create returns the secret in every mode but
	// MYSTERY_BOX.
	SecretDeliveryMode SecretDeliveryMode
	// Name is an optional resource name.
	Name string
	// Labels are optional resource labels.
	Labels map[string]string
}

// AccessKeySecret is what GetSecret returns.
type AccessKeySecret struct {
	// AccessKeyID is the key ID S3 clients send (aws_access_key_id).
	AccessKeyID string
	// Secret is the secret access key.
	Secret iam.Secret
}

// UpdateAccessKeyRequest changes the mutable fields of an access key: its
// description, name and labels. Fields left nil are kept as they are (the
// request sends X-ResetMask only for the fields it clears). The account,
// expiry and delivery mode of a key are immutable.
type UpdateAccessKeyRequest struct {
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

const akService = "AccessKeyService/"

// Create creates an access key, waits for the operation to finish and
// returns the key with its secret (read with GetSecret when the service
// does not return it inline).
//
// If the service accepted the request but the operation, or reading the new
// key, fails, the error is an *iam.Error whose ResourceID names the key (or
// the operation), so that nothing is left behind unseen.
func (a *AccessKeys) Create(ctx context.Context, req CreateAccessKeyRequest) (*AccessKey, error) {
	const op = akService + "Create"
	opn, err := a.StartCreate(ctx, req)
	if err != nil {
		return nil, err
	}
	opn, err = a.c.operations.Wait(ctx, opn)
	if err != nil {
		return nil, err
	}
	if opn.ResourceID == "" {
		return nil, &iam.Error{Provider: iam.Nebius, Op: op, Message: "operation " + opn.ID + " finished without a resource ID", ResourceID: opn.ID}
	}
	key, err := a.Get(ctx, opn.ResourceID)
	if err != nil {
		return nil, leftBehind(err, op, opn.ResourceID, "created access key "+opn.ResourceID+" but could not read it")
	}
	if key.Secret.IsZero() && key.SecretDeliveryMode != DeliveryMysteryBox {
		sec, err := a.GetSecret(ctx, key.ID)
		if err != nil {
			return nil, leftBehind(err, op, key.ID, "created access key "+key.ID+" but could not read its secret")
		}
		key.Secret = sec.Secret
		if key.AccessKeyID == "" {
			key.AccessKeyID = sec.AccessKeyID
		}
	}
	return key, nil
}

// StartCreate sends the Create request and returns its operation without
// waiting for it; wait with [Operations.Wait], then Get and GetSecret the
// key named by the operation's ResourceID.
func (a *AccessKeys) StartCreate(ctx context.Context, req CreateAccessKeyRequest) (*Operation, error) {
	const op = akService + "Create"
	parent, err := a.c.parentID(op, req.ParentID)
	if err != nil {
		return nil, err
	}
	if err := req.Account.validate(op, "Account"); err != nil {
		return nil, err
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(a.c.clk.Now()) {
		return nil, invalidArg(op, "ExpiresAt "+req.ExpiresAt.UTC().Format(time.RFC3339)+" is not in the future")
	}
	mode, err := req.SecretDeliveryMode.toPB(op)
	if err != nil {
		return nil, err
	}
	pbReq := &iamv2.CreateAccessKeyRequest{
		Metadata: &commonv1.ResourceMetadata{ParentId: parent, Name: req.Name, Labels: maps.Clone(req.Labels)},
		Spec: &iamv2.AccessKeySpec{
			Account:            req.Account.toPB(),
			ExpiresAt:          timeToPB(req.ExpiresAt),
			Description:        req.Description,
			SecretDeliveryMode: mode,
		},
	}
	return a.c.startOperation(ctx, call{op: op, method: iamv2.AccessKeyService_Create_FullMethodName, mutating: true}, pbReq)
}

// Get returns the access key id.
func (a *AccessKeys) Get(ctx context.Context, id string) (*AccessKey, error) {
	const op = akService + "Get"
	if id == "" {
		return nil, invalidArg(op, "access key ID is empty")
	}
	resp := new(iamv2.AccessKey)
	if err := a.c.invoke(ctx, call{op: op, method: iamv2.AccessKeyService_Get_FullMethodName}, &iamv2.GetAccessKeyRequest{Id: id}, resp); err != nil {
		return nil, err
	}
	return accessKeyFromPB(resp), nil
}

// GetByAwsID returns the access key whose AWS access key ID (its
// AccessKeyID) is awsID.
func (a *AccessKeys) GetByAwsID(ctx context.Context, awsID string) (*AccessKey, error) {
	const op = akService + "GetByAwsId"
	if awsID == "" {
		return nil, invalidArg(op, "AWS access key ID is empty")
	}
	resp := new(iamv2.AccessKey)
	if err := a.c.invoke(ctx, call{op: op, method: iamv2.AccessKeyService_GetByAwsId_FullMethodName}, &iamv2.GetAccessKeyByAwsIdRequest{AwsAccessKeyId: awsID}, resp); err != nil {
		return nil, err
	}
	return accessKeyFromPB(resp), nil
}

// GetSecret returns the secret of the access key id (keys created in
// EXPLICIT delivery mode).
func (a *AccessKeys) GetSecret(ctx context.Context, id string) (*AccessKeySecret, error) {
	const op = akService + "GetSecret"
	if id == "" {
		return nil, invalidArg(op, "access key ID is empty")
	}
	resp := new(iamv2.GetAccessKeySecretResponse)
	if err := a.c.invoke(ctx, call{op: op, method: iamv2.AccessKeyService_GetSecret_FullMethodName}, &iamv2.GetAccessKeySecretRequest{Id: id}, resp); err != nil {
		return nil, err
	}
	return &AccessKeySecret{AccessKeyID: resp.GetAwsAccessKeyId(), Secret: iam.NewSecret(resp.GetSecret())}, nil
}

// ListPage returns one page of the access keys in a project.
func (a *AccessKeys) ListPage(ctx context.Context, req ListRequest) (*Page[*AccessKey], error) {
	const op = akService + "List"
	parent, err := a.c.parentID(op, req.ParentID)
	if err != nil {
		return nil, err
	}
	if err := checkPageSize(op, req.PageSize); err != nil {
		return nil, err
	}
	resp := new(iamv2.ListAccessKeysResponse)
	pbReq := &iamv2.ListAccessKeysRequest{ParentId: parent, PageSize: int64(req.PageSize), PageToken: req.PageToken, Filter: req.Filter}
	if err := a.c.invoke(ctx, call{op: op, method: iamv2.AccessKeyService_List_FullMethodName}, pbReq, resp); err != nil {
		return nil, err
	}
	return accessKeyPage(resp), nil
}

// List returns an iterator over every access key in a project, fetching
// pages as it goes. It stops at the first error, which it yields.
func (a *AccessKeys) List(ctx context.Context, req ListRequest) iter.Seq2[*AccessKey, error] {
	return paging.Items(ctx, iam.Nebius, akService+"List", req.PageToken, func(ctx context.Context, token string) ([]*AccessKey, string, error) {
		r := req
		r.PageToken = token
		p, err := a.ListPage(ctx, r)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
}

// ListByAccountPage returns one page of the access keys of an account.
func (a *AccessKeys) ListByAccountPage(ctx context.Context, req ListByAccountRequest) (*Page[*AccessKey], error) {
	const op = akService + "ListByAccount"
	if err := req.Account.validate(op, "Account"); err != nil {
		return nil, err
	}
	if err := checkPageSize(op, req.PageSize); err != nil {
		return nil, err
	}
	resp := new(iamv2.ListAccessKeysResponse)
	pbReq := &iamv2.ListAccessKeysByAccountRequest{Account: req.Account.toPB(), PageSize: int64(req.PageSize), PageToken: req.PageToken, Filter: req.Filter}
	if err := a.c.invoke(ctx, call{op: op, method: iamv2.AccessKeyService_ListByAccount_FullMethodName}, pbReq, resp); err != nil {
		return nil, err
	}
	return accessKeyPage(resp), nil
}

// ListByAccount returns an iterator over every access key of an account.
func (a *AccessKeys) ListByAccount(ctx context.Context, req ListByAccountRequest) iter.Seq2[*AccessKey, error] {
	return paging.Items(ctx, iam.Nebius, akService+"ListByAccount", req.PageToken, func(ctx context.Context, token string) ([]*AccessKey, string, error) {
		r := req
		r.PageToken = token
		p, err := a.ListByAccountPage(ctx, r)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
}

// Update changes a key's description, name or labels, waits for the
// operation and returns the updated key. Only the fields set in req
// change.
func (a *AccessKeys) Update(ctx context.Context, req UpdateAccessKeyRequest) (*AccessKey, error) {
	opn, err := a.StartUpdate(ctx, req)
	if err != nil {
		return nil, err
	}
	return a.afterOperation(ctx, opn, req.ID, "")
}

// StartUpdate sends the Update request and returns its operation without
// waiting for it.
func (a *AccessKeys) StartUpdate(ctx context.Context, req UpdateAccessKeyRequest) (*Operation, error) {
	const op = akService + "Update"
	if req.ID == "" {
		return nil, invalidArg(op, "access key ID is empty")
	}
	parent, err := updateParent(op, req.ParentID, func() (string, error) {
		key, err := a.Get(ctx, req.ID)
		if err != nil {
			return "", err
		}
		return key.ParentID, nil
	})
	if err != nil {
		return nil, err
	}
	md, spec, mask := updateFields(req.ID, parent, req.Name, req.Labels, req.Description)
	pbReq := &iamv2.UpdateAccessKeyRequest{Metadata: md, Spec: &iamv2.AccessKeySpec{Description: spec}}
	return a.c.startOperation(ctx, call{op: op, method: iamv2.AccessKeyService_Update_FullMethodName, mutating: true, resetMask: mask}, pbReq)
}

// Delete deletes the access key id and waits for the operation.
func (a *AccessKeys) Delete(ctx context.Context, id string) error {
	opn, err := a.StartDelete(ctx, id)
	if err != nil {
		return err
	}
	_, err = a.c.operations.Wait(ctx, opn)
	return err
}

// StartDelete sends the Delete request for the access key id and returns
// its operation without waiting for it.
func (a *AccessKeys) StartDelete(ctx context.Context, id string) (*Operation, error) {
	return a.byID(ctx, "Delete", iamv2.AccessKeyService_Delete_FullMethodName, id, &iamv2.DeleteAccessKeyRequest{Id: id})
}

// Activate activates the access key id, waits for the operation and
// returns the key.
func (a *AccessKeys) Activate(ctx context.Context, id string) (*AccessKey, error) {
	opn, err := a.StartActivate(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.afterOperation(ctx, opn, id, "")
}

// StartActivate sends the Activate request for the access key id and
// returns its operation without waiting for it.
func (a *AccessKeys) StartActivate(ctx context.Context, id string) (*Operation, error) {
	return a.byID(ctx, "Activate", iamv2.AccessKeyService_Activate_FullMethodName, id, &iamv2.ActivateAccessKeyRequest{Id: id})
}

// Deactivate deactivates the access key id, waits for the operation and
// returns the key. S3 refuses an inactive key until it is activated again.
func (a *AccessKeys) Deactivate(ctx context.Context, id string) (*AccessKey, error) {
	opn, err := a.StartDeactivate(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.afterOperation(ctx, opn, id, "")
}

// StartDeactivate sends the Deactivate request for the access key id and
// returns its operation without waiting for it.
func (a *AccessKeys) StartDeactivate(ctx context.Context, id string) (*Operation, error) {
	return a.byID(ctx, "Deactivate", iamv2.AccessKeyService_Deactivate_FullMethodName, id, &iamv2.DeactivateAccessKeyRequest{Id: id})
}

// DeleteByAwsID deletes the access key whose AWS access key ID is awsID
// and waits for the operation.
func (a *AccessKeys) DeleteByAwsID(ctx context.Context, awsID string) error {
	opn, err := a.StartDeleteByAwsID(ctx, awsID)
	if err != nil {
		return err
	}
	_, err = a.c.operations.Wait(ctx, opn)
	return err
}

// StartDeleteByAwsID sends the DeleteByAwsId request and returns its
// operation without waiting for it.
func (a *AccessKeys) StartDeleteByAwsID(ctx context.Context, awsID string) (*Operation, error) {
	return a.byAwsID(ctx, "DeleteByAwsId", iamv2.AccessKeyService_DeleteByAwsId_FullMethodName, awsID, &iamv2.DeleteAccessKeyByAwsIdRequest{AwsAccessKeyId: awsID})
}

// ActivateByAwsID activates the access key whose AWS access key ID is
// awsID, waits for the operation and returns the key.
func (a *AccessKeys) ActivateByAwsID(ctx context.Context, awsID string) (*AccessKey, error) {
	opn, err := a.StartActivateByAwsID(ctx, awsID)
	if err != nil {
		return nil, err
	}
	return a.afterOperation(ctx, opn, "", awsID)
}

// StartActivateByAwsID sends the ActivateByAwsId request and returns its
// operation without waiting for it.
func (a *AccessKeys) StartActivateByAwsID(ctx context.Context, awsID string) (*Operation, error) {
	return a.byAwsID(ctx, "ActivateByAwsId", iamv2.AccessKeyService_ActivateByAwsId_FullMethodName, awsID, &iamv2.ActivateAccessKeyByAwsIdRequest{AwsAccessKeyId: awsID})
}

// DeactivateByAwsID deactivates the access key whose AWS access key ID is
// awsID, waits for the operation and returns the key.
func (a *AccessKeys) DeactivateByAwsID(ctx context.Context, awsID string) (*AccessKey, error) {
	opn, err := a.StartDeactivateByAwsID(ctx, awsID)
	if err != nil {
		return nil, err
	}
	return a.afterOperation(ctx, opn, "", awsID)
}

// StartDeactivateByAwsID sends the DeactivateByAwsId request and returns
// its operation without waiting for it.
func (a *AccessKeys) StartDeactivateByAwsID(ctx context.Context, awsID string) (*Operation, error) {
	return a.byAwsID(ctx, "DeactivateByAwsId", iamv2.AccessKeyService_DeactivateByAwsId_FullMethodName, awsID, &iamv2.DeactivateAccessKeyByAwsIdRequest{AwsAccessKeyId: awsID})
}

// afterOperation waits for opn and reads the key it changed: the
// operation's resource, else id, else the key with AWS ID awsID.
func (a *AccessKeys) afterOperation(ctx context.Context, opn *Operation, id, awsID string) (*AccessKey, error) {
	opn, err := a.c.operations.Wait(ctx, opn)
	if err != nil {
		return nil, err
	}
	switch {
	case opn.ResourceID != "":
		return a.Get(ctx, opn.ResourceID)
	case id != "":
		return a.Get(ctx, id)
	}
	return a.GetByAwsID(ctx, awsID)
}

func (a *AccessKeys) byID(ctx context.Context, name, method, id string, req any) (*Operation, error) {
	op := akService + name
	if id == "" {
		return nil, invalidArg(op, "access key ID is empty")
	}
	return a.c.startOperation(ctx, call{op: op, method: method, mutating: true}, req)
}

func (a *AccessKeys) byAwsID(ctx context.Context, name, method, awsID string, req any) (*Operation, error) {
	op := akService + name
	if awsID == "" {
		return nil, invalidArg(op, "AWS access key ID is empty")
	}
	return a.c.startOperation(ctx, call{op: op, method: method, mutating: true}, req)
}

func accessKeyPage(resp *iamv2.ListAccessKeysResponse) *Page[*AccessKey] {
	p := &Page[*AccessKey]{NextPageToken: resp.GetNextPageToken(), Items: make([]*AccessKey, 0, len(resp.GetItems()))}
	for _, it := range resp.GetItems() {
		p.Items = append(p.Items, accessKeyFromPB(it))
	}
	return p
}

// updateFields builds the metadata, the spec description and the
// X-ResetMask of an Update. Nebius Update is a full replace in which a
// field is changed only when the request has a non-default value for it or
// the reset mask names it; so only the fields the caller clears go in the
// mask, and fields the caller leaves nil are neither sent nor reset.
func updateFields(id, parent string, name *string, labels map[string]string, description *string) (*commonv1.ResourceMetadata, string, string) {
	md := &commonv1.ResourceMetadata{Id: id, ParentId: parent}
	var mask []string
	if name != nil {
		md.Name = *name
		if *name == "" {
			mask = append(mask, "metadata.name")
		}
	}
	if labels != nil {
		md.Labels = maps.Clone(labels)
		if len(labels) == 0 {
			mask = append(mask, "metadata.labels")
		}
	}
	desc := ""
	if description != nil {
		desc = *description
		if desc == "" {
			mask = append(mask, "spec.description")
		}
	}
	return md, desc, strings.Join(mask, ",")
}

// updateParent is the metadata.parent_id of an Update: the request's, else
// the key's own, which get reads (a Get of the key), never the client's
// ProjectID (the key may be in another project, and a parent_id other than
// its own is a move the service refuses). nebius/api
// (common/v1/metadata.proto) marks parent_id required, so an Update
// carries it; whether the live service enforces it on Update is
// UNCONFIRMED. It is not in the reset mask. A failed Get is the Update's
// error (op), with the Get's kind.
func updateParent(op, requested string, get func() (string, error)) (string, error) {
	if requested != "" {
		return requested, nil
	}
	parent, err := get()
	if err != nil {
		return "", relabel(err, op, "reading the key's parent_id")
	}
	return parent, nil
}

// relabel makes err, of a call made on behalf of op, an error of op.
func relabel(err error, op, msg string) error {
	if ie, ok := err.(*iam.Error); ok {
		out := *ie
		out.Op = op
		if ie.Message != "" {
			msg += ": " + ie.Message
		}
		out.Message = msg
		return &out
	}
	return &iam.Error{Provider: iam.Nebius, Op: op, Message: msg, Err: err}
}

// leftBehind labels err, from a call made after the service accepted a
// create, with the resource the create left.
func leftBehind(err error, op, resourceID, msg string) error {
	if ie, ok := err.(*iam.Error); ok {
		out := *ie
		out.Op = op
		out.ResourceID = resourceID
		out.Message = msg
		if ie.Message != "" {
			out.Message += ": " + ie.Message
		}
		return &out
	}
	return &iam.Error{Provider: iam.Nebius, Op: op, Message: msg, ResourceID: resourceID, Err: err}
}
