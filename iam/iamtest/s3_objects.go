package iamtest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// storedHeaders are the request headers an object keeps and is served
// with, besides its user metadata (X-Amz-Meta-*).
var storedHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// maxMetadata is S3's limit on user metadata: 2 KB, the names (without
// x-amz-meta-) and values in UTF-8.
const maxMetadata = 2 << 10

// maxKeyLength is S3's limit on an object key, in bytes.
const maxKeyLength = 1024

// objectHeader returns what an object created by a request keeps: the
// stored headers (Content-Type defaults to binary/octet-stream; the
// transfer's aws-chunked is not the object's Content-Encoding) and the
// user metadata, at most 2 KB.
func objectHeader(h http.Header) (http.Header, *s3Error) {
	out := http.Header{}
	for _, n := range storedHeaders {
		if v := h.Get(n); v != "" {
			out.Set(n, v)
		}
	}
	if ce := out.Get("Content-Encoding"); ce != "" {
		var keep []string
		for tok := range strings.SplitSeq(ce, ",") {
			if tok = strings.TrimSpace(tok); tok != "" && !strings.EqualFold(tok, "aws-chunked") {
				keep = append(keep, tok)
			}
		}
		out.Del("Content-Encoding")
		if len(keep) > 0 {
			out.Set("Content-Encoding", strings.Join(keep, ","))
		}
	}
	if out.Get("Content-Type") == "" {
		out.Set("Content-Type", "binary/octet-stream")
	}
	size := 0
	for k, vs := range h {
		name, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-")
		if !ok {
			continue
		}
		v := strings.Join(vs, ",")
		out.Set(k, v)
		size += len(name) + len(v)
	}
	if size > maxMetadata {
		return nil, errS3(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
	}
	return out, nil
}

// md5ETag is the ETag of an object stored whole: the hex MD5, quoted.
func md5ETag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// checkKey refuses a key longer than S3 allows.
func (s *S3Server) checkKey(q *s3Req) bool {
	if len(q.key) > maxKeyLength {
		s.fail(q, errS3(400, "KeyTooLongError", "Your key is too long"))
		return false
	}
	return true
}

// storeObject puts obj under the request's key; it answers NoSuchBucket
// if there is no bucket.
func (s *S3Server) storeObject(q *s3Req, obj *s3Object) bool {
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	if ok {
		b.objects[q.key] = obj
	}
	s.mu.Unlock()
	if !ok {
		s.fail(q, errNoSuchBucket)
	}
	return ok
}

// object returns a stored object; it answers NoSuchBucket or NoSuchKey
// if there is none.
func (s *S3Server) object(q *s3Req, bucket, key string) (*s3Object, bool) {
	s.mu.Lock()
	b, ok := s.buckets[bucket]
	var obj *s3Object
	if ok {
		obj = b.objects[key]
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.fail(q, errNoSuchBucket)
	case obj == nil:
		s.fail(q, errNoSuchKey)
	}
	return obj, obj != nil
}

func (s *S3Server) putObject(q *s3Req) {
	if !s.checkKey(q) {
		return
	}
	hdr, serr := objectHeader(q.r.Header)
	if serr != nil {
		s.fail(q, serr)
		return
	}
	obj := &s3Object{data: q.body.data, etag: md5ETag(q.body.data), modified: s.clock.Now(), header: hdr, checksum: q.body.checksum}
	if !s.storeObject(q, obj) {
		return
	}
	q.w.Header().Set("ETag", obj.etag)
	setChecksumHeader(q.w.Header(), obj.checksum)
	q.w.WriteHeader(http.StatusOK)
}

// getObject serves GetObject and HeadObject: the conditions (If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since) first, then a
// Range (206), the stored headers and user metadata, the response-*
// overrides, and with x-amz-checksum-mode: ENABLED the object's checksum.
func (s *S3Server) getObject(q *s3Req) {
	obj, ok := s.object(q, q.bucket, q.key)
	if !ok {
		return
	}
	h := q.w.Header()
	h.Set("ETag", obj.etag)
	h.Set("Last-Modified", obj.modified.UTC().Format(http.TimeFormat))
	switch checkConditions(q.r.Header, obj.etag, obj.modified, false) {
	case http.StatusNotModified:
		q.w.WriteHeader(http.StatusNotModified)
		return
	case http.StatusPreconditionFailed:
		s.fail(q, errPreconditionFailed)
		return
	}
	size := int64(len(obj.data))
	rg, serr := requestedRange(q.r.Header, obj.etag, obj.modified, size)
	if serr != nil {
		if serr.Code == "InvalidRange" {
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		}
		s.fail(q, serr)
		return
	}
	for k, vs := range obj.header {
		h[k] = vs
	}
	h.Set("Accept-Ranges", "bytes")
	if !rg.partial && strings.EqualFold(q.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		setChecksumHeader(h, obj.checksum)
	}
	// response-* parameters override the answer's headers (only; the
	// object keeps its own).
	for p, v := range q.r.URL.Query() {
		if hdr := s3ResponseOverrides[p]; hdr != "" && len(v) > 0 {
			h.Set(hdr, v[0])
		}
	}
	status := http.StatusOK
	if rg.partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(rg.start, 10)+"-"+strconv.FormatInt(rg.end, 10)+"/"+strconv.FormatInt(size, 10))
	}
	h.Set("Content-Length", strconv.FormatInt(rg.end-rg.start+1, 10))
	q.w.WriteHeader(status)
	if q.r.Method != http.MethodHead {
		_, _ = q.w.Write(obj.data[rg.start : rg.end+1])
	}
}

