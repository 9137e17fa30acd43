package etcdstore

import (
	"encoding/json"
	"fmt"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
)

// stateVersion is the format of the state value.
const stateVersion = 1

// maxStateBytes bounds a state value that is decoded.
const maxStateBytes = 1 << 20

// stateValue is the state as the store writes it under <prefix>state:
// JSON, with every secret sealed.
type stateValue struct {
	Version     int           `json:"version"`
	Provider    string        `json:"provider"`
	Description string        `json:"description"`
	Account     string        `json:"account,omitempty"`
	Instance    string        `json:"instance,omitempty"`
	Owner       string        `json:"owner,omitempty"`
	SavedAt     time.Time     `json:"saved_at"`
	Rotations   int           `json:"rotations,omitempty"`
	Keys        []keyValue    `json:"keys"`
	Pending     []pendingItem `json:"pending,omitempty"`
}

type keyValue struct {
	Role         string    `json:"role"`
	ID           string    `json:"id"`
	AccessKeyID  string    `json:"access_key_id"`
	Secret       *sealed   `json:"secret,omitempty"`
	SessionToken *sealed   `json:"session_token,omitempty"`
	Owner        string    `json:"owner,omitempty"`
	Description  string    `json:"description,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	ObtainedAt   time.Time `json:"obtained_at,omitzero"`
	ServedUntil  time.Time `json:"served_until,omitzero"`
	RetireAt     time.Time `json:"retire_at,omitzero"`
	Deactivated  bool      `json:"deactivated,omitempty"`
	Foreign      bool      `json:"foreign,omitempty"`
	Rejected     bool      `json:"rejected,omitempty"`
	SwitchedAt   time.Time `json:"switched_at,omitzero"`
	AwaitAcks    []string  `json:"await_acks,omitempty"`
	AckedAt      time.Time `json:"acked_at,omitzero"`
}

type pendingItem struct {
	Mark string    `json:"mark"`
	At   time.Time `json:"at"`
}

// aad is what a sealed field is bound to.
func aad(prefix, keyID, field string) string {
	return "iamkit-etcdstore/v1\x00" + prefix + "\x00" + keyID + "\x00" + field
}

// encodeState seals the secrets of st and encodes it.
func encodeState(s *sealer, prefix string, st *iamcreds.StoredState) ([]byte, error) {
	v := stateValue{Version: stateVersion, Provider: string(st.Provider), Description: st.Description, Account: st.Account,
		Instance: st.Instance, Owner: st.Owner, SavedAt: st.SavedAt.UTC(), Rotations: st.Rotations, Keys: []keyValue{}}
	for _, k := range st.Keys {
		kv := keyValue{Role: string(k.Role), ID: k.Key.ID, AccessKeyID: k.Key.AccessKeyID, Owner: k.Key.Owner,
			Description: k.Key.Description, CreatedAt: k.Key.CreatedAt, ExpiresAt: k.Key.ExpiresAt,
			ObtainedAt: k.ObtainedAt, ServedUntil: k.ServedUntil, RetireAt: k.RetireAt, Deactivated: k.Deactivated,
			Foreign: k.Foreign, Rejected: k.Rejected, SwitchedAt: k.SwitchedAt, AwaitAcks: k.AwaitAcks, AckedAt: k.AckedAt}
		if k.Role != iamcreds.RoleRetiring {
			var err error
			if kv.Secret, err = s.seal(k.Key.Secret.Reveal(), aad(prefix, k.Key.ID, "secret")); err != nil {
				return nil, err
			}
			if kv.SessionToken, err = s.seal(k.Key.SessionToken.Reveal(), aad(prefix, k.Key.ID, "session_token")); err != nil {
				return nil, err
			}
		}
		v.Keys = append(v.Keys, kv)
	}
	for _, x := range st.Pending {
		v.Pending = append(v.Pending, pendingItem{Mark: x.Mark, At: x.At})
	}
	return json.Marshal(v)
}

// decodeState decodes a state value and opens its secrets; old reports a
// secret sealed with an older key.
func decodeState(s *sealer, prefix string, b []byte) (st *iamcreds.StoredState, old bool, err error) {
	if len(b) > maxStateBytes {
		return nil, false, fmt.Errorf("etcdstore: the state under %sstate is larger than 1 MiB", prefix)
	}
	var v stateValue
	if err := json.Unmarshal(b, &v); err != nil {
		// No value from the state is repeated (a JSON error names an
		// offset or a type only).
		return nil, false, fmt.Errorf("etcdstore: the state under %sstate is not valid JSON", prefix)
	}
	if v.Version != stateVersion {
		return nil, false, fmt.Errorf("etcdstore: the state under %sstate has version %d, want %d", prefix, v.Version, stateVersion)
	}
	st = &iamcreds.StoredState{Provider: iam.Provider(v.Provider), Description: v.Description, Account: v.Account,
		Instance: v.Instance, Owner: v.Owner, SavedAt: v.SavedAt, Rotations: v.Rotations}
	for i, kv := range v.Keys {
		role := iamcreds.KeyRole(kv.Role)
		switch {
		case kv.ID == "" || kv.AccessKeyID == "":
			return nil, false, fmt.Errorf("etcdstore: keys[%d] of the state under %sstate lacks id or access_key_id", i, prefix)
		case role != iamcreds.RoleCurrent && role != iamcreds.RoleNext && role != iamcreds.RoleRetiring:
			return nil, false, fmt.Errorf("etcdstore: keys[%d] of the state under %sstate has an unknown role", i, prefix)
		case role != iamcreds.RoleRetiring && kv.Secret == nil:
			return nil, false, fmt.Errorf("etcdstore: keys[%d] (%s) of the state under %sstate has no secret", i, role, prefix)
		}
		k := iamcreds.StoredKey{Role: role,
			Key: iam.AccessKey{Provider: iam.Provider(v.Provider), ID: kv.ID, AccessKeyID: kv.AccessKeyID, Owner: kv.Owner,
				Description: kv.Description, CreatedAt: kv.CreatedAt, ExpiresAt: kv.ExpiresAt},
			ObtainedAt: kv.ObtainedAt, ServedUntil: kv.ServedUntil, RetireAt: kv.RetireAt, Deactivated: kv.Deactivated,
			Foreign: kv.Foreign, Rejected: kv.Rejected, SwitchedAt: kv.SwitchedAt, AwaitAcks: kv.AwaitAcks, AckedAt: kv.AckedAt}
		if role != iamcreds.RoleRetiring {
			sec, o1, err := s.open(kv.Secret, aad(prefix, kv.ID, "secret"))
			if err != nil {
				return nil, false, fmt.Errorf("keys[%d] (%s): %w", i, kv.AccessKeyID, err)
			}
			tok, o2, err := s.open(kv.SessionToken, aad(prefix, kv.ID, "session_token"))
			if err != nil {
				return nil, false, fmt.Errorf("keys[%d] (%s): %w", i, kv.AccessKeyID, err)
			}
			k.Key.Secret, k.Key.SessionToken = sec, tok
			old = old || o1 || o2
		}
		st.Keys = append(st.Keys, k)
	}
	for _, x := range v.Pending {
		st.Pending = append(st.Pending, iamcreds.PendingCreate{Mark: x.Mark, At: x.At})
	}
	return st, old, nil
}

// replicaValue is a replica's record, under <prefix>replicas/<name>.
type replicaValue struct {
	Replica     string    `json:"replica"`
	KeyID       string    `json:"key_id,omitempty"`
	AccessKeyID string    `json:"access_key_id,omitempty"`
	Revision    int64     `json:"revision,omitempty"`
	Rotator     bool      `json:"rotator,omitempty"`
	Rejected    []string  `json:"rejected,omitempty"`
	At          time.Time `json:"at"`
}
