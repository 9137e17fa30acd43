package nebius

import (
	"fmt"
	"maps"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// AccountType says what kind of account an [Account] is.
type AccountType string

// The account types of nebius.iam.v1.Account.
const (
	AccountServiceAccount   AccountType = "service_account"
	AccountUserAccount      AccountType = "user_account"
	AccountAnonymousAccount AccountType = "anonymous_account"
)

// Account is the owner of a key: a service account, a user account or the
// anonymous account.
type Account struct {
	// Type is the kind of account; empty means unset.
	Type AccountType
	// ID is the account's ID ("serviceaccount-e00…"); empty for anonymous.
	ID string
}

// ServiceAccount returns the Account of the service account id.
func ServiceAccount(id string) Account { return Account{Type: AccountServiceAccount, ID: id} }

// UserAccount returns the Account of the user account id.
func UserAccount(id string) Account { return Account{Type: AccountUserAccount, ID: id} }

// IsZero reports whether the account is unset.
func (a Account) IsZero() bool { return a.Type == "" }

// String returns "type:id".
func (a Account) String() string {
	if a.IsZero() {
		return ""
	}
	return string(a.Type) + ":" + a.ID
}

func (a Account) validate(op, field string) error {
	switch a.Type {
	case AccountServiceAccount, AccountUserAccount:
		if a.ID == "" {
			return invalidArg(op, field+": account ID is empty")
		}
	case AccountAnonymousAccount:
	case "":
		return invalidArg(op, field+" is required (for example nebius.ServiceAccount(id))")
	default:
		return invalidArg(op, fmt.Sprintf("%s: unknown account type %q", field, a.Type))
	}
	return nil
}

func (a Account) toPB() *iamv1.Account {
	switch a.Type {
	case AccountServiceAccount:
		return &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: a.ID}}}
	case AccountUserAccount:
		return &iamv1.Account{Type: &iamv1.Account_UserAccount_{UserAccount: &iamv1.Account_UserAccount{Id: a.ID}}}
	case AccountAnonymousAccount:
		return &iamv1.Account{Type: &iamv1.Account_AnonymousAccount_{AnonymousAccount: &iamv1.Account_AnonymousAccount{}}}
	}
	return nil
}

func accountFromPB(p *iamv1.Account) Account {
	switch t := p.GetType().(type) {
	case *iamv1.Account_ServiceAccount_:
		return ServiceAccount(t.ServiceAccount.GetId())
	case *iamv1.Account_UserAccount_:
		return UserAccount(t.UserAccount.GetId())
	case *iamv1.Account_AnonymousAccount_:
		return Account{Type: AccountAnonymousAccount}
	}
	return Account{}
}

// SecretDeliveryMode says how the service hands out an access key's secret.
type SecretDeliveryMode string

// The secret delivery modes of nebius.iam.v2.SecretDeliveryMode.
const (
	// DeliveryDefault leaves the choice to the service (INLINE today,
	// "later EXPLICIT" per the API docs). Create handles both.
	DeliveryDefault SecretDeliveryMode = ""
	// DeliveryInline returns the secret in the key's status.secret.
	DeliveryInline SecretDeliveryMode = "INLINE"
	// DeliveryExplicit makes the secret available through GetSecret.
	DeliveryExplicit SecretDeliveryMode = "EXPLICIT"
	// DeliveryMysteryBox stores the secret in MysteryBox; the key's
	// SecretReferenceID points to it and no secret is returned.
	DeliveryMysteryBox SecretDeliveryMode = "MYSTERY_BOX"
)

func (m SecretDeliveryMode) toPB(op string) (iamv2.SecretDeliveryMode, error) {
	switch m {
	case DeliveryDefault:
		return iamv2.SecretDeliveryMode_UNSPECIFIED, nil
	case DeliveryInline:
		return iamv2.SecretDeliveryMode_INLINE, nil
	case DeliveryExplicit:
		return iamv2.SecretDeliveryMode_EXPLICIT, nil
	case DeliveryMysteryBox:
		return iamv2.SecretDeliveryMode_MYSTERY_BOX, nil
	}
	return 0, invalidArg(op, fmt.Sprintf("unknown secret delivery mode %q (want INLINE, EXPLICIT or MYSTERY_BOX)", string(m)))
}

func deliveryFromPB(m iamv2.SecretDeliveryMode) SecretDeliveryMode {
	if m == iamv2.SecretDeliveryMode_UNSPECIFIED {
		return DeliveryDefault
	}
	return SecretDeliveryMode(m.String())
}

// Metadata is the common metadata of a Nebius resource.
type Metadata struct {
	// ID is the resource's ID.
	ID string
	// ParentID is the container (project) the resource lives in.
	ParentID string
	// Name is the resource's name (access keys and public keys are unnamed
	// resources; the name is usually empty).
	Name string
	// ResourceVersion grows with every change.
	ResourceVersion int64
	// CreatedAt and UpdatedAt are set by the service.
	CreatedAt, UpdatedAt time.Time
	// Labels are the resource's labels.
	Labels map[string]string
}

