package iamtest

import "time"

// VerifyNebiusJWT checks a Nebius service-account JWT against the registry
// by the rules of [NebiusTokenServer] (a registered, enabled key named by
// kid; RS256 by that key; iss and sub the key's service account; aud, when
// present, [NebiusJWTAudience]; exp in the future at now; a lifetime of at
// most maxTTL, [DefaultNebiusMaxJWTTTL] when 0) and returns the service
// account it authenticates. It lets another emulator of the Nebius token
// exchange (the gRPC TokenExchangeService of nebiustest) verify JWTs the
// same way. The error text never contains the JWT.
func (r *Registry) VerifyNebiusJWT(jwt string, now time.Time, maxTTL time.Duration) (serviceAccountID string, err error) {
	if maxTTL <= 0 {
		maxTTL = DefaultNebiusMaxJWTTTL
	}
	v, jerr := verifyJWT(r, jwt, jwtRules{alg: "RS256", audience: NebiusJWTAudience, subMustBeISS: true, maxTTL: maxTTL}, now)
	if jerr != nil {
		return "", jerr
	}
	return v.serviceAccountID, nil
}
