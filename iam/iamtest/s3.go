package iamtest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// DefaultS3MaxObjectSize is the default of [S3Options.MaxObjectSize]:
// 512 MiB, room for the multipart uploads of a few hundred MiB that tools
// make by default, in memory.
const DefaultS3MaxObjectSize int64 = 512 << 20

// S3Options configures [NewS3Server].
type S3Options struct {
	// Addr is the listen address, host:port (default [DefaultAddr]). The
	// host must be a loopback address or "localhost": the server accepts
	// test keys anyone can read, so it never listens on another interface.
	// Port 0 picks a free port.
	Addr string
	// Registry holds the access keys the server accepts; share it with the
	// key emulators so that the keys they mint work here. Default: a new
	// registry.
	Registry *Registry
	// Clock is the server's time: it checks request times (±15 minutes),
	// presigned URLs' validity and key expiry against it. Default: the
	// system clock.
	Clock iam.Clock
	// Region, when set, is the only signing region accepted (as on Yandex
	// Object Storage, which wants ru-central1). Default: any region.
	Region string
	// MaxObjectSize caps, in bytes, each object the server keeps in
	// memory: a PutObject body, and the parts of a multipart upload
	// together (the object they make); larger is refused with 400
	// EntityTooLarge. Default (0)
	// [DefaultS3MaxObjectSize] (S3's own limits are 5 GiB per PutObject
	// or part and 5 TiB per object); a negative value is refused.
	MaxObjectSize int64
}

// validate refuses options the server cannot honour (the listen address
// is checked when listening).
func (o *S3Options) validate() error {
	if o.MaxObjectSize < 0 {
		return fmt.Errorf("iamtest: option MaxObjectSize %d is negative", o.MaxObjectSize)
	}
	return nil
}

// setDefaults fills what the options leave zero; NewS3Server calls it on
// its own copy.
func (o *S3Options) setDefaults() {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Registry == nil {
		o.Registry = NewRegistry()
	}
	if o.MaxObjectSize == 0 {
		o.MaxObjectSize = DefaultS3MaxObjectSize
	}
}

