package iamtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// s3Op names the S3 operation of a path-style request, or returns
// "Unsupported" and why: the emulator never guesses, so a request it does
// not implement (a sub-resource such as ?acl or ?tagging, a query
// parameter or a header asking for what it lacks, a conditional write) is
// not mistaken for a neighbouring operation that it does implement.
func s3Op(r *http.Request, bucket, key string) (op, why string) {
	q := r.URL.Query()
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			op = "ListBuckets"
		}
	case key == "":
		op = s3BucketOp(r.Method, q)
	default:
		op, why = s3ObjectOp(r, q)
		if why != "" {
			return "Unsupported", why
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
		// other (x-id=PutObjectTagging) is an operation the emulator
		// lacks.
		if name == "x-id" && (len(vs) != 1 || vs[0] != op) {
			return "Unsupported", r.Method + " " + target + " with ?x-id=" + strings.Join(vs, ",")
		}
	}
	if why := s3UnsupportedHeader(r.Header); why != "" {
		return "Unsupported", op + " with " + why
	}
	return op, ""
}

func s3BucketOp(method string, q url.Values) string {
	switch method {
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	case http.MethodPost:
		if q.Has("delete") {
			return "DeleteObjects"
		}
	case http.MethodGet:
		switch {
		case q.Has("location"):
			return "GetBucketLocation"
		case q.Has("versioning"):
			return "GetBucketVersioning"
		case q.Has("acl"):
			return "GetBucketAcl"
		case q.Has("policy"):
			return "GetBucketPolicy"
		case q.Has("cors"):
			return "GetBucketCors"
		case q.Has("uploads"):
			return "ListMultipartUploads"
		case q.Has("list-type"):
			if q.Get("list-type") == "2" {
				return "ListObjectsV2"
			}
		default:
			return "ListObjects"
		}
	}
	return ""
}

func s3ObjectOp(r *http.Request, q url.Values) (op, why string) {
	copySource := len(r.Header.Values("X-Amz-Copy-Source")) > 0
	switch r.Method {
	case http.MethodPut:
		switch {
		case q.Has("uploadId") && copySource:
			return "UploadPartCopy", ""
		case q.Has("uploadId"):
			return "UploadPart", ""
		case conditional(r.Header):
			return "", "conditional writes (PUT with If-None-Match or If-Match)"
		case copySource:
			return "CopyObject", ""
		}
		return "PutObject", ""
	case http.MethodGet:
		switch {
		case q.Has("uploadId"):
			return "ListParts", ""
		case q.Has("tagging"):
			return "GetObjectTagging", ""
		case q.Has("acl"):
			return "GetObjectAcl", ""
		}
		return "GetObject", ""
	case http.MethodHead:
		return "HeadObject", ""
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return "CreateMultipartUpload", ""
		case q.Has("uploadId"):
			if conditional(r.Header) {
				return "", "conditional writes (CompleteMultipartUpload with If-None-Match or If-Match)"
			}
			return "CompleteMultipartUpload", ""
		}
	case http.MethodDelete:
		if q.Has("uploadId") {
			if len(r.Header.Values("X-Amz-If-Match-Initiated-Time")) > 0 {
				return "", "conditional aborts (AbortMultipartUpload with x-amz-if-match-initiated-time, which S3 serves on directory buckets)"
			}
			return "AbortMultipartUpload", ""
		}
		// S3 evaluates If-Match on DeleteObject (the emulator does); the
		// size and time conditions are for directory buckets, and the
		// others are not DeleteObject's.
		for _, h := range []string{"X-Amz-If-Match-Size", "X-Amz-If-Match-Last-Modified-Time", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
			if len(r.Header.Values(h)) > 0 {
				return "", "conditional deletes with " + strings.ToLower(h) + " (DeleteObject takes If-Match; x-amz-if-match-size and x-amz-if-match-last-modified-time are for directory buckets)"
			}
		}
		return "DeleteObject", ""
	}
	return "", ""
}

