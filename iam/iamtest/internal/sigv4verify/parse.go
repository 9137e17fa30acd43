package sigv4verify

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Scheme is a signature family: AWS's SigV4 or OUTSCALE's OSC4, which
// differ only in these names.
type Scheme struct {
	// Algorithm opens the Authorization header and the string to sign.
	Algorithm string
	// KeyPrefix is put before the secret to derive the signing key.
	KeyPrefix string
	// Terminator ends the credential scope.
	Terminator string
	// DateHeader carries the signing time (lower case).
	DateHeader string
}

// AWS4 is AWS Signature Version 4.
var AWS4 = Scheme{Algorithm: "AWS4-HMAC-SHA256", KeyPrefix: "AWS4", Terminator: "aws4_request", DateHeader: "x-amz-date"}

// OSC4 is OUTSCALE's twin of SigV4 (its own algorithm name, key prefix,
// scope terminator and date header).
var OSC4 = Scheme{Algorithm: "OSC4-HMAC-SHA256", KeyPrefix: "OSC4", Terminator: "osc4_request", DateHeader: "x-osc-date"}

// TimeFormat is the layout of X-Amz-Date (ISO 8601 basic, UTC).
const TimeFormat = "20060102T150405Z"

// MaxPresignExpiry is the longest validity of a presigned URL (7 days).
const MaxPresignExpiry = 7 * 24 * time.Hour

// The errors of this package; each is wrapped with what was wrong.
var (
	// ErrMalformed: the Authorization header or its credential scope
	// cannot be parsed.
	ErrMalformed = errors.New("malformed authorization")
	// ErrQueryParameters: a presigned URL lacks a parameter or has a
	// bad one.
	ErrQueryParameters = errors.New("bad presigned-URL parameters")
	// ErrDate: the signing time is missing, malformed or not the day of
	// the credential scope.
	ErrDate = errors.New("bad signing date")
	// ErrNotSigned: a header that must be signed is not (host, the date
	// header, or under [S3] any x-amz-* header present).
	ErrNotSigned = errors.New("headers present in the request were not signed")
	// ErrMissingContentSHA256: under [S3], a request signed in its
	// Authorization header has no x-amz-content-sha256.
	ErrMissingContentSHA256 = errors.New("missing x-amz-content-sha256")
	// ErrMismatch: the signature is not the one computed with the secret.
	ErrMismatch = errors.New("signature does not match")
)

// Signature is what a request says about its signature: its
// Authorization header ([ParseAuthorization]) or, for a presigned URL,
// its query ([ParsePresigned]).
type Signature struct {
	// Scheme is the signature's family (AWS4 or OSC4).
	Scheme Scheme
	// AccessKeyID is the key the client signed with.
	AccessKeyID string
	// Date (YYYYMMDD), Region and Service are the credential scope's.
	Date, Region, Service string
	// SignedHeaders are the names the client signed, in its order.
	SignedHeaders []string
	// Signature is the hex signature the client sent.
	Signature string
	// Presigned tells a query-string signature.
	Presigned bool
	// AmzDate is X-Amz-Date of a presigned URL (the date header for one
	// signed in its Authorization header: see [Signature.Time]).
	AmzDate string
	// Expires is X-Amz-Expires of a presigned URL.
	Expires time.Duration
	// SecurityToken is X-Amz-Security-Token of a presigned URL.
	SecurityToken string
}

// Scope returns the credential scope: date/region/service/terminator.
func (s *Signature) Scope() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + s.Scheme.Terminator
}

// Signs reports whether name (lower case) is among the signed headers.
func (s *Signature) Signs(name string) bool {
	for _, h := range s.SignedHeaders {
		if h == name {
			return true
		}
	}
	return false
}

// ParseAuthorization parses an Authorization header of one of the schemes
// ("AWS4-HMAC-SHA256 Credential=AKID/20240101/region/service/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex"; the spaces after the
// commas are optional).
func ParseAuthorization(h string, schemes ...Scheme) (*Signature, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	s := &Signature{}
	for _, sc := range schemes {
		if sc.Algorithm == alg {
			s.Scheme = sc
		}
	}
	if s.Scheme.Algorithm == "" {
		return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrMalformed, alg)
	}
	var cred, signed string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a key=value pair", ErrMalformed, strings.TrimSpace(part))
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			s.Signature = v
		}
	}
	if cred == "" || signed == "" || s.Signature == "" {
		return nil, fmt.Errorf("%w: Credential, SignedHeaders and Signature are required", ErrMalformed)
	}
	if err := s.setCredential(cred); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := s.setSignedHeaders(signed); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return s, nil
}