// S3Server is an in-process, path-style S3 endpoint on 127.0.0.1 that
// verifies AWS Signature Version 4 for real, by S3's rules: the signature
// is computed over exactly the headers the request signs, with the secret
// of the access key found in the [Registry]; every x-amz-* header must be
// signed; the payload (a SHA-256 of the body, UNSIGNED-PAYLOAD, or an
// aws-chunked streaming body, signed chunk by chunk or unsigned with a
// trailing checksum), Content-MD5 and the x-amz-checksum-* checksums are
// verified; the request time (±15 minutes on the server's clock) or a
// presigned URL's validity (at most 7 days), the key's state and expiry
// and its session token are checked. It refuses what S3 refuses, with
// S3's XML errors: InvalidAccessKeyId (unknown, inactive, deleted or
// expired key), SignatureDoesNotMatch, ExpiredToken, InvalidToken,
// RequestTimeTooSkewed, AccessDenied, AuthorizationQueryParametersError,
// BadDigest, XAmzContentSHA256Mismatch, MissingContentLength (a streaming
// upload without x-amz-decoded-content-length).
//
// It serves what S3 clients use by default, with objects kept in memory
// (at most [S3Options.MaxObjectSize] each): ListBuckets, CreateBucket,
// HeadBucket, DeleteBucket, GetBucketLocation; what it cannot configure
// reads as never configured: GetBucketVersioning (never enabled),
// GetBucketAcl and GetObjectAcl (the owner's FULL_CONTROL only, as with
// ACLs disabled), GetBucketPolicy and GetBucketCors (none),
// GetObjectTagging (no tags); ListObjectsV2 and
// ListObjects (prefix, delimiter and CommonPrefixes, max-keys,
// continuation-token, start-after, marker, fetch-owner,
// encoding-type=url); PutObject, CopyObject (metadata directive COPY or
// REPLACE, conditions on the source), GetObject and HeadObject (Range,
// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, the
// response-* overrides, user metadata and the stored Content-Type,
// Cache-Control, Content-Disposition, Content-Encoding, Content-Language
// and Expires), DeleteObject (If-Match: 412 when it does not match, 404
// NoSuchKey for a missing key) and DeleteObjects; multipart uploads
// (CreateMultipartUpload, UploadPart, UploadPartCopy,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts,
// ListMultipartUploads) with S3's 5 MiB minimum part size and additional
// checksums (x-amz-checksum-algorithm: composite or full-object, as S3
// computes them). Buckets are
// shared by all keys (no ACLs) and owned by one owner, whose ID listings
// show ("iamkit"): an x-amz-expected-bucket-owner (or, on a copy,
// x-amz-source-expected-bucket-owner) naming another is 403
// AccessDenied. Only path-style addressing is served;
// requests are signed in the Authorization header or the query
// (presigned URLs).
//
// It never guesses: a request it does not implement is answered 501
// NotImplemented, in S3's XML error form, and changes nothing. That is
// every other sub-resource and every request that would configure one
// (PUT ?acl, ?tagging, ?versioning, ?cors, ?policy, DELETE ?tagging,
// ?versionId, ?partNumber on GET…), any query parameter the operation
// does not have, an x-id naming another operation, a header asking for a
// feature the emulator lacks (tags, object lock, grants, canned ACLs but
// private, storage classes but STANDARD, KMS or customer keys),
// conditional writes (If-Match,
// If-None-Match on PUT), conditional deletes but by If-Match
// (x-amz-if-match-size and x-amz-if-match-last-modified-time, which S3
// serves on directory buckets), a copy of a version, multiple ranges, SigV4a, and
// other methods.
type S3Server struct {
	// URL is the endpoint, e.g. "http://127.0.0.1:41234": the
	// s3client.Options.Endpoint ([S3Server.ClientOptions] sets it), or an
	// S3 client's BaseEndpoint with path-style addressing.
	URL string
	// Addr is the host:port the server listens on.
	Addr string
	// Registry is where the server looks up access keys.
	Registry *Registry
	// Faults injects failures; operations are named "S3/<Operation>", e.g.
	// "S3/PutObject" ("S3/Unsupported" for what the emulator does not
	// implement).
	Faults *Faults

	srv       *httptest.Server
	clock     iam.Clock
	region    string
	maxObject int64
	closed    chan struct{}
	once      sync.Once
	reqID     atomic.Uint64
	uploadSeq atomic.Uint64
	keyCache  sync.Map // derived SigV4 signing keys
	// assembling, if set (by tests), is called as a completion starts
	// copying its parts, the server unlocked.
	assembling func()

	mu      sync.Mutex
	buckets map[string]*s3Bucket
	stats   S3Stats
	calls   map[string]int // requests by operation, faults and failures included
}

// S3Stats counts the requests an [S3Server] answered.
type S3Stats struct {
	// Requests is the number of requests that passed authentication.
	Requests int
	// ByAccessKey counts authenticated requests per access key ID.
	ByAccessKey map[string]int
	// Errors counts error answers by S3 error code (authentication
	// failures included).
	Errors map[string]int
}

type s3Bucket struct {
	created time.Time
	objects map[string]*s3Object
	uploads map[string]*s3Upload // by upload ID
}

// s3Object is a stored object. It is never changed in place: a write
// replaces it.
type s3Object struct {
	data     []byte
	etag     string // quoted
	modified time.Time
	// header holds what the object is served with: Content-Type and the
	// other stored headers, and the user metadata (X-Amz-Meta-*).
	header   http.Header
	checksum s3Checksum // the additional checksum sent with a PutObject
}

