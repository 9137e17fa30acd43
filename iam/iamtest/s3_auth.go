package iamtest

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// Payload-hash values that S3 accepts in X-Amz-Content-Sha256 besides a
// hex SHA-256 of the body.
const (
	unsignedPayload         = "UNSIGNED-PAYLOAD"
	streamingSigned         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrail  = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingECDSAPrefix    = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	maxS3Skew               = 15 * time.Minute
	signatureMismatchReason = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)

// s3Error is an S3 error response: its code, HTTP status and message,
// and the extra elements some errors carry.
type s3Error struct {
	Status  int
	Code    string
	Message string
	// HeadersNotSigned lists the unsigned x-amz-* headers (AccessDenied).
	HeadersNotSigned string
	// CanonicalRequest and StringToSign are what the server computed
	// (SignatureDoesNotMatch), as S3 returns them, for debugging a client.
	CanonicalRequest, StringToSign string
	// ActualObjectSize and RangeRequested explain InvalidRange.
	ActualObjectSize, RangeRequested string
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Message }

func errS3(status int, code, msg string) *s3Error {
	return &s3Error{Status: status, Code: code, Message: msg}
}

// s3Auth is an authenticated request: the key that signed it, its
// signature, and the payload hash the signature covers.
type s3Auth struct {
	Key         S3Key
	Sig         *sigv4verify.Signature
	PayloadHash string
}

// authenticate verifies the SigV4 signature of r, in its Authorization
// header or its query (a presigned URL), as S3 does: the credential scope,
// the key (known, active, not expired) and its session token, the signing
// time (±15 minutes, or a presigned URL's validity), the headers that
// must be signed, then the signature itself, over exactly the headers the
// request names. The body is checked afterwards, by readBody.
func (s *S3Server) authenticate(r *http.Request, now time.Time) (*s3Auth, *s3Error) {
	sig, serr := s3Signature(r)
	if serr != nil {
		return nil, serr
	}
	if serr := s.checkScope(sig); serr != nil {
		return nil, serr
	}
	if serr := checkSigningTime(r, sig, now); serr != nil {
		return nil, serr
	}
	key, serr := s.lookupKey(sig.AccessKeyID, now)
	if serr != nil {
		return nil, serr
	}
	if serr := checkSessionToken(r, sig, key); serr != nil {
		return nil, serr
	}
	hash, serr := s3PayloadHash(r, sig)
	if serr != nil {
		return nil, serr
	}
	if serr := s.verifySignature(r, sig, hash, key.Secret.Reveal()); serr != nil {
		return nil, serr
	}
	return &s3Auth{Key: key, Sig: sig, PayloadHash: hash}, nil
}