func metadataFromPB(p *commonv1.ResourceMetadata) Metadata {
	return Metadata{
		ID:              p.GetId(),
		ParentID:        p.GetParentId(),
		Name:            p.GetName(),
		ResourceVersion: p.GetResourceVersion(),
		CreatedAt:       timeFromPB(p.GetCreatedAt()),
		UpdatedAt:       timeFromPB(p.GetUpdatedAt()),
		Labels:          maps.Clone(p.GetLabels()),
	}
}

// AccessKey is a Nebius S3-compatible access key (nebius.iam.v2.AccessKey).
type AccessKey struct {
	Metadata
	// Account owns the key.
	Account Account
	// ExpiresAt is when the key stops working; zero means never.
	ExpiresAt time.Time
	// Description is the key's description.
	Description string
	// SecretDeliveryMode is how the secret is handed out.
	SecretDeliveryMode SecretDeliveryMode
	// State is the key's state (ACTIVE, INACTIVE, EXPIRED, DELETING,
	// DELETED).
	State iam.State
	// Fingerprint, Algorithm and KeySize describe the key.
	Fingerprint, Algorithm string
	// KeySize is the key's size.
	KeySize int
	// AccessKeyID is the key ID S3 clients send (AWS_ACCESS_KEY_ID; the
	// API's aws_access_key_id). ID is the Nebius resource ID.
	AccessKeyID string
	// Secret is the secret access key (AWS_SECRET_ACCESS_KEY). Create fills
	// it in every delivery mode but MYSTERY_BOX; Get fills it only when the
	// service returns it inline.
	Secret iam.Secret
	// SecretReferenceID names the MysteryBox secret in MYSTERY_BOX mode.
	SecretReferenceID string
}

// ToIAM returns the key in the provider-neutral form.
func (k *AccessKey) ToIAM() iam.AccessKey {
	return iam.AccessKey{
		Provider:    iam.Nebius,
		ID:          k.ID,
		AccessKeyID: k.AccessKeyID,
		Secret:      k.Secret,
		Owner:       k.Account.ID,
		Description: k.Description,
		State:       k.State,
		CreatedAt:   k.CreatedAt,
		ExpiresAt:   k.ExpiresAt,
	}
}

func accessKeyFromPB(p *iamv2.AccessKey) *AccessKey {
	spec, st := p.GetSpec(), p.GetStatus()
	return &AccessKey{
		Metadata:           metadataFromPB(p.GetMetadata()),
		Account:            accountFromPB(spec.GetAccount()),
		ExpiresAt:          timeFromPB(spec.GetExpiresAt()),
		Description:        spec.GetDescription(),
		SecretDeliveryMode: deliveryFromPB(spec.GetSecretDeliveryMode()),
		State:              stateFromName(st.GetState().String(), st.GetState() == 0),
		Fingerprint:        st.GetFingerprint(),
		Algorithm:          st.GetAlgorithm(),
		KeySize:            int(st.GetKeySize()),
		AccessKeyID:        st.GetAwsAccessKeyId(),
		Secret:             iam.NewSecret(st.GetSecret()),
		SecretReferenceID:  st.GetSecretReferenceId(),
	}
}

// AuthPublicKey is a service account's authorized key
// (nebius.iam.v1.AuthPublicKey): the public half of the key pair whose
// private half signs token-exchange JWTs. Its ID is the JWT "kid".
type AuthPublicKey struct {
	Metadata
	// Account owns the key.
	Account Account
	// ExpiresAt is when the key stops working; zero means never.
	ExpiresAt time.Time
	// Description is the key's description.
	Description string
	// Data is the public key, PEM-encoded.
	Data string
	// State is the key's state.
	State iam.State
	// Fingerprint, Algorithm and KeySize describe the key.
	Fingerprint, Algorithm string
	// KeySize is the key's size in bits.
	KeySize int
}

func authPublicKeyFromPB(p *iamv1.AuthPublicKey) *AuthPublicKey {
	spec, st := p.GetSpec(), p.GetStatus()
	return &AuthPublicKey{
		Metadata:    metadataFromPB(p.GetMetadata()),
		Account:     accountFromPB(spec.GetAccount()),
		ExpiresAt:   timeFromPB(spec.GetExpiresAt()),
		Description: spec.GetDescription(),
		Data:        spec.GetData(),
		State:       stateFromName(st.GetState().String(), st.GetState() == 0),
		Fingerprint: st.GetFingerprint(),
		Algorithm:   st.GetAlgorithm(),
		KeySize:     int(st.GetKeySize()),
	}
}

func stateFromName(name string, unspecified bool) iam.State {
	if unspecified {
		return iam.StateUnspecified
	}
	return iam.State(name)
}

func timeFromPB(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func timeToPB(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