// NewS3Server starts an S3 emulator on S3Options.Addr (default a free port
// on 127.0.0.1). It returns an error for an address that is not loopback,
// a negative MaxObjectSize, or a failure to listen. Nil option functions
// are skipped. Close it when done.
func NewS3Server(optFns ...func(*S3Options)) (*S3Server, error) {
	var o S3Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.setDefaults()
	l, err := listen("S3", o.Addr)
	if err != nil {
		return nil, err
	}
	s := &S3Server{
		Addr:      l.Addr().String(),
		Registry:  o.Registry,
		Faults:    &Faults{},
		clock:     clock.Or(o.Clock),
		region:    o.Region,
		maxObject: o.MaxObjectSize,
		closed:    make(chan struct{}),
		buckets:   map[string]*s3Bucket{},
		stats:     S3Stats{ByAccessKey: map[string]int{}, Errors: map[string]int{}},
		calls:     map[string]int{},
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	return s, nil
}

// Close shuts the server down, releasing requests held by FaultHang.
func (s *S3Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Stats returns a copy of the request counters.
func (s *S3Server) Stats() S3Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := S3Stats{Requests: s.stats.Requests, ByAccessKey: map[string]int{}, Errors: map[string]int{}}
	for k, v := range s.stats.ByAccessKey {
		out.ByAccessKey[k] = v
	}
	for k, v := range s.stats.Errors {
		out.Errors[k] = v
	}
	return out
}

// Calls returns how many requests for method arrived: an S3 operation
// name as the server names it ("PutObject", "ListObjectsV2",
// "CreateMultipartUpload"…; "Unsupported" for what it does not implement,
// each answered 501; a "S3/" prefix, as in fault names, is accepted), or
// "" for all. Every request counts, the failed ones (authentication
// included) and the ones a fault answered too.
func (s *S3Server) Calls(method string) int {
	method = strings.TrimPrefix(method, "S3/")
	s.mu.Lock()
	defer s.mu.Unlock()
	if method != "" {
		return s.calls[method]
	}
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// Object returns the content of an object, for assertions.
func (s *S3Server) Object(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket]
	if !ok {
		return nil, false
	}
	obj, ok := b.objects[key]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), obj.data...), true
}

// s3Req is a request being answered.
type s3Req struct {
	w           http.ResponseWriter
	r           *http.Request
	op          string
	bucket, key string
	reqID       string
	body        *s3Body
}

// s3Handlers are the implemented operations.
var s3Handlers = map[string]func(*S3Server, *s3Req){
	"ListBuckets":             (*S3Server).listBuckets,
	"CreateBucket":            (*S3Server).createBucket,
	"HeadBucket":              (*S3Server).headBucket,
	"DeleteBucket":            (*S3Server).deleteBucket,
	"GetBucketLocation":       (*S3Server).getBucketLocation,
	"GetBucketVersioning":     (*S3Server).getBucketVersioning,
	"GetBucketAcl":            (*S3Server).getACL,
	"GetBucketPolicy":         (*S3Server).getBucketPolicy,
	"GetBucketCors":           (*S3Server).getBucketCors,
	"GetObjectAcl":            (*S3Server).getACL,
	"ListObjectsV2":           (*S3Server).listObjects,
	"ListObjects":             (*S3Server).listObjects,
	"PutObject":               (*S3Server).putObject,
	"CopyObject":              (*S3Server).copyObject,
	"GetObject":               (*S3Server).getObject,
	"HeadObject":              (*S3Server).getObject,
	"GetObjectTagging":        (*S3Server).getObjectTagging,
	"DeleteObject":            (*S3Server).deleteObject,
	"DeleteObjects":           (*S3Server).deleteObjects,
	"CreateMultipartUpload":   (*S3Server).createMultipartUpload,
	"UploadPart":              (*S3Server).uploadPart,
	"UploadPartCopy":          (*S3Server).uploadPart,
	"CompleteMultipartUpload": (*S3Server).completeMultipartUpload,
	"AbortMultipartUpload":    (*S3Server).abortMultipartUpload,
	"ListParts":               (*S3Server).listParts,
	"ListMultipartUploads":    (*S3Server).listMultipartUploads,
}

