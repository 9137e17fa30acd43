package outscale

import "context"

// APIAccessPolicyClient is the sub-client of the OSC API's
// API-access-policy calls (ReadApiAccessPolicy, UpdateApiAccessPolicy);
// get it with [Client.APIAccessPolicy]. The policy is the account's: its
// MaxAccessKeyExpirationSeconds caps the lifetime of new access keys.
//
// It is safe for concurrent use.
type APIAccessPolicyClient struct {
	c *Client
}

// Read reads the account's API access policy (call ReadApiAccessPolicy).
func (p *APIAccessPolicyClient) Read(ctx context.Context, req ReadAPIAccessPolicyRequest) (*ReadAPIAccessPolicyResponse, error) {
	var out ReadAPIAccessPolicyResponse
	if err := p.c.call(ctx, "ReadApiAccessPolicy", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update replaces the account's API access policy (call
// UpdateApiAccessPolicy); both policy fields are always sent.
func (p *APIAccessPolicyClient) Update(ctx context.Context, req UpdateAPIAccessPolicyRequest) (*UpdateAPIAccessPolicyResponse, error) {
	if req.MaxAccessKeyExpirationSeconds < 0 {
		return nil, p.c.invalid("UpdateApiAccessPolicy", "MaxAccessKeyExpirationSeconds must not be negative")
	}
	var out UpdateAPIAccessPolicyResponse
	if err := p.c.call(ctx, "UpdateApiAccessPolicy", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