// s3Params lists the query parameters each implemented operation serves
// (S3 API reference); "response-" stands for the six response-* header
// overrides of GetObject and HeadObject. The parameters of a presigned URL
// are allowed everywhere.
var s3Params = map[string][]string{
	"ListBuckets":             {"x-id"},
	"CreateBucket":            {"x-id"},
	"HeadBucket":              {"x-id"},
	"DeleteBucket":            {"x-id"},
	"GetBucketLocation":       {"location", "x-id"},
	"GetBucketVersioning":     {"versioning", "x-id"},
	"GetBucketAcl":            {"acl", "x-id"},
	"GetBucketPolicy":         {"policy", "x-id"},
	"GetBucketCors":           {"cors", "x-id"},
	"GetObjectAcl":            {"acl", "x-id"},
	"ListObjectsV2":           {"list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "fetch-owner", "encoding-type", "x-id"},
	"ListObjects":             {"prefix", "delimiter", "marker", "max-keys", "encoding-type", "x-id"},
	"ListMultipartUploads":    {"uploads", "prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads", "encoding-type", "x-id"},
	"DeleteObjects":           {"delete", "x-id"},
	"PutObject":               {"x-id"},
	"CopyObject":              {"x-id"},
	"GetObject":               {"x-id", "response-"},
	"GetObjectTagging":        {"tagging", "x-id"},
	"HeadObject":              {"x-id", "response-"},
	"DeleteObject":            {"x-id"},
	"CreateMultipartUpload":   {"uploads", "x-id"},
	"UploadPart":              {"partNumber", "uploadId", "x-id"},
	"UploadPartCopy":          {"partNumber", "uploadId", "x-id"},
	"CompleteMultipartUpload": {"uploadId", "x-id"},
	"AbortMultipartUpload":    {"uploadId", "x-id"},
	"ListParts":               {"uploadId", "max-parts", "part-number-marker", "x-id"},
}

// s3PresignParams are the query parameters of a presigned URL.
var s3PresignParams = map[string]bool{
	"X-Amz-Algorithm": true, "X-Amz-Credential": true, "X-Amz-Date": true, "X-Amz-Expires": true,
	"X-Amz-SignedHeaders": true, "X-Amz-Signature": true, "X-Amz-Security-Token": true,
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
	if s3PresignParams[name] {
		return true
	}
	for _, p := range s3Params[op] {
		if p == name || p == "response-" && s3ResponseOverrides[name] != "" {
			return true
		}
	}
	return false
}

// s3HeaderValues lists request headers that ask for a feature: the
// values the emulator serves (what it does anyway: no ACLs beyond the
// owner's, the STANDARD class, S3's default encryption), none for a
// feature it lacks (tags, object lock, grants, customer or KMS keys,
// website redirects).
var s3HeaderValues = map[string][]string{
	"X-Amz-Acl":                                                   {"private", "bucket-owner-full-control"},
	"X-Amz-Storage-Class":                                         {"STANDARD"},
	"X-Amz-Server-Side-Encryption":                                {"AES256"},
	"X-Amz-Tagging-Directive":                                     {"COPY"},
	"X-Amz-Bucket-Object-Lock-Enabled":                            {"false"},
	"X-Amz-Object-Ownership":                                      {"BucketOwnerEnforced"},
	"X-Amz-Tagging":                                               nil,
	"X-Amz-Object-Lock-Mode":                                      nil,
	"X-Amz-Object-Lock-Retain-Until-Date":                         nil,
	"X-Amz-Object-Lock-Legal-Hold":                                nil,
	"X-Amz-Website-Redirect-Location":                             nil,
	"X-Amz-Grant-Full-Control":                                    nil,
	"X-Amz-Grant-Read":                                            nil,
	"X-Amz-Grant-Read-Acp":                                        nil,
	"X-Amz-Grant-Write":                                           nil,
	"X-Amz-Grant-Write-Acp":                                       nil,
	"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id":                 nil,
	"X-Amz-Server-Side-Encryption-Context":                        nil,
	"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled":             nil,
	"X-Amz-Server-Side-Encryption-Customer-Algorithm":             nil,
	"X-Amz-Server-Side-Encryption-Customer-Key":                   nil,
	"X-Amz-Server-Side-Encryption-Customer-Key-Md5":               nil,
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm": nil,
	"X-Amz-Write-Offset-Bytes":                                    nil,
}

// s3UnsupportedHeader returns what a request header asks for that the
// emulator lacks, or "". Every value of a header sent more than once
// counts, and a header present with no value the emulator serves (even an
// empty one) asks for the feature.
func s3UnsupportedHeader(h http.Header) string {
	for name, allowed := range s3HeaderValues {
		for _, v := range h.Values(name) {
			ok := false
			for _, a := range allowed {
				ok = ok || strings.EqualFold(v, a)
			}
			if !ok {
				return strings.ToLower(name) + ": " + strconv.Quote(v)
			}
		}
	}
	return ""
}

// conditional reports whether a request carries If-Match or
// If-None-Match, with any value (an empty one included).
func conditional(h http.Header) bool {
	return len(h.Values("If-Match")) > 0 || len(h.Values("If-None-Match")) > 0
}