func (s *S3Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	op, why := s3Op(r, bucket, key)
	q := &s3Req{w: w, r: r, op: op, bucket: bucket, key: key, reqID: fmt.Sprintf("%016X", s.reqID.Add(1))}
	w.Header().Set("X-Amz-Request-Id", q.reqID)
	w.Header().Set("Server", "iamkit-s3-emulator")
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()

	if f, ok := s.Faults.Next("S3/" + op); ok {
		if done := s.applyFault(q, f); done {
			return
		}
	}
	auth, serr := s.authenticate(r, s.clock.Now())
	if serr == nil {
		q.body, serr = s.readBody(r, auth, op)
	}
	if serr != nil {
		s.fail(q, serr)
		return
	}
	s.mu.Lock()
	s.stats.Requests++
	s.stats.ByAccessKey[auth.Key.AccessKeyID]++
	s.mu.Unlock()

	if h := s3Handlers[op]; h != nil {
		if serr := checkExpectedOwner(q); serr != nil {
			s.fail(q, serr)
			return
		}
		h(s, q)
		return
	}
	// Nothing has been changed: the answer is S3's own for a feature it
	// lacks.
	s.fail(q, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement "+why))
}

// applyFault performs an injected fault with [ServeFault]; it reports
// whether the request has been answered (or dropped).
func (s *S3Server) applyFault(q *s3Req, f Fault) bool {
	return ServeFault(q.w, q.r, f, s.clock, s.closed, func(_ http.ResponseWriter, f Fault) { s.failFault(q, f) })
}

// failFault answers an injected FaultStatus as an S3 error.
func (s *S3Server) failFault(q *s3Req, f Fault) {
	code := f.Code
	if code == "" {
		switch f.Status {
		case http.StatusServiceUnavailable:
			code = "SlowDown"
		case http.StatusForbidden:
			code = "AccessDenied"
		case http.StatusInternalServerError:
			code = "InternalError"
		default:
			code = http.StatusText(f.Status)
		}
	}
	s.fail(q, errS3(f.Status, code, "injected fault"))
}

// checkExpectedOwner checks x-amz-expected-bucket-owner and, for a copy,
// x-amz-source-expected-bucket-owner: the one owner of every bucket is
// the emulator's (s3Owner, the ID listings show), anything else is
// AccessDenied, as S3 answers for a bucket of another account.
func checkExpectedOwner(q *s3Req) *s3Error {
	names := []string{"X-Amz-Expected-Bucket-Owner"}
	if q.op == "CopyObject" || q.op == "UploadPartCopy" {
		names = append(names, "X-Amz-Source-Expected-Bucket-Owner")
	}
	if q.bucket == "" {
		return nil // ListBuckets: no bucket to own
	}
	for _, name := range names {
		for _, v := range q.r.Header.Values(name) {
			if v != s3Owner.ID {
				return errS3(403, "AccessDenied", "Access Denied: "+strings.ToLower(name)+" "+strconv.Quote(v)+" is not the bucket owner's ID ("+s3Owner.ID+")")
			}
		}
	}
	return nil
}

type s3ErrorBody struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string   `xml:"Code"`
	Message          string   `xml:"Message"`
	HeadersNotSigned string   `xml:"HeadersNotSigned,omitempty"`
	CanonicalRequest string   `xml:"CanonicalRequest,omitempty"`
	StringToSign     string   `xml:"StringToSign,omitempty"`
	ActualObjectSize string   `xml:"ActualObjectSize,omitempty"`
	RangeRequested   string   `xml:"RangeRequested,omitempty"`
	Resource         string   `xml:"Resource,omitempty"`
	RequestID        string   `xml:"RequestId"`
}

// fail answers an S3 error.
func (s *S3Server) fail(q *s3Req, e *s3Error) {
	s.mu.Lock()
	s.stats.Errors[e.Code]++
	s.mu.Unlock()
	if q.r.Method == http.MethodHead {
		// HEAD answers carry no body; S3 puts nothing else either.
		q.w.WriteHeader(e.Status)
		return
	}
	writeXML(q.w, e.Status, s3ErrorBody{Code: e.Code, Message: e.Message, HeadersNotSigned: e.HeadersNotSigned,
		CanonicalRequest: e.CanonicalRequest, StringToSign: e.StringToSign, ActualObjectSize: e.ActualObjectSize,
		RangeRequested: e.RangeRequested, Resource: q.r.URL.Path, RequestID: q.reqID})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "xml encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

var (
	errNoSuchBucket = errS3(404, "NoSuchBucket", "The specified bucket does not exist")
	errNoSuchKey    = errS3(404, "NoSuchKey", "The specified key does not exist.")
)

// validBucketName applies S3's naming rules (3–63 characters, lowercase
// letters, digits, dots and hyphens, starting and ending with a letter or
// digit).
func validBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '-' || c == '.') && i > 0 && i < len(b)-1
		if !ok {
			return false
		}
	}
	return true
}

type s3BucketXML struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

type listAllMyBucketsResult struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner   struct{ ID string }
	Buckets []s3BucketXML `xml:"Buckets>Bucket"`
}

