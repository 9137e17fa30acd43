package e2e

import (
	"encoding/json"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
)

// decodePlain reads the roles, IDs and times of a state value, as the
// test sees it in etcd (it never opens the sealed secrets).
func decodePlain(b []byte) (iamcreds.StoredState, error) {
	var v struct {
		Rotations int `json:"rotations"`
		Instance  string
		Keys      []struct {
			Role        string          `json:"role"`
			ID          string          `json:"id"`
			AccessKeyID string          `json:"access_key_id"`
			SwitchedAt  time.Time       `json:"switched_at"`
			Secret      json.RawMessage `json:"secret"`
		} `json:"keys"`
		Pending []struct {
			Mark string `json:"mark"`
		} `json:"pending"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return iamcreds.StoredState{}, err
	}
	st := iamcreds.StoredState{Rotations: v.Rotations, Instance: v.Instance}
	for _, k := range v.Keys {
		st.Keys = append(st.Keys, iamcreds.StoredKey{Role: iamcreds.KeyRole(k.Role), Key: iam.AccessKey{ID: k.ID, AccessKeyID: k.AccessKeyID}, SwitchedAt: k.SwitchedAt})
	}
	for _, x := range v.Pending {
		st.Pending = append(st.Pending, iamcreds.PendingCreate{Mark: x.Mark})
	}
	return st, nil
}
