package iamtest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// S3Options configures [NewS3Server].
type S3Options struct {
	// Registry holds the access keys the server accepts; share it with the
	// key emulators so that the keys they mint work here. Default: a new
	// registry.
	Registry *Registry
	// Clock is the server's time: it checks request times (±15 minutes)
	// and key expiry against it. Default: the system clock.
	Clock iam.Clock
	// Region, when set, is the only signing region accepted (as on Yandex
	// Object Storage, which wants ru-central1). Default: any region.
	Region string
}

// S3Server is an in-process, path-style S3 endpoint on 127.0.0.1 that
// verifies AWS Signature Version 4 for real: the signature is recomputed
// with aws-sdk-go-v2's signer and the secret of the access key found in
// the [Registry]; the payload hash (a SHA-256 of the body,
// UNSIGNED-PAYLOAD or the unsigned aws-chunked streaming form), the request
// time (±15 minutes on the server's clock), the key's state and expiry and
// its session token are all checked. It refuses what S3 refuses, with S3's
// XML errors: InvalidAccessKeyId (unknown, inactive, deleted or expired
// key), SignatureDoesNotMatch, ExpiredToken, InvalidToken,
// RequestTimeTooSkewed, AccessDenied.
//
// It serves enough of S3 for tests and examples: ListBuckets, CreateBucket,
// HeadBucket, DeleteBucket, GetBucketLocation, ListObjectsV2 and
// ListObjects (prefix, delimiter and CommonPrefixes, max-keys,
// continuation-token, start-after, marker, fetch-owner,
// encoding-type=url), PutObject, GetObject and HeadObject (with the
// response-* overrides) and DeleteObject, with objects kept in memory.
// Buckets are shared by all keys (no ACLs). Only path-style addressing and
// header signatures are served.
//
// It never guesses: a request it does not implement is answered 501
// NotImplemented, in S3's XML error form, and changes nothing. That is
// every sub-resource (?acl, ?tagging, ?versioning, ?cors, ?uploads,
// ?partNumber, ?versionId…), any query parameter the operation does not
// have, an x-id naming another operation, CopyObject, conditional writes
// (If-Match, If-None-Match on PUT), POST and other methods, presigned URLs
// and signed streaming payloads.
type S3Server struct {
	// URL is the endpoint, e.g. "http://127.0.0.1:41234"; use it as the S3
	// client's BaseEndpoint with path-style addressing.
	URL string
	// Registry is where the server looks up access keys.
	Registry *Registry
	// Faults injects failures; operations are named "S3/<Operation>", e.g.
	// "S3/PutObject" ("S3/Unsupported" for what the emulator does not
	// implement).
	Faults *Faults

	srv    *httptest.Server
	clock  iam.Clock
	region string
	closed chan struct{}
	once   sync.Once
	reqID  atomic.Uint64

	mu      sync.Mutex
	buckets map[string]*s3Bucket
	stats   S3Stats
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
}

type s3Object struct {
	data        []byte
	etag        string
	contentType string
	modified    time.Time
}

// NewS3Server starts an S3 emulator on a loopback port.
func NewS3Server(optFns ...func(*S3Options)) *S3Server {
	var o S3Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Registry == nil {
		o.Registry = NewRegistry()
	}
	s := &S3Server{
		Registry: o.Registry,
		Faults:   &Faults{},
		clock:    clock.Or(o.Clock),
		region:   o.Region,
		closed:   make(chan struct{}),
		buckets:  map[string]*s3Bucket{},
		stats:    S3Stats{ByAccessKey: map[string]int{}, Errors: map[string]int{}},
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("iamtest: S3 emulator cannot listen on 127.0.0.1: %v", err))
	}
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	return s
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

