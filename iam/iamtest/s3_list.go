package iamtest

import (
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

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
	Size         int64       `xml:"Size"`
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
func (s *S3Server) listObjects(rq *s3Req) {
	q := rq.r.URL.Query()
	v2 := q.Has("list-type")
	bucket := rq.bucket
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(rq, errS3(400, "InvalidArgument", "max-keys must be a non-negative integer"))
			return
		}
		maxKeys = min(n, 1000)
	}
	enc := q.Get("encoding-type")
	if q.Has("encoding-type") && enc != "url" {
		s.fail(rq, errS3(400, "InvalidArgument", "Invalid Encoding Method specified in Request"))
		return
	}
	fetchOwner := !v2
	if v := q.Get("fetch-owner"); v2 && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(rq, errS3(400, "InvalidArgument", "fetch-owner must be true or false"))
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
				s.fail(rq, errS3(400, "InvalidArgument", "The continuation token provided is incorrect"))
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
		s.fail(rq, errS3(404, "NoSuchBucket", "The specified bucket does not exist"))
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
			ETag: it.obj.etag, Size: int64(len(it.obj.data)), StorageClass: "STANDARD"}
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
		writeXML(rq.w, http.StatusOK, out)
		return
	}
	out := listBucketV1Result{Name: bucket, Prefix: name(prefix), Marker: name(marker), MaxKeys: maxKeys, Delimiter: name(delim),
		EncodingType: enc, IsTruncated: truncated, Contents: contents, CommonPrefixes: cps}
	if truncated && delim != "" {
		// S3 returns NextMarker only with a delimiter; otherwise the
		// client resumes after the last key.
		out.NextMarker = name(last)
	}
	writeXML(rq.w, http.StatusOK, out)
}
