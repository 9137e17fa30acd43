package iamtest

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// S3's multipart rules.
const (
	minPartSize = 5 << 20 // every part but the last
	maxPartNum  = 10000
)

// s3Upload is a multipart upload in progress.
type s3Upload struct {
	id, key   string
	initiated time.Time
	header    http.Header // what the object will keep
	checksum  s3UploadChecksum
	parts     map[int]*s3Part
}

// s3Part is an uploaded part. It is never changed in place.
type s3Part struct {
	data     []byte
	md5      [md5.Size]byte
	modified time.Time
	checksum s3Checksum
}

// size is the total size of the upload's parts (the server locked).
func (u *s3Upload) size() int64 {
	n := int64(0)
	for _, p := range u.parts {
		n += int64(len(p.data))
	}
	return n
}

// partSize is the size of part n, 0 if there is none.
func (u *s3Upload) partSize(n int) int64 {
	if p := u.parts[n]; p != nil {
		return int64(len(p.data))
	}
	return 0
}

func (p *s3Part) etag() string { return `"` + hex.EncodeToString(p.md5[:]) + `"` }

var errInvalidPart = errS3(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")

var errNoSuchUpload = errS3(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")

// newUploadID returns an opaque upload ID that sorts by creation.
func (s *S3Server) newUploadID() string {
	var r [9]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%012d", s.uploadSeq.Add(1)) + hex.EncodeToString(r[:])
}

// lockedUpload returns the request's upload (?uploadId, of this key), with the
// server locked; it answers NoSuchBucket or NoSuchUpload (and unlocks) if
// there is none.
func (s *S3Server) lockedUpload(q *s3Req) (*s3Bucket, *s3Upload, bool) {
	id := q.r.URL.Query().Get("uploadId")
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	if !ok {
		s.mu.Unlock()
		s.fail(q, errNoSuchBucket)
		return nil, nil, false
	}
	u := b.uploads[id]
	if u == nil || u.key != q.key {
		s.mu.Unlock()
		s.fail(q, errNoSuchUpload)
		return nil, nil, false
	}
	return b, u, true
}

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// createMultipartUpload serves CreateMultipartUpload (POST ?uploads): the
// object's headers and metadata are given now.
func (s *S3Server) createMultipartUpload(q *s3Req) {
	if !s.checkKey(q) {
		return
	}
	hdr, serr := objectHeader(q.r.Header)
	if serr != nil {
		s.fail(q, serr)
		return
	}
	sum, serr := uploadChecksum(q.r.Header)
	if serr != nil {
		s.fail(q, serr)
		return
	}
	u := &s3Upload{id: s.newUploadID(), key: q.key, initiated: s.clock.Now(), header: hdr, checksum: sum, parts: map[int]*s3Part{}}
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	if ok {
		b.uploads[u.id] = u
	}
	s.mu.Unlock()
	if !ok {
		s.fail(q, errNoSuchBucket)
		return
	}
	u.checksum.setHeaders(q.w.Header())
	writeXML(q.w, http.StatusOK, initiateMultipartUploadResult{Bucket: q.bucket, Key: q.key, UploadID: u.id})
}

type copyPartResultXML struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	s3ChecksumsXML
}

// s3ChecksumsXML are the checksum elements of a part or an object.
type s3ChecksumsXML struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

// get returns the value given for alg.
func (x s3ChecksumsXML) get(alg string) string {
	return map[string]string{"CRC32": x.ChecksumCRC32, "CRC32C": x.ChecksumCRC32C, "CRC64NVME": x.ChecksumCRC64NVME,
		"SHA1": x.ChecksumSHA1, "SHA256": x.ChecksumSHA256}[alg]
}

// checksumsXML puts a checksum in its element.
func checksumsXML(c s3Checksum) s3ChecksumsXML {
	var x s3ChecksumsXML
	switch c.Alg {
	case "CRC32":
		x.ChecksumCRC32 = c.Value
	case "CRC32C":
		x.ChecksumCRC32C = c.Value
	case "CRC64NVME":
		x.ChecksumCRC64NVME = c.Value
	case "SHA1":
		x.ChecksumSHA1 = c.Value
	case "SHA256":
		x.ChecksumSHA256 = c.Value
	}
	return x
}

// uploadPart serves UploadPart (PUT ?partNumber&uploadId) and
// UploadPartCopy (the same with x-amz-copy-source, and
// x-amz-copy-source-range "bytes=first-last"). A part replaces the one of
// the same number.
func (s *S3Server) uploadPart(q *s3Req) {
	n, err := strconv.Atoi(q.r.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > maxPartNum {
		s.fail(q, errS3(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive"))
		return
	}
	copying := q.op == "UploadPartCopy"
	part := &s3Part{data: q.body.data, modified: s.clock.Now(), checksum: q.body.checksum}
	if copying {
		src, ok := s.copySourceObject(q)
		if !ok {
			return
		}
		data, serr := copySourceRange(q.r.Header.Get("X-Amz-Copy-Source-Range"), src.data)
		if serr != nil {
			s.fail(q, serr)
			return
		}
		part.data, part.checksum = data, s3Checksum{}
	}
	if int64(len(part.data)) > s.maxObject {
		s.fail(q, s.errTooLarge())
		return
	}
	part.md5 = md5.Sum(part.data)
	_, u, ok := s.lockedUpload(q)
	if !ok {
		return
	}
	if copying {
		// S3 computes the checksum of a copied part.
		part.checksum = newChecksum(u.checksum.Alg, part.data)
	}
	part.checksum.Type = ""
	serr := u.checksum.checkPart(part.checksum)
	if serr == nil && u.size()-u.partSize(n)+int64(len(part.data)) > s.maxObject {
		// The parts make one object, capped as any.
		serr = s.errTooLarge()
	}
	if serr == nil {
		u.parts[n] = part
	}
	s.mu.Unlock()
	if serr != nil {
		s.fail(q, serr)
		return
	}
	if copying {
		writeXML(q.w, http.StatusOK, copyPartResultXML{ETag: part.etag(), LastModified: part.modified.UTC().Format(s3TimeFormat), s3ChecksumsXML: checksumsXML(part.checksum)})
		return
	}
	q.w.Header().Set("ETag", part.etag())
	setChecksumHeader(q.w.Header(), part.checksum)
	q.w.WriteHeader(http.StatusOK)
}

// copySourceRange applies x-amz-copy-source-range ("bytes=first-last",
// within the source) to the source's data.
func copySourceRange(v string, data []byte) ([]byte, *s3Error) {
	if v == "" {
		return data, nil
	}
	bad := errS3(400, "InvalidArgument", "Range specified is not valid for source object of size: "+strconv.Itoa(len(data)))
	spec, ok := strings.CutPrefix(v, "bytes=")
	first, last, ok2 := strings.Cut(spec, "-")
	a, err1 := strconv.ParseInt(first, 10, 64)
	b, err2 := strconv.ParseInt(last, 10, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || a < 0 || b < a || b >= int64(len(data)) {
		return nil, bad
	}
	return data[a : b+1], nil
}

type completeMultipartUploadXML struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		s3ChecksumsXML
	} `xml:"Part"`
}

type completeMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	s3ChecksumsXML
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

// completeMultipartUpload serves CompleteMultipartUpload (POST
// ?uploadId): the parts listed, in ascending order, each with its ETag
// (and, for an upload with a COMPOSITE checksum, its checksum), every one
// but the last at least 5 MiB, become the object, whose ETag is the MD5 of
// the parts' MD5s followed by "-<number of parts>", and whose checksum
// is the upload's.
//
// The parts are copied and checksummed without the server's lock (up to
// MaxObjectSize of them: other requests go on meanwhile); the object is
// stored only if the bucket still holds the upload with the very parts
// used, otherwise the parts are checked again (an abort meanwhile is
// NoSuchUpload, a listed part replaced by another ETag InvalidPart).
func (s *S3Server) completeMultipartUpload(q *s3Req) {
	var req completeMultipartUploadXML
	if err := xml.Unmarshal(q.body.data, &req); err != nil || len(req.Parts) == 0 {
		s.fail(q, errMalformedXML)
		return
	}
	for attempt := 0; ; attempt++ {
		b, u, ok := s.lockedUpload(q)
		if !ok {
			return
		}
		parts, total, serr := s.listedParts(u, &req)
		s.mu.Unlock()
		if serr != nil {
			s.fail(q, serr)
			return
		}
		if s.assembling != nil {
			s.assembling()
		}
		obj, serr := s.assemble(q.r.Header, u, parts, total)
		if serr != nil {
			s.fail(q, serr)
			return
		}
		s.mu.Lock()
		current := s.buckets[q.bucket] == b && b.uploads[u.id] == u
		unchanged := current && samePartsListed(u, &req, parts)
		if unchanged {
			delete(b.uploads, u.id)
			b.objects[q.key] = obj
		}
		s.mu.Unlock()
		switch {
		case unchanged:
			writeXML(q.w, http.StatusOK, completeMultipartUploadResult{Location: "http://" + q.r.Host + "/" + q.bucket + "/" + q.key,
				Bucket: q.bucket, Key: q.key, ETag: obj.etag, s3ChecksumsXML: checksumsXML(obj.checksum), ChecksumType: obj.checksum.Type})
			return
		case current && attempt >= 2:
			// Its parts keep being replaced by parts of the same ETags.
			s.fail(q, errS3(409, "OperationAborted", "A conflicting conditional operation is currently in progress against this resource. Please try again."))
			return
		}
		// Checked again: the upload or a part changed meanwhile.
	}
}

// samePartsListed reports whether the upload still holds, under the
// numbers req lists, the parts used (parts are never changed in place).
func samePartsListed(u *s3Upload, req *completeMultipartUploadXML, parts []*s3Part) bool {
	for i, p := range req.Parts {
		if u.parts[p.PartNumber] != parts[i] {
			return false
		}
	}
	return true
}

// listedParts checks the parts a CompleteMultipartUpload lists against the
// upload (the server locked) and returns them, with their total size.
func (s *S3Server) listedParts(u *s3Upload, req *completeMultipartUploadXML) ([]*s3Part, int64, *s3Error) {
	parts := make([]*s3Part, len(req.Parts))
	total := int64(0)
	for i, p := range req.Parts {
		if i > 0 && p.PartNumber <= req.Parts[i-1].PartNumber {
			return nil, 0, errS3(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
		}
		part := u.parts[p.PartNumber]
		if part == nil || strings.Trim(p.ETag, `" `) != strings.Trim(part.etag(), `"`) {
			return nil, 0, errInvalidPart
		}
		for _, alg := range s3ChecksumAlgs {
			listed := p.get(alg)
			if alg != u.checksum.Alg && listed != "" && (alg != part.checksum.Alg || listed != part.checksum.Value) {
				return nil, 0, errInvalidPart
			}
		}
		if u.checksum.Alg != "" {
			if serr := u.checksum.checkListed(p.PartNumber, p.get(u.checksum.Alg), part); serr != nil {
				return nil, 0, serr
			}
		}
		parts[i] = part
		total += int64(len(part.data))
	}
	for _, part := range parts[:len(parts)-1] {
		if len(part.data) < minPartSize {
			return nil, 0, errS3(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
		}
	}
	if total > s.maxObject {
		return nil, 0, s.errTooLarge()
	}
	return parts, total, nil
}

// assemble makes the object of the parts listed (total bytes in all),
// without the server's lock: the parts and the upload's header and
// checksum rules are never changed in place.
func (s *S3Server) assemble(h http.Header, u *s3Upload, parts []*s3Part, total int64) (*s3Object, *s3Error) {
	data := make([]byte, 0, total)
	md5s := make([]byte, 0, md5.Size*len(parts))
	for _, part := range parts {
		data = append(data, part.data...)
		md5s = append(md5s, part.md5[:]...)
	}
	sum := md5.Sum(md5s)
	etag := `"` + hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(parts)) + `"`
	checksum, serr := u.checksum.object(h, parts, data)
	if serr != nil {
		return nil, serr
	}
	return &s3Object{data: data, etag: etag, modified: s.clock.Now(), header: u.header, checksum: checksum}, nil
}

func (s *S3Server) abortMultipartUpload(q *s3Req) {
	b, u, ok := s.lockedUpload(q)
	if !ok {
		return
	}
	delete(b.uploads, u.id)
	s.mu.Unlock()
	q.w.WriteHeader(http.StatusNoContent)
}
