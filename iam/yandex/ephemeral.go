package yandex

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/iamkit/iamkit/iam"
)

// CreateEphemeralAccessKeyRequest asks for an ephemeral access key.
type CreateEphemeralAccessKeyRequest struct {
	// SubjectID is the subject the key acts as; empty: the token's subject.
	SubjectID string
	// SessionName names the session: 1–64 characters of [\w+=,.@-].
	SessionName string
	// Policy, when set, is an AWS-style JSON policy (at most 2048
	// characters) that narrows what the key may do; without one the key
	// has the subject's full Object Storage access.
	Policy string
	// Duration is the key's lifetime, 15m–8760h; zero: the lifetime of the
	// caller's IAM token. The service never goes beyond that lifetime
	// (documented as at most 12 hours).
	Duration time.Duration
}

// EphemeralAccessKey is a short-lived AWS-compatible key with a session
// token. Only Object Storage accepts it; it cannot be revoked.
type EphemeralAccessKey struct {
	// AccessKeyID is the AWS access key ID.
	AccessKeyID string
	// Secret is the AWS secret access key.
	Secret iam.Secret
	// SessionToken is sent as X-Amz-Security-Token.
	SessionToken iam.Secret
	// ExpiresAt is when the key stops working.
	ExpiresAt time.Time
}

// UnmarshalJSON decodes the API's answer.
func (k *EphemeralAccessKey) UnmarshalJSON(b []byte) error {
	var w struct {
		AccessKeyID  string     `json:"accessKeyId"`
		Secret       iam.Secret `json:"secret"`
		SessionToken iam.Secret `json:"sessionToken"`
		ExpiresAt    timestamp  `json:"expiresAt"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*k = EphemeralAccessKey{AccessKeyID: w.AccessKeyID, Secret: w.Secret, SessionToken: w.SessionToken, ExpiresAt: w.ExpiresAt.Time}
	return nil
}

// ToIAM returns the key as an iam.AccessKey (with its secret and session
// token).
func (k *EphemeralAccessKey) ToIAM() iam.AccessKey {
	return iam.AccessKey{
		Provider:     iam.Yandex,
		ID:           k.AccessKeyID,
		AccessKeyID:  k.AccessKeyID,
		Secret:       k.Secret,
		SessionToken: k.SessionToken,
		State:        iam.StateActive,
		ExpiresAt:    k.ExpiresAt,
	}
}

// EphemeralAccessKeys issues ephemeral access keys
// (POST /iam/aws-compatibility/v1/ephemeralAccessKeys).
//
// It is safe for concurrent use.
type EphemeralAccessKeys struct {
	t *transport
}

const ephemeralPath = "/iam/aws-compatibility/v1/ephemeralAccessKeys"

// Create issues an ephemeral access key. The answer is direct, not an
// operation.
//
// UNCONFIRMED: whether the service honours Idempotency-Key here; a retried
// request may issue a second key, which is harmless (unused keys expire).
func (e *EphemeralAccessKeys) Create(ctx context.Context, req CreateEphemeralAccessKeyRequest) (*EphemeralAccessKey, error) {
	const op = "TemporaryAccessKeyService/CreateEphemeral"
	if err := checkOptionalID("subjectId", req.SubjectID); err != nil {
		return nil, withOp(op, err)
	}
	switch n := len(req.SessionName); {
	case n == 0:
		return nil, invalidArg(op, "sessionName is empty")
	case n > maxSessionNameLen:
		return nil, invalidArg(op, fmt.Sprintf("sessionName is %d characters long, the maximum is %d", n, maxSessionNameLen))
	case !sessionNameRE.MatchString(req.SessionName):
		return nil, invalidArg(op, fmt.Sprintf("sessionName %q may contain only letters, digits and _+=,.@-", truncateForError(req.SessionName)))
	}
	// The limit counts characters, like the API's other length limits
	// (the validator's unit is UNCONFIRMED; characters is the tolerant
	// reading, bytes would refuse long non-ASCII policies the API takes).
	if n := utf8.RuneCountInString(req.Policy); n > maxPolicyLen {
		return nil, invalidArg(op, fmt.Sprintf("policy is %d characters long, the maximum is %d", n, maxPolicyLen))
	}
	if req.Policy != "" && !json.Valid([]byte(req.Policy)) {
		return nil, invalidArg(op, "policy is not valid JSON")
	}
	if req.Duration != 0 && (req.Duration < MinEphemeralDuration || req.Duration > MaxEphemeralDuration) {
		return nil, invalidArg(op, fmt.Sprintf("duration %s is out of range %s–%s", req.Duration, MinEphemeralDuration, MaxEphemeralDuration))
	}
	body := struct {
		SubjectID   string `json:"subjectId,omitempty"`
		SessionName string `json:"sessionName"`
		Policy      string `json:"policy,omitempty"`
		Duration    string `json:"duration,omitempty"`
	}{SubjectID: req.SubjectID, SessionName: req.SessionName, Policy: req.Policy}
	if req.Duration != 0 {
		body.Duration = formatDuration(req.Duration)
	}
	var out EphemeralAccessKey
	if _, err := e.t.call(ctx, call{op: op, method: http.MethodPost,
		url: e.t.iamURL + ephemeralPath, in: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}