// s3Signature parses the signature of r: its Authorization header, or the
// X-Amz-* parameters of a presigned URL (never both).
func s3Signature(r *http.Request) (*sigv4verify.Signature, *s3Error) {
	h := r.Header.Get("Authorization")
	q := r.URL.Query()
	presigned := sigv4verify.IsPresigned(q)
	switch {
	case strings.HasPrefix(h, "AWS "), !presigned && q.Has("AWSAccessKeyId") && q.Has("Signature"):
		// S3 still takes Signature Version 2 in some regions; the
		// AWS CLI v1 presigns with it unless told
		// s3.signature_version = s3v4.
		return nil, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement Signature Version 2; sign with AWS4-HMAC-SHA256 (Signature Version 4)")
	case h != "" && presigned:
		return nil, errS3(400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	case presigned:
		sig, err := sigv4verify.ParsePresigned(r.URL.Query())
		if err != nil {
			return nil, errS3(400, "AuthorizationQueryParametersError", err.Error())
		}
		return sig, nil
	case h == "":
		return nil, errS3(403, "AccessDenied", "Access Denied (anonymous requests are refused)")
	case !strings.HasPrefix(h, sigv4verify.AWS4.Algorithm+" "):
		return nil, errS3(400, "InvalidArgument", "Unsupported Authorization Type: only AWS4-HMAC-SHA256 is accepted")
	}
	sig, err := sigv4verify.ParseAuthorization(h, sigv4verify.AWS4)
	if err != nil {
		return nil, errS3(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; "+err.Error())
	}
	return sig, nil
}

// authFormError is the error code of a malformed signature: it depends
// on where the signature is.
func authFormError(sig *sigv4verify.Signature, msg string) *s3Error {
	if sig.Presigned {
		return errS3(400, "AuthorizationQueryParametersError", msg)
	}
	return errS3(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; "+msg)
}

// checkScope checks the credential scope's service and (if the server
// has one) region.
func (s *S3Server) checkScope(sig *sigv4verify.Signature) *s3Error {
	if sig.Service != "s3" {
		return authFormError(sig, fmt.Sprintf("the service %q is wrong, expecting \"s3\"", sig.Service))
	}
	if s.region != "" && sig.Region != s.region {
		return authFormError(sig, fmt.Sprintf("the region %q is wrong; expecting %q", sig.Region, s.region))
	}
	return nil
}

// checkSigningTime checks the signing time: within 15 minutes of now for
// a signature in the Authorization header; for a presigned URL, not more
// than 15 minutes ahead ("not yet valid") and not past its expiry.
func checkSigningTime(r *http.Request, sig *sigv4verify.Signature, now time.Time) *s3Error {
	t, err := sig.Time(r)
	switch {
	case err != nil && !sig.Presigned && r.Header.Get("X-Amz-Date") == "":
		return errS3(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	case err != nil:
		return authFormError(sig, err.Error())
	case sig.Presigned && t.Sub(now) > maxS3Skew:
		return errS3(403, "AccessDenied", "Request is not yet valid")
	case sig.Presigned && now.After(t.Add(sig.Expires)):
		return errS3(403, "AccessDenied", "Request has expired")
	case !sig.Presigned && (now.Sub(t) > maxS3Skew || t.Sub(now) > maxS3Skew):
		return errS3(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	return nil
}

// lookupKey finds an active, unexpired key.
func (s *S3Server) lookupKey(id string, now time.Time) (S3Key, *s3Error) {
	key, ok := s.Registry.S3Key(id)
	if !ok || !key.Active {
		// S3 answers the same for unknown and disabled keys.
		return key, errS3(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	if !key.ExpiresAt.IsZero() && !now.Before(key.ExpiresAt) {
		if !key.SessionToken.IsZero() {
			// AWS S3 answers ExpiredToken with 400 Bad Request.
			return key, errS3(400, "ExpiredToken", "The provided token has expired.")
		}
		return key, errS3(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	return key, nil
}

// checkSessionToken checks X-Amz-Security-Token (a header, or a presigned
// URL's parameter) against the key's.
func checkSessionToken(r *http.Request, sig *sigv4verify.Signature, key S3Key) *s3Error {
	tok := r.Header.Get("X-Amz-Security-Token")
	if sig.Presigned {
		tok = sig.SecurityToken
	}
	switch {
	case !key.SessionToken.IsZero() && tok == "":
		return errS3(403, "InvalidToken", "The request signed with temporary credentials has no X-Amz-Security-Token.")
	case !key.SessionToken.IsZero() && !hmac.Equal([]byte(tok), []byte(key.SessionToken.Reveal())):
		return errS3(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	case key.SessionToken.IsZero() && tok != "":
		return errS3(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	}
	return nil
}

// s3PayloadHash returns what the signature says of the payload: the
// x-amz-content-sha256 header (required when the signature is in the
// Authorization header), UNSIGNED-PAYLOAD for a presigned URL without it.
func s3PayloadHash(r *http.Request, sig *sigv4verify.Signature) (string, *s3Error) {
	h := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case h == "" && sig.Presigned:
		return unsignedPayload, nil
	case h == "":
		return "", errS3(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	case h == unsignedPayload, h == streamingSigned, h == streamingSignedTrailer, h == streamingUnsignedTrail:
		return h, nil
	case strings.HasPrefix(h, streamingECDSAPrefix):
		return "", errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement SigV4a (ECDSA) streaming signatures")
	case len(h) == 64 && strings.Trim(strings.ToLower(h), "0123456789abcdef") == "":
		return h, nil
	}
	return "", errS3(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
}

// verifySignature checks the signature under S3's rules.
func (s *S3Server) verifySignature(r *http.Request, sig *sigv4verify.Signature, payloadHash, secret string) *s3Error {
	err := sigv4verify.S3.Verify(r, sig, payloadHash, secret, &s.keyCache)
	var mm *sigv4verify.MismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mm):
		e := errS3(403, "SignatureDoesNotMatch", signatureMismatchReason)
		e.CanonicalRequest, e.StringToSign = redactSessionToken(mm.CanonicalRequest), mm.StringToSign
		return e
	case errors.Is(err, sigv4verify.ErrNotSigned):
		e := errS3(403, "AccessDenied", "There were headers present in the request which were not signed")
		if names := sigv4verify.UnsignedAmzHeaders(r, sig); len(names) > 0 {
			e.HeadersNotSigned = strings.Join(names, ", ")
		} else {
			e.Message += " (" + err.Error() + ")"
		}
		return e
	case errors.Is(err, sigv4verify.ErrMissingContentSHA256):
		return errS3(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	case errors.Is(err, sigv4verify.ErrMalformed):
		return errS3(400, "InvalidURI", "Couldn't parse the specified URI: "+err.Error())
	}
	return authFormError(sig, err.Error())
}

// redactSessionToken hides the session token in a canonical request the
// server answers with (S3 echoes it whole): an error body gets printed.
func redactSessionToken(cr string) string {
	lines := strings.Split(cr, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "x-amz-security-token:"):
			lines[i] = "x-amz-security-token:" + iam.Redacted
		case i == 2 && strings.Contains(l, "X-Amz-Security-Token="):
			var params []string
			for p := range strings.SplitSeq(l, "&") {
				if strings.HasPrefix(p, "X-Amz-Security-Token=") {
					p = "X-Amz-Security-Token=" + iam.Redacted
				}
				params = append(params, p)
			}
			lines[i] = strings.Join(params, "&")
		}
	}
	return strings.Join(lines, "\n")
}