func (s *S3Server) listBuckets(q *s3Req) {
	s.mu.Lock()
	var out listAllMyBucketsResult
	out.Owner.ID = "iamkit"
	names := make([]string, 0, len(s.buckets))
	for n := range s.buckets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out.Buckets = append(out.Buckets, s3BucketXML{Name: n, CreationDate: s.buckets[n].created.UTC().Format(time.RFC3339)})
	}
	s.mu.Unlock()
	writeXML(q.w, http.StatusOK, out)
}

func (s *S3Server) createBucket(q *s3Req) {
	if !validBucketName(q.bucket) {
		s.fail(q, errS3(400, "InvalidBucketName", "The specified bucket is not valid."))
		return
	}
	s.mu.Lock()
	_, exists := s.buckets[q.bucket]
	if !exists {
		s.buckets[q.bucket] = &s3Bucket{created: s.clock.Now(), objects: map[string]*s3Object{}, uploads: map[string]*s3Upload{}}
	}
	s.mu.Unlock()
	if exists {
		s.fail(q, errS3(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it."))
		return
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.WriteHeader(http.StatusOK)
}

// bucketExists answers NoSuchBucket if the bucket is missing.
func (s *S3Server) bucketExists(q *s3Req) bool {
	s.mu.Lock()
	_, ok := s.buckets[q.bucket]
	s.mu.Unlock()
	if !ok {
		s.fail(q, errNoSuchBucket)
	}
	return ok
}

func (s *S3Server) headBucket(q *s3Req) {
	if s.bucketExists(q) {
		q.w.WriteHeader(http.StatusOK)
	}
}

func (s *S3Server) getBucketLocation(q *s3Req) {
	if !s.bucketExists(q) {
		return
	}
	type loc struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
		Region  string   `xml:",chardata"`
	}
	writeXML(q.w, http.StatusOK, loc{Region: s.region})
}

// getACL serves GetBucketAcl and GetObjectAcl: the emulator has no ACLs
// (as a bucket whose Object Ownership is BucketOwnerEnforced), so the
// owner has FULL_CONTROL and no one else any grant.
func (s *S3Server) getACL(q *s3Req) {
	if q.key != "" {
		if _, ok := s.object(q, q.bucket, q.key); !ok {
			return
		}
	} else if !s.bucketExists(q) {
		return
	}
	type grantee struct {
		XMLNSXSI    string `xml:"xmlns:xsi,attr"`
		Type        string `xml:"xsi:type,attr"`
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	}
	type grant struct {
		Grantee    grantee `xml:"Grantee"`
		Permission string  `xml:"Permission"`
	}
	type policy struct {
		XMLName xml.Name    `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
		Owner   *s3OwnerXML `xml:"Owner"`
		Grants  []grant     `xml:"AccessControlList>Grant"`
	}
	writeXML(q.w, http.StatusOK, policy{Owner: s3Owner, Grants: []grant{{
		Grantee:    grantee{XMLNSXSI: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: s3Owner.ID, DisplayName: s3Owner.DisplayName},
		Permission: "FULL_CONTROL"}}})
}

// getBucketPolicy answers that the bucket has no policy (the emulator
// cannot hold one).
func (s *S3Server) getBucketPolicy(q *s3Req) {
	if s.bucketExists(q) {
		s.fail(q, errS3(404, "NoSuchBucketPolicy", "The bucket policy does not exist"))
	}
}

// getBucketCors answers that the bucket has no CORS configuration (the
// emulator cannot hold one).
func (s *S3Server) getBucketCors(q *s3Req) {
	if s.bucketExists(q) {
		s.fail(q, errS3(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist"))
	}
}

// getBucketVersioning answers that versioning was never enabled (the
// emulator does not implement it): an empty VersioningConfiguration, as
// S3 answers for such a bucket.
func (s *S3Server) getBucketVersioning(q *s3Req) {
	if !s.bucketExists(q) {
		return
	}
	type versioning struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
	}
	writeXML(q.w, http.StatusOK, versioning{})
}

func (s *S3Server) deleteBucket(q *s3Req) {
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	empty := ok && len(b.objects) == 0
	if empty {
		// S3 aborts the bucket's incomplete multipart uploads with it.
		delete(s.buckets, q.bucket)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.fail(q, errNoSuchBucket)
	case !empty:
		s.fail(q, errS3(409, "BucketNotEmpty", "The bucket you tried to delete is not empty"))
	default:
		q.w.WriteHeader(http.StatusNoContent)
	}
}