// setCredential parses "AKID/YYYYMMDD/region/service/terminator".
func (s *Signature) setCredential(v string) error {
	f := strings.Split(v, "/")
	if len(f) != 5 || f[0] == "" || f[2] == "" || f[3] == "" {
		return fmt.Errorf("the Credential %q is not <access key>/YYYYMMDD/<region>/<service>/%s", v, s.Scheme.Terminator)
	}
	if f[4] != s.Scheme.Terminator {
		return fmt.Errorf("the credential scope ends in %q, not %q", f[4], s.Scheme.Terminator)
	}
	if _, err := time.Parse("20060102", f[1]); err != nil {
		return fmt.Errorf("the credential scope date %q is not YYYYMMDD", f[1])
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = f[0], f[1], f[2], f[3]
	return nil
}

func (s *Signature) setSignedHeaders(v string) error {
	s.SignedHeaders = strings.Split(v, ";")
	for _, h := range s.SignedHeaders {
		if h == "" || h != strings.ToLower(h) {
			return fmt.Errorf("SignedHeaders %q: names must be lower case and not empty", v)
		}
	}
	return nil
}

// The query parameters of a presigned URL.
const (
	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	queryExpires       = "X-Amz-Expires"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
	querySecurityToken = "X-Amz-Security-Token"
)

// IsPresigned reports whether a query carries a query-string signature.
func IsPresigned(q url.Values) bool { return q.Has(queryAlgorithm) }

// ParsePresigned parses the SigV4 parameters of a presigned URL's query:
// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires (at most
// seven days), X-Amz-SignedHeaders and X-Amz-Signature are required,
// X-Amz-Security-Token is optional.
func ParsePresigned(q url.Values) (*Signature, error) {
	for _, p := range []string{queryAlgorithm, queryCredential, queryDate, queryExpires, querySignedHeaders, querySignature} {
		if len(q[p]) != 1 || q.Get(p) == "" {
			return nil, fmt.Errorf("%w: Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters (%s is missing or repeated)", ErrQueryParameters, p)
		}
	}
	s := &Signature{Scheme: AWS4, Presigned: true, Signature: q.Get(querySignature), AmzDate: q.Get(queryDate), SecurityToken: q.Get(querySecurityToken)}
	if alg := q.Get(queryAlgorithm); alg != AWS4.Algorithm {
		return nil, fmt.Errorf("%w: X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\", not %q", ErrQueryParameters, alg)
	}
	if err := s.setCredential(q.Get(queryCredential)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQueryParameters, err)
	}
	if err := s.setSignedHeaders(q.Get(querySignedHeaders)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQueryParameters, err)
	}
	n, err := strconv.ParseInt(q.Get(queryExpires), 10, 64)
	switch {
	case err != nil || n < 0:
		return nil, fmt.Errorf("%w: X-Amz-Expires should be a number of seconds, not %q", ErrQueryParameters, q.Get(queryExpires))
	case n > int64(MaxPresignExpiry/time.Second):
		return nil, fmt.Errorf("%w: X-Amz-Expires must be less than a week (in seconds) that is; 604800", ErrQueryParameters)
	}
	s.Expires = time.Duration(n) * time.Second
	return s, nil
}

// Time returns the signing time: X-Amz-Date of a presigned URL, or the
// scheme's date header (which it records in AmzDate, for the string to
// sign). It must be on the credential scope's day.
func (s *Signature) Time(r *http.Request) (time.Time, error) {
	v := s.AmzDate
	if !s.Presigned {
		v = r.Header.Get(s.Scheme.DateHeader)
		s.AmzDate = v
	}
	t, err := time.Parse(TimeFormat, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not YYYYMMDDTHHMMSSZ", ErrDate, s.dateName(), v)
	}
	if t.Format("20060102") != s.Date {
		return time.Time{}, fmt.Errorf("%w: the credential scope's date %s is not the day of %s %s", ErrDate, s.Date, s.dateName(), v)
	}
	return t, nil
}

func (s *Signature) dateName() string {
	if s.Presigned {
		return queryDate
	}
	return s.Scheme.DateHeader
}
