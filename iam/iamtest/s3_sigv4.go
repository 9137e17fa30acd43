package iamtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Payload-hash values that S3 accepts in X-Amz-Content-Sha256 besides a
// hex SHA-256 of the body.
const (
	unsignedPayload              = "UNSIGNED-PAYLOAD"
	streamingUnsignedTrail       = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingSignedPrefix        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	sigV4Algorithm               = "AWS4-HMAC-SHA256"
	amzDateFormat                = "20060102T150405Z"
	maxS3Skew                    = 15 * time.Minute
	maxS3ObjectBytes       int64 = 64 << 20
)

// s3Error is an S3 error response: its code, HTTP status and message.
type s3Error struct {
	Status  int
	Code    string
	Message string
}

func (e *s3Error) Error() string { return e.Code + ": " + e.Message }

func errS3(status int, code, msg string) *s3Error {
	return &s3Error{Status: status, Code: code, Message: msg}
}

// sigV4Auth is what the Authorization header says.
type sigV4Auth struct {
	AccessKeyID   string
	Date          string // yyyymmdd of the scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/region/s3/aws4_request, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (sigV4Auth, *s3Error) {
	var a sigV4Auth
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != sigV4Algorithm {
		return a, errS3(400, "InvalidArgument", "unsupported Authorization type; only AWS4-HMAC-SHA256 is accepted")
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return a, errS3(400, "AuthorizationHeaderMalformed", "the Credential is malformed; expected \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"")
			}
			a.AccessKeyID, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	if a.AccessKeyID == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return a, errS3(400, "AuthorizationHeaderMalformed", "the authorization header is malformed; Credential, SignedHeaders and Signature are required")
	}
	return a, nil
}

// authResult is an authenticated request: the key that signed it and the
// body, read and checked against the signed payload hash.
type authResult struct {
	Key  S3Key
	Body []byte
}