// getObjectTagging answers an object's tag set, which is empty: the
// emulator refuses every request that would set tags (the AWS CLI reads
// the tags of an object it copies).
func (s *S3Server) getObjectTagging(q *s3Req) {
	if _, ok := s.object(q, q.bucket, q.key); !ok {
		return
	}
	type tagging struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
		TagSet  struct{} `xml:"TagSet"`
	}
	writeXML(q.w, http.StatusOK, tagging{})
}

// deleteObject serves DeleteObject, with If-Match as S3 evaluates it: a
// key that does not match is 412 and is kept; with If-Match, a missing key
// is 404 NoSuchKey (without, deleting it succeeds).
func (s *S3Server) deleteObject(q *s3Req) {
	ifMatch := q.r.Header.Values("If-Match")
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	serr := errNoSuchBucket
	if ok {
		obj := b.objects[q.key]
		switch {
		case len(ifMatch) > 0 && obj == nil:
			serr = errNoSuchKey
		case len(ifMatch) > 0 && !etagListMatches(strings.Join(ifMatch, ","), obj.etag):
			serr = errPreconditionFailed
		default:
			serr = nil
			delete(b.objects, q.key)
		}
	}
	s.mu.Unlock()
	if serr != nil {
		s.fail(q, serr)
		return
	}
	q.w.WriteHeader(http.StatusNoContent)
}

// maxDeleteObjects is S3's limit on the keys of one DeleteObjects.
const maxDeleteObjects = 1000

type deleteRequestXML struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key              *string `xml:"Key"`
		VersionID        string  `xml:"VersionId"`
		ETag             string  `xml:"ETag"`
		LastModifiedTime string  `xml:"LastModifiedTime"`
		Size             string  `xml:"Size"`
	} `xml:"Object"`
}

type deleteResultXML struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []struct {
		Key string `xml:"Key"`
	} `xml:"Deleted"`
}