// s3Op names the S3 operation of a path-style request, or returns
// "Unsupported" and why: the emulator never guesses, so a request it does
// not implement (a sub-resource such as ?acl or ?tagging, multipart, a
// query parameter it does not know, a conditional write) is not mistaken
// for a neighbouring operation that it does implement.
func s3Op(r *http.Request, bucket, key string) (op, why string) {
	q := r.URL.Query()
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			op = "ListBuckets"
		}
	case key == "":
		switch r.Method {
		case http.MethodPut:
			op = "CreateBucket"
		case http.MethodHead:
			op = "HeadBucket"
		case http.MethodDelete:
			op = "DeleteBucket"
		case http.MethodGet:
			switch {
			case q.Has("location"):
				op = "GetBucketLocation"
			case q.Has("list-type"):
				if q.Get("list-type") == "2" {
					op = "ListObjectsV2"
				}
			default:
				op = "ListObjects"
			}
		}
	default:
		switch r.Method {
		case http.MethodPut:
			op = "PutObject"
			switch {
			case r.Header.Get("X-Amz-Copy-Source") != "":
				return "Unsupported", "CopyObject (PUT with x-amz-copy-source)"
			case r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Match") != "":
				return "Unsupported", "conditional writes (PUT with If-None-Match or If-Match)"
			}
		case http.MethodGet:
			op = "GetObject"
		case http.MethodHead:
			op = "HeadObject"
		case http.MethodDelete:
			op = "DeleteObject"
		}
	}
	target := "/" + bucket
	if key != "" {
		target += "/" + key
	}
	if op == "" {
		return "Unsupported", r.Method + " " + target
	}
	for name, vs := range q {
		if !s3ParamAllowed(op, name) {
			return "Unsupported", r.Method + " " + target + " with ?" + name
		}
		// x-id names the operation the SDK meant (x-id=PutObject); any
		// other (x-id=UploadPart) is an operation the emulator lacks.
		if name == "x-id" && (len(vs) != 1 || vs[0] != op) {
			return "Unsupported", r.Method + " " + target + " with ?x-id=" + strings.Join(vs, ",")
		}
	}
	return op, ""
}