// authenticate verifies the SigV4 signature of r for real: it looks the
// access key up in the registry, checks its state and expiry, the request
// time against now (±15 min), the session token, the payload hash, and
// recomputes the signature with aws-sdk-go-v2's signer.
func (s *S3Server) authenticate(r *http.Request, now time.Time) (authResult, *s3Error) {
	var res authResult
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Get("X-Amz-Algorithm") != "" {
			return res, errS3(501, "NotImplemented", "presigned URLs are not supported by this emulator")
		}
		return res, errS3(403, "AccessDenied", "Access Denied (anonymous requests are refused)")
	}
	a, serr := parseAuthorization(h)
	if serr != nil {
		return res, serr
	}
	if a.Service != "s3" {
		return res, errS3(400, "AuthorizationHeaderMalformed", fmt.Sprintf("the authorization header is malformed; the service %q is wrong, expecting \"s3\"", a.Service))
	}
	if s.region != "" && a.Region != s.region {
		return res, errS3(400, "AuthorizationHeaderMalformed", fmt.Sprintf("the authorization header is malformed; the region %q is wrong; expecting %q", a.Region, s.region))
	}
	key, ok := s.Registry.S3Key(a.AccessKeyID)
	if !ok || !key.Active {
		// S3 answers the same for unknown and disabled keys.
		return res, errS3(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	if !key.ExpiresAt.IsZero() && !now.Before(key.ExpiresAt) {
		if key.SessionToken != "" {
			// AWS S3 answers ExpiredToken with 400 Bad Request.
			return res, errS3(400, "ExpiredToken", "The provided token has expired.")
		}
		return res, errS3(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	tok := r.Header.Get("X-Amz-Security-Token")
	switch {
	case key.SessionToken != "" && tok == "":
		return res, errS3(403, "InvalidToken", "The request signed with temporary credentials has no X-Amz-Security-Token.")
	case key.SessionToken != "" && !hmac.Equal([]byte(tok), []byte(key.SessionToken)):
		return res, errS3(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	case key.SessionToken == "" && tok != "":
		return res, errS3(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signTime, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return res, errS3(403, "AccessDenied", "AWS authentication requires a valid X-Amz-Date header")
	}
	if !strings.HasPrefix(amzDate, a.Date) {
		return res, errS3(403, "SignatureDoesNotMatch", "the date of the credential scope does not match X-Amz-Date")
	}
	if d := now.Sub(signTime); d > maxS3Skew || d < -maxS3Skew {
		return res, errS3(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	signed := map[string]bool{}
	for _, hn := range a.SignedHeaders {
		signed[hn] = true
	}
	if !signed["host"] || !signed["x-amz-date"] {
		return res, errS3(403, "AccessDenied", "SignedHeaders must include host and x-amz-date")
	}
	if tok != "" && !signed["x-amz-security-token"] {
		return res, errS3(403, "AccessDenied", "SignedHeaders must include x-amz-security-token")
	}

	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		return res, errS3(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	}
	body, serr := readS3Body(r, payloadHash)
	if serr != nil {
		return res, serr
	}

	// Recompute the signature over exactly the headers the client signed.
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	re, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return res, errS3(400, "InvalidURI", "Couldn't parse the specified URI.")
	}
	re.URL = u
	re.Host = r.Host
	for _, hn := range a.SignedHeaders {
		switch hn {
		case "host":
			continue
		case "content-length":
			n, err := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			if err != nil && r.ContentLength >= 0 {
				n = r.ContentLength
			}
			re.ContentLength = n
			continue
		}
		vals := r.Header.Values(hn)
		if len(vals) == 0 {
			// A signed header the server did not receive cannot match.
			return res, errS3(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		for _, v := range vals {
			re.Header.Add(hn, v)
		}
	}
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.Secret}
	// The security token, if any, is already among the copied headers.
	err = v4.NewSigner().SignHTTP(context.Background(), creds, re, payloadHash, "s3", a.Region, signTime, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true
		o.DisableSessionToken = true
	})
	if err != nil {
		return res, errS3(500, "InternalError", "signing failed")
	}
	want, werr := parseAuthorization(re.Header.Get("Authorization"))
	if werr != nil || !hmac.Equal([]byte(want.Signature), []byte(a.Signature)) ||
		strings.Join(want.SignedHeaders, ";") != strings.Join(a.SignedHeaders, ";") {
		return res, errS3(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	res.Key = key
	res.Body = body
	return res, nil
}

// readS3Body reads the request body (bounded) and checks it against the
// payload hash the client signed: a hex SHA-256 must match the body;
// UNSIGNED-PAYLOAD accepts any body; the unsigned streaming variant is
// decoded from aws-chunked. Signed streaming (per-chunk signatures) is not
// implemented: aws-sdk-go-v2 does not send it.
func readS3Body(r *http.Request, payloadHash string) ([]byte, *s3Error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxS3ObjectBytes+1))
	if err != nil {
		return nil, errS3(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	if int64(len(raw)) > maxS3ObjectBytes {
		return nil, errS3(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size of this emulator.")
	}
	switch {
	case payloadHash == unsignedPayload:
		return raw, nil
	case payloadHash == streamingUnsignedTrail:
		body, derr := decodeAWSChunked(raw)
		if derr != nil {
			return nil, errS3(400, "IncompleteBody", "the aws-chunked body is malformed: "+derr.Error())
		}
		if dl := r.Header.Get("X-Amz-Decoded-Content-Length"); dl != "" && dl != strconv.Itoa(len(body)) {
			return nil, errS3(400, "IncompleteBody", "the decoded body length does not match X-Amz-Decoded-Content-Length")
		}
		return body, nil
	case strings.HasPrefix(payloadHash, streamingSignedPrefix):
		return nil, errS3(501, "NotImplemented", "signed streaming payloads are not supported by this emulator")
	}
	if len(payloadHash) != 64 {
		return nil, errS3(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.")
	}
	sum := sha256.Sum256(raw)
	if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(payloadHash))) {
		return nil, errS3(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return raw, nil
}

// decodeAWSChunked decodes an aws-chunked body with unsigned chunks:
// "<hex size>\r\n<data>\r\n" ... "0\r\n<trailers>\r\n\r\n".
func decodeAWSChunked(raw []byte) ([]byte, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, errors.New("missing chunk header")
		}
		line = strings.TrimRight(line, "\r\n")
		sizeStr, _, _ := strings.Cut(line, ";") // ignore chunk extensions
		n, err := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
		if err != nil || n < 0 || n > maxS3ObjectBytes {
			return nil, errors.New("bad chunk size")
		}
		if n == 0 {
			return out.Bytes(), nil // trailers follow; their checksums are not checked
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, errors.New("short chunk")
		}
		crlf := make([]byte, 2)
		if _, err := io.ReadFull(br, crlf); err != nil || string(crlf) != "\r\n" {
			return nil, errors.New("chunk not terminated by CRLF")
		}
	}
}