var errMalformedXML = errS3(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")

// deleteObjects serves DeleteObjects (POST ?delete): up to 1000 keys,
// quiet mode, Content-MD5 or an x-amz-checksum-* required as S3 requires
// (both verified by readBody). Deleting a missing key succeeds, as on S3.
func (s *S3Server) deleteObjects(q *s3Req) {
	if q.r.Header.Get("Content-Md5") == "" && q.body.checksum.Alg == "" {
		s.fail(q, errS3(400, "InvalidRequest", "Missing required header for this request: Content-MD5 or x-amz-checksum-*"))
		return
	}
	var req deleteRequestXML
	if err := xml.Unmarshal(q.body.data, &req); err != nil || len(req.Objects) == 0 || len(req.Objects) > maxDeleteObjects {
		s.fail(q, errMalformedXML)
		return
	}
	for _, o := range req.Objects {
		switch {
		case o.Key == nil:
			s.fail(q, errMalformedXML)
			return
		case o.VersionID != "":
			s.fail(q, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement versioning (DeleteObjects with a VersionId)"))
			return
		case o.ETag != "" || o.LastModifiedTime != "" || o.Size != "":
			s.fail(q, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement conditional deletes (DeleteObjects with ETag, LastModifiedTime or Size)"))
			return
		}
	}
	var out deleteResultXML
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	if ok {
		for _, o := range req.Objects {
			delete(b.objects, *o.Key)
			if !req.Quiet {
				out.Deleted = append(out.Deleted, struct {
					Key string `xml:"Key"`
				}{*o.Key})
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		s.fail(q, errNoSuchBucket)
		return
	}
	writeXML(q.w, http.StatusOK, out)
}

// copySource parses x-amz-copy-source: "[/]bucket/key", URL-encoded. A
// version (?versionId=) is not implemented.
func copySource(h http.Header) (bucket, key string, serr *s3Error) {
	vals := h.Values("X-Amz-Copy-Source")
	if len(vals) != 1 {
		return "", "", errS3(400, "InvalidArgument", "x-amz-copy-source must be sent once")
	}
	p, query, _ := strings.Cut(vals[0], "?")
	if query != "" {
		return "", "", errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement versioning (x-amz-copy-source with "+query+")")
	}
	p, err := url.PathUnescape(strings.TrimPrefix(p, "/"))
	bucket, key, _ = strings.Cut(p, "/")
	if err != nil || bucket == "" || key == "" {
		return "", "", errS3(400, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return bucket, key, nil
}

// copySourceObject finds the source of a copy and checks the
// x-amz-copy-source-if-* conditions on it.
func (s *S3Server) copySourceObject(q *s3Req) (*s3Object, bool) {
	bucket, key, serr := copySource(q.r.Header)
	if serr != nil {
		s.fail(q, serr)
		return nil, false
	}
	src, ok := s.object(q, bucket, key)
	if !ok {
		return nil, false
	}
	if checkConditions(q.r.Header, src.etag, src.modified, true) != 0 {
		s.fail(q, errPreconditionFailed)
		return nil, false
	}
	return src, true
}

type copyObjectResultXML struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// copyObject serves CopyObject (PUT with x-amz-copy-source): the metadata
// directive COPY (the default: the source's headers and metadata) or
// REPLACE (the request's).
func (s *S3Server) copyObject(q *s3Req) {
	if !s.checkKey(q) {
		return
	}
	if q.r.Header.Get("X-Amz-Copy-Source-Range") != "" {
		s.fail(q, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement x-amz-copy-source-range on CopyObject (it belongs to UploadPartCopy)"))
		return
	}
	directive := strings.ToUpper(q.r.Header.Get("X-Amz-Metadata-Directive"))
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		s.fail(q, errS3(400, "InvalidArgument", "Unknown metadata directive."))
		return
	}
	src, ok := s.copySourceObject(q)
	if !ok {
		return
	}
	srcBucket, srcKey, _ := copySource(q.r.Header)
	if srcBucket == q.bucket && srcKey == q.key && directive != "REPLACE" {
		s.fail(q, errS3(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."))
		return
	}
	obj := &s3Object{data: src.data, etag: md5ETag(src.data), modified: s.clock.Now(), header: src.header, checksum: src.checksum}
	if directive == "REPLACE" {
		hdr, serr := objectHeader(q.r.Header)
		if serr != nil {
			s.fail(q, serr)
			return
		}
		obj.header = hdr
	}
	if !s.storeObject(q, obj) {
		return
	}
	writeXML(q.w, http.StatusOK, copyObjectResultXML{ETag: obj.etag, LastModified: obj.modified.UTC().Format(s3TimeFormat)})
}

// s3TimeFormat is how S3 writes times in XML.
const s3TimeFormat = "2006-01-02T15:04:05.000Z"