// s3Params lists the query parameters each implemented operation serves
// (S3 API reference); "response-" stands for the six response-* header
// overrides of GetObject and HeadObject.
var s3Params = map[string][]string{
	"ListBuckets":       {"x-id"},
	"CreateBucket":      {"x-id"},
	"HeadBucket":        {"x-id"},
	"DeleteBucket":      {"x-id"},
	"GetBucketLocation": {"location", "x-id"},
	"ListObjectsV2":     {"list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "fetch-owner", "encoding-type", "x-id"},
	"ListObjects":       {"prefix", "delimiter", "marker", "max-keys", "encoding-type", "x-id"},
	"PutObject":         {"x-id"},
	"GetObject":         {"x-id", "response-"},
	"HeadObject":        {"x-id", "response-"},
	"DeleteObject":      {"x-id"},
}

// s3ResponseOverrides maps the response-* parameters to the header each
// sets.
var s3ResponseOverrides = map[string]string{
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
	"response-content-language":    "Content-Language",
	"response-content-type":        "Content-Type",
	"response-expires":             "Expires",
}

func s3ParamAllowed(op, name string) bool {
	for _, p := range s3Params[op] {
		if p == name || p == "response-" && s3ResponseOverrides[name] != "" {
			return true
		}
	}
	return false
}

func (s *S3Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	op, why := s3Op(r, bucket, key)
	reqID := fmt.Sprintf("%016X", s.reqID.Add(1))
	w.Header().Set("X-Amz-Request-Id", reqID)
	w.Header().Set("Server", "iamkit-s3-emulator")

	if f, ok := s.Faults.Next("S3/" + op); ok {
		if done := s.applyFault(w, r, f, reqID); done {
			return
		}
	}

	auth, serr := s.authenticate(r, s.clock.Now())
	if serr != nil {
		s.writeError(w, r, serr, reqID)
		return
	}
	s.mu.Lock()
	s.stats.Requests++
	s.stats.ByAccessKey[auth.Key.AccessKeyID]++
	s.mu.Unlock()

	switch op {
	case "ListBuckets":
		s.listBuckets(w, reqID)
	case "CreateBucket":
		s.createBucket(w, r, bucket, reqID)
	case "HeadBucket":
		s.headBucket(w, r, bucket, reqID)
	case "DeleteBucket":
		s.deleteBucket(w, r, bucket, reqID)
	case "GetBucketLocation":
		s.getBucketLocation(w, r, bucket, reqID)
	case "ListObjectsV2", "ListObjects":
		s.listObjects(w, r, op, bucket, reqID)
	case "PutObject":
		s.putObject(w, r, bucket, key, auth.Body, reqID)
	case "GetObject", "HeadObject":
		s.getObject(w, r, bucket, key, reqID)
	case "DeleteObject":
		s.deleteObject(w, r, bucket, key, reqID)
	default:
		// Nothing has been changed: the answer is S3's own for a feature
		// it lacks.
		s.writeError(w, r, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement "+why), reqID)
	}
}

// applyFault performs an injected fault; it reports whether the request
// has been answered (or dropped).
func (s *S3Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault, reqID string) bool {
	switch f.Kind {
	case FaultLatency:
		if clock.Sleep(r.Context(), s.clock, f.Delay) != nil {
			// The client left, or Close dropped the connection: answer
			// nothing (returning would send an empty 200).
			panic(http.ErrAbortHandler)
		}
		return false
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
			// Drop the connection: returning would send an empty 200.
			panic(http.ErrAbortHandler)
		}
		return true
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	default:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		code := f.Code
		if code == "" {
			switch status {
			case http.StatusServiceUnavailable:
				code = "SlowDown"
			case http.StatusForbidden:
				code = "AccessDenied"
			case http.StatusInternalServerError:
				code = "InternalError"
			default:
				code = http.StatusText(status)
			}
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		s.writeError(w, r, errS3(status, code, "injected fault"), reqID)
		return true
	}
}

type s3ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
}

func (s *S3Server) writeError(w http.ResponseWriter, r *http.Request, e *s3Error, reqID string) {
	s.mu.Lock()
	s.stats.Errors[e.Code]++
	s.mu.Unlock()
	if r.Method == http.MethodHead {
		// HEAD answers carry no body; S3 puts nothing else either.
		w.WriteHeader(e.Status)
		return
	}
	writeXML(w, e.Status, s3ErrorBody{Code: e.Code, Message: e.Message, Resource: r.URL.Path, RequestID: reqID})
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

func (s *S3Server) listBuckets(w http.ResponseWriter, _ string) {
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
	writeXML(w, http.StatusOK, out)
}

func (s *S3Server) createBucket(w http.ResponseWriter, r *http.Request, bucket, reqID string) {
	if !validBucketName(bucket) {
		s.writeError(w, r, errS3(400, "InvalidBucketName", "The specified bucket is not valid."), reqID)
		return
	}
	s.mu.Lock()
	_, exists := s.buckets[bucket]
	if !exists {
		s.buckets[bucket] = &s3Bucket{created: s.clock.Now(), objects: map[string]*s3Object{}}
	}
	s.mu.Unlock()
	if exists {
		s.writeError(w, r, errS3(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it."), reqID)
		return
	}
	w.Header().Set("Location", "/"+bucket)
	w.WriteHeader(http.StatusOK)
}

func (s *S3Server) bucketOr404(w http.ResponseWriter, r *http.Request, bucket, reqID string) (*s3Bucket, bool) {
	s.mu.Lock()
	b, ok := s.buckets[bucket]
	s.mu.Unlock()
	if !ok {
		s.writeError(w, r, errS3(404, "NoSuchBucket", "The specified bucket does not exist"), reqID)
	}
	return b, ok
}

func (s *S3Server) headBucket(w http.ResponseWriter, r *http.Request, bucket, reqID string) {
	if _, ok := s.bucketOr404(w, r, bucket, reqID); ok {
		w.WriteHeader(http.StatusOK)
	}
}

func (s *S3Server) getBucketLocation(w http.ResponseWriter, r *http.Request, bucket, reqID string) {
	if _, ok := s.bucketOr404(w, r, bucket, reqID); !ok {
		return
	}
	type loc struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
		Region  string   `xml:",chardata"`
	}
	writeXML(w, http.StatusOK, loc{Region: s.region})
}

func (s *S3Server) deleteBucket(w http.ResponseWriter, r *http.Request, bucket, reqID string) {
	s.mu.Lock()
	b, ok := s.buckets[bucket]
	empty := ok && len(b.objects) == 0
	if empty {
		delete(s.buckets, bucket)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.writeError(w, r, errS3(404, "NoSuchBucket", "The specified bucket does not exist"), reqID)
	case !empty:
		s.writeError(w, r, errS3(409, "BucketNotEmpty", "The bucket you tried to delete is not empty"), reqID)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

type s3OwnerXML struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

// s3Owner owns every bucket and object (the emulator has no ACLs).
var s3Owner = &s3OwnerXML{ID: "iamkit", DisplayName: "iamkit"}

type s3ContentXML struct {
	Key          string      `xml:"Key"`
	LastModified string      `xml:"LastModified"`
	ETag         string      `xml:"ETag"`
	Size         int         `xml:"Size"`
	Owner        *s3OwnerXML `xml:"Owner,omitempty"`
	StorageClass string      `xml:"StorageClass"`
}

type s3PrefixXML struct {
	Prefix string `xml:"Prefix"`
}

type listBucketV2Result struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	Contents              []s3ContentXML `xml:"Contents"`
	CommonPrefixes        []s3PrefixXML  `xml:"CommonPrefixes"`
}

type listBucketV1Result struct {
	XMLName        xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []s3ContentXML `xml:"Contents"`
	CommonPrefixes []s3PrefixXML  `xml:"CommonPrefixes"`
}

// s3URLEncode encodes a name for encoding-type=url as S3 does: query
// escaping (a space is '+'), except that '/' and '*' are kept and '~' is
// escaped.
func s3URLEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "%2F", "/")
	e = strings.ReplaceAll(e, "%2A", "*")
	return strings.ReplaceAll(e, "~", "%7E")
}

// s3ListItem is one entry of a listing: an object, or a common prefix
// (obj nil) that rolls up the keys sharing it.
type s3ListItem struct {
	name string
	obj  *s3Object
}

// listObjects serves ListObjectsV2 (GET ?list-type=2) and ListObjects
// (GET without it): prefix, delimiter (CommonPrefixes), max-keys, the
// position (continuation-token or start-after; marker), fetch-owner and
// encoding-type=url. Keys and common prefixes count alike against
// max-keys; a listing resumed after a common prefix skips every key under
// it.
func (s *S3Server) listObjects(w http.ResponseWriter, r *http.Request, op, bucket, reqID string) {
	q := r.URL.Query()
	v2 := op == "ListObjectsV2"
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.writeError(w, r, errS3(400, "InvalidArgument", "max-keys must be a non-negative integer"), reqID)
			return
		}
		maxKeys = min(n, 1000)
	}
	enc := q.Get("encoding-type")
	if q.Has("encoding-type") && enc != "url" {
		s.writeError(w, r, errS3(400, "InvalidArgument", "Invalid Encoding Method specified in Request"), reqID)
		return
	}
	fetchOwner := !v2
	if v := q.Get("fetch-owner"); v2 && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.writeError(w, r, errS3(400, "InvalidArgument", "fetch-owner must be true or false"), reqID)
			return
		}
		fetchOwner = b
	}
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	token, startAfter, marker := q.Get("continuation-token"), q.Get("start-after"), q.Get("marker")
	after := marker
	if v2 {
		after = startAfter
		if token != "" {
			raw, err := hex.DecodeString(token)
			if err != nil {
				s.writeError(w, r, errS3(400, "InvalidArgument", "The continuation token provided is incorrect"), reqID)
				return
			}
			after = string(raw)
		}
	}

	s.mu.Lock()
	b, ok := s.buckets[bucket]
	var keys []string
	objs := map[string]*s3Object{}
	if ok {
		for k, o := range b.objects {
			if strings.HasPrefix(k, prefix) && k > after {
				keys = append(keys, k)
				c := *o
				objs[k] = &c
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, r, errS3(404, "NoSuchBucket", "The specified bucket does not exist"), reqID)
		return
	}
	sort.Strings(keys)
	var items []s3ListItem
	for _, k := range keys {
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if cp <= after || len(items) > 0 && items[len(items)-1].obj == nil && items[len(items)-1].name == cp {
					continue
				}
				items = append(items, s3ListItem{name: cp})
				continue
			}
		}
		items = append(items, s3ListItem{name: k, obj: objs[k]})
	}
	truncated := len(items) > maxKeys
	if truncated {
		items = items[:maxKeys]
	}
	name := func(s string) string {
		if enc == "url" {
			return s3URLEncode(s)
		}
		return s
	}
	var contents []s3ContentXML
	var cps []s3PrefixXML
	for _, it := range items {
		if it.obj == nil {
			cps = append(cps, s3PrefixXML{Prefix: name(it.name)})
			continue
		}
		c := s3ContentXML{Key: name(it.name), LastModified: it.obj.modified.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: it.obj.etag, Size: len(it.obj.data), StorageClass: "STANDARD"}
		if fetchOwner {
			c.Owner = s3Owner
		}
		contents = append(contents, c)
	}
	last := ""
	if len(items) > 0 {
		last = items[len(items)-1].name
	}
	if v2 {
		out := listBucketV2Result{Name: bucket, Prefix: name(prefix), Delimiter: name(delim), MaxKeys: maxKeys, EncodingType: enc,
			IsTruncated: truncated, ContinuationToken: token, StartAfter: name(startAfter), Contents: contents, CommonPrefixes: cps,
			KeyCount: len(items)}
		if truncated && last != "" {
			out.NextContinuationToken = hex.EncodeToString([]byte(last))
		}
		writeXML(w, http.StatusOK, out)
		return
	}
	out := listBucketV1Result{Name: bucket, Prefix: name(prefix), Marker: name(marker), MaxKeys: maxKeys, Delimiter: name(delim),
		EncodingType: enc, IsTruncated: truncated, Contents: contents, CommonPrefixes: cps}
	if truncated && delim != "" {
		// S3 returns NextMarker only with a delimiter; otherwise the
		// client resumes after the last key.
		out.NextMarker = name(last)
	}
	writeXML(w, http.StatusOK, out)
}

