package outscale

import "context"

// APIAccessPolicyClient is the sub-client of the OSC API's
// API-access-policy calls (ReadApiAccessPolicy, UpdateApiAccessPolicy);
// get it with [Client.APIAccessPolicy]. The policy is the account's (one
// per account, so Get takes no ID): its MaxAccessKeyExpirationSeconds caps
// the lifetime of new access keys.
//
// It is safe for concurrent use.
type APIAccessPolicyClient struct {
	c *Client
}

// apiAccessPolicyResponse is the answer of ReadApiAccessPolicy and
// UpdateApiAccessPolicy.
type apiAccessPolicyResponse struct {
	APIAccessPolicy APIAccessPolicy `json:"ApiAccessPolicy"`
	ResponseContext ResponseContext `json:"ResponseContext"`
}

// Get reads the account's API access policy (call ReadApiAccessPolicy).
func (p *APIAccessPolicyClient) Get(ctx context.Context) (*APIAccessPolicy, error) {
	var out apiAccessPolicyResponse
	if err := p.c.call(ctx, "ReadApiAccessPolicy", nil, &out); err != nil {
		return nil, err
	}
	return &out.APIAccessPolicy, nil
}

// Update replaces the account's API access policy (call
// UpdateApiAccessPolicy; both policy fields are always sent) and returns
// the policy after the update (with DryRun, which changes nothing, the
// zero policy).
func (p *APIAccessPolicyClient) Update(ctx context.Context, req UpdateAPIAccessPolicyRequest) (*APIAccessPolicy, error) {
	if req.MaxAccessKeyExpirationSeconds < 0 {
		return nil, p.c.invalid("UpdateApiAccessPolicy", "MaxAccessKeyExpirationSeconds must not be negative")
	}
	var out apiAccessPolicyResponse
	if err := p.c.call(ctx, "UpdateApiAccessPolicy", req, &out); err != nil {
		return nil, err
	}
	return &out.APIAccessPolicy, nil
}
