package iamtest

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

type s3PartXML struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	s3ChecksumsXML
}

type listPartsResult struct {
	XMLName              xml.Name    `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string      `xml:"Bucket"`
	Key                  string      `xml:"Key"`
	UploadID             string      `xml:"UploadId"`
	Initiator            *s3OwnerXML `xml:"Initiator"`
	Owner                *s3OwnerXML `xml:"Owner"`
	StorageClass         string      `xml:"StorageClass"`
	ChecksumAlgorithm    string      `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string      `xml:"ChecksumType,omitempty"`
	PartNumberMarker     int         `xml:"PartNumberMarker"`
	NextPartNumberMarker int         `xml:"NextPartNumberMarker,omitempty"`
	MaxParts             int         `xml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated"`
	Parts                []s3PartXML `xml:"Part"`
}

// listParts serves ListParts (GET ?uploadId): max-parts (at most 1000)
// and part-number-marker.
func (s *S3Server) listParts(q *s3Req) {
	qs := q.r.URL.Query()
	maxParts, serr := queryInt(qs.Get("max-parts"), 1000, "max-parts")
	marker, serr2 := queryInt(qs.Get("part-number-marker"), 0, "part-number-marker")
	if serr == nil {
		serr = serr2
	}
	if serr != nil {
		s.fail(q, serr)
		return
	}
	_, u, ok := s.lockedUpload(q)
	if !ok {
		return
	}
	out := listPartsResult{Bucket: q.bucket, Key: q.key, UploadID: u.id, Initiator: s3Owner, Owner: s3Owner, StorageClass: "STANDARD",
		ChecksumAlgorithm: u.checksum.Alg, ChecksumType: u.checksum.Type, PartNumberMarker: marker, MaxParts: maxParts}
	var nums []int
	for n := range u.parts {
		if n > marker {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	if len(nums) > maxParts {
		nums, out.IsTruncated = nums[:maxParts], true
	}
	for _, n := range nums {
		p := u.parts[n]
		out.Parts = append(out.Parts, s3PartXML{PartNumber: n, LastModified: p.modified.UTC().Format(s3TimeFormat), ETag: p.etag(),
			Size: int64(len(p.data)), s3ChecksumsXML: checksumsXML(p.checksum)})
	}
	s.mu.Unlock()
	if out.IsTruncated {
		out.NextPartNumberMarker = nums[len(nums)-1]
	}
	writeXML(q.w, http.StatusOK, out)
}

// queryInt parses a non-negative integer parameter, capped at def when def
// is a maximum (max-keys and the like), def when absent.
func queryInt(v string, def int, name string) (int, *s3Error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errS3(400, "InvalidArgument", name+" must be a non-negative integer")
	}
	if def > 0 {
		n = min(n, def)
	}
	return n, nil
}

type s3UploadXML struct {
	Key               string      `xml:"Key"`
	UploadID          string      `xml:"UploadId"`
	Initiator         *s3OwnerXML `xml:"Initiator"`
	Owner             *s3OwnerXML `xml:"Owner"`
	StorageClass      string      `xml:"StorageClass"`
	Initiated         string      `xml:"Initiated"`
	ChecksumAlgorithm string      `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string      `xml:"ChecksumType,omitempty"`
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name      `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string        `xml:"Bucket"`
	KeyMarker          string        `xml:"KeyMarker"`
	UploadIDMarker     string        `xml:"UploadIdMarker"`
	NextKeyMarker      string        `xml:"NextKeyMarker,omitempty"`
	NextUploadIDMarker string        `xml:"NextUploadIdMarker,omitempty"`
	Delimiter          string        `xml:"Delimiter,omitempty"`
	Prefix             string        `xml:"Prefix"`
	MaxUploads         int           `xml:"MaxUploads"`
	EncodingType       string        `xml:"EncodingType,omitempty"`
	IsTruncated        bool          `xml:"IsTruncated"`
	Uploads            []s3UploadXML `xml:"Upload"`
	CommonPrefixes     []s3PrefixXML `xml:"CommonPrefixes"`
}

// listMultipartUploads serves ListMultipartUploads (GET ?uploads):
// prefix, delimiter (CommonPrefixes), key-marker and upload-id-marker,
// max-uploads (at most 1000), encoding-type=url; uploads sorted by key,
// then by initiation.
func (s *S3Server) listMultipartUploads(q *s3Req) {
	qs := q.r.URL.Query()
	maxUploads, serr := queryInt(qs.Get("max-uploads"), 1000, "max-uploads")
	if serr != nil {
		s.fail(q, serr)
		return
	}
	enc := qs.Get("encoding-type")
	if qs.Has("encoding-type") && enc != "url" {
		s.fail(q, errS3(400, "InvalidArgument", "Invalid Encoding Method specified in Request"))
		return
	}
	prefix, delim, keyMarker, idMarker := qs.Get("prefix"), qs.Get("delimiter"), qs.Get("key-marker"), qs.Get("upload-id-marker")
	after := func(u *s3Upload) bool {
		return u.key > keyMarker || keyMarker != "" && idMarker != "" && u.key == keyMarker && u.id > idMarker
	}
	s.mu.Lock()
	b, ok := s.buckets[q.bucket]
	var ups []*s3Upload
	if ok {
		for _, u := range b.uploads {
			if strings.HasPrefix(u.key, prefix) && (keyMarker == "" || after(u)) {
				ups = append(ups, u)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		s.fail(q, errNoSuchBucket)
		return
	}
	sort.Slice(ups, func(i, j int) bool {
		if ups[i].key != ups[j].key {
			return ups[i].key < ups[j].key
		}
		return ups[i].id < ups[j].id
	})
	name := func(v string) string {
		if enc == "url" {
			return s3URLEncode(v)
		}
		return v
	}
	out := listMultipartUploadsResult{Bucket: q.bucket, KeyMarker: name(keyMarker), UploadIDMarker: idMarker, Delimiter: name(delim),
		Prefix: name(prefix), MaxUploads: maxUploads, EncodingType: enc}
	count := 0
	var lastKey, lastID string
	for _, u := range ups {
		cp := ""
		if delim != "" {
			if i := strings.Index(u.key[len(prefix):], delim); i >= 0 {
				cp = u.key[:len(prefix)+i+len(delim)]
			}
		}
		if cp != "" && (cp <= keyMarker || len(out.CommonPrefixes) > 0 && out.CommonPrefixes[len(out.CommonPrefixes)-1].Prefix == name(cp)) {
			// A common prefix is listed once, and not again after it.
			continue
		}
		if count == maxUploads {
			out.IsTruncated = true
			break
		}
		count++
		if cp != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, s3PrefixXML{Prefix: name(cp)})
			lastKey, lastID = cp, ""
			continue
		}
		out.Uploads = append(out.Uploads, s3UploadXML{Key: name(u.key), UploadID: u.id, Initiator: s3Owner, Owner: s3Owner,
			StorageClass: "STANDARD", Initiated: u.initiated.UTC().Format(s3TimeFormat), ChecksumAlgorithm: u.checksum.Alg, ChecksumType: u.checksum.Type})
		lastKey, lastID = u.key, u.id
	}
	if out.IsTruncated {
		out.NextKeyMarker, out.NextUploadIDMarker = name(lastKey), lastID
	}
	writeXML(q.w, http.StatusOK, out)
}