func (s *S3Server) putObject(w http.ResponseWriter, r *http.Request, bucket, key string, body []byte, reqID string) {
	sum := md5.Sum(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "binary/octet-stream"
	}
	s.mu.Lock()
	b, ok := s.buckets[bucket]
	if ok {
		b.objects[key] = &s3Object{data: body, etag: etag, contentType: ct, modified: s.clock.Now()}
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, r, errS3(404, "NoSuchBucket", "The specified bucket does not exist"), reqID)
		return
	}
	w.Header().Set("ETag", etag)
	w.WriteHeader(http.StatusOK)
}

func (s *S3Server) getObject(w http.ResponseWriter, r *http.Request, bucket, key, reqID string) {
	s.mu.Lock()
	b, ok := s.buckets[bucket]
	var obj s3Object
	found := false
	if ok {
		if o, exists := b.objects[key]; exists {
			obj, found = *o, true
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.writeError(w, r, errS3(404, "NoSuchBucket", "The specified bucket does not exist"), reqID)
		return
	case !found:
		s.writeError(w, r, errS3(404, "NoSuchKey", "The specified key does not exist."), reqID)
		return
	}
	h := w.Header()
	h.Set("ETag", obj.etag)
	h.Set("Content-Type", obj.contentType)
	h.Set("Last-Modified", obj.modified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.Itoa(len(obj.data)))
	// response-* parameters override the answer's headers (only; the
	// object keeps its own).
	for p, v := range r.URL.Query() {
		if hdr := s3ResponseOverrides[p]; hdr != "" && len(v) > 0 {
			h.Set(hdr, v[0])
		}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(obj.data)
	}
}

func (s *S3Server) deleteObject(w http.ResponseWriter, r *http.Request, bucket, key, reqID string) {
	s.mu.Lock()
	b, ok := s.buckets[bucket]
	if ok {
		delete(b.objects, key)
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, r, errS3(404, "NoSuchBucket", "The specified bucket does not exist"), reqID)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
