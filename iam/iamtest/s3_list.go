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
	lq, serr := parseListQuery(rq.r.URL.Query())
	if serr != nil {
		s.fail(rq, serr)
		return
	}
	keys, objs, ok := s.listedKeys(rq.bucket, lq.prefix, lq.after)
	if !ok {
		s.fail(rq, errS3(404, "NoSuchBucket", "The specified bucket does not exist"))
		return
	}
	items := lq.rollUp(keys, objs)
	truncated := len(items) > lq.maxKeys
	if truncated {
		items = items[:lq.maxKeys]
	}
	contents, cps := lq.entries(items)
	last := ""
	if len(items) > 0 {
		last = items[len(items)-1].name
	}
	if lq.v2 {
		out := listBucketV2Result{Name: rq.bucket, Prefix: lq.name(lq.prefix), Delimiter: lq.name(lq.delim), MaxKeys: lq.maxKeys,
			EncodingType: lq.enc, IsTruncated: truncated, ContinuationToken: lq.token, StartAfter: lq.name(lq.startAfter),
			Contents: contents, CommonPrefixes: cps, KeyCount: len(items)}
		if truncated && last != "" {
			out.NextContinuationToken = hex.EncodeToString([]byte(last))
		}
		writeXML(rq.w, http.StatusOK, out)
		return
	}
	out := listBucketV1Result{Name: rq.bucket, Prefix: lq.name(lq.prefix), Marker: lq.name(lq.marker), MaxKeys: lq.maxKeys,
		Delimiter: lq.name(lq.delim), EncodingType: lq.enc, IsTruncated: truncated, Contents: contents, CommonPrefixes: cps}
	if truncated && lq.delim != "" {
		// S3 returns NextMarker only with a delimiter; otherwise the
		// client resumes after the last key.
		out.NextMarker = lq.name(last)
	}
	writeXML(rq.w, http.StatusOK, out)
}

// s3ListQuery is what a ListObjects(V2) request asks.
type s3ListQuery struct {
	v2                               bool
	maxKeys                          int
	enc                              string // "" or "url"
	fetchOwner                       bool
	prefix, delim                    string
	token, startAfter, marker, after string // after: the key the listing resumes after
}

// parseListQuery reads and checks a ListObjects(V2) query.
func parseListQuery(q url.Values) (*s3ListQuery, *s3Error) {
	lq := &s3ListQuery{v2: q.Has("list-type"), maxKeys: 1000, enc: q.Get("encoding-type"),
		prefix: q.Get("prefix"), delim: q.Get("delimiter"),
		token: q.Get("continuation-token"), startAfter: q.Get("start-after"), marker: q.Get("marker")}
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, errS3(400, "InvalidArgument", "max-keys must be a non-negative integer")
		}
		lq.maxKeys = min(n, 1000)
	}
	if q.Has("encoding-type") && lq.enc != "url" {
		return nil, errS3(400, "InvalidArgument", "Invalid Encoding Method specified in Request")
	}
	lq.fetchOwner = !lq.v2
	if v := q.Get("fetch-owner"); lq.v2 && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errS3(400, "InvalidArgument", "fetch-owner must be true or false")
		}
		lq.fetchOwner = b
	}
	lq.after = lq.marker
	if lq.v2 {
		lq.after = lq.startAfter
		if lq.token != "" {
			raw, err := hex.DecodeString(lq.token)
			if err != nil {
				return nil, errS3(400, "InvalidArgument", "The continuation token provided is incorrect")
			}
			lq.after = string(raw)
		}
	}
	return lq, nil
}

// listedKeys returns, sorted, the keys of the bucket under prefix that
// come after after, with copies of their objects; ok is false if there
// is no such bucket.
func (s *S3Server) listedKeys(bucket, prefix, after string) (keys []string, objs map[string]*s3Object, ok bool) {
	objs = map[string]*s3Object{}
	s.mu.Lock()
	b, ok := s.buckets[bucket]
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
	sort.Strings(keys)
	return keys, objs, ok
}

// rollUp makes the entries of the sorted keys: with a delimiter, the keys
// sharing a common prefix (up to the delimiter after the prefix) make one
// entry, skipped if the listing resumes at or after it.
func (lq *s3ListQuery) rollUp(keys []string, objs map[string]*s3Object) []s3ListItem {
	var items []s3ListItem
	for _, k := range keys {
		if lq.delim != "" {
			if i := strings.Index(k[len(lq.prefix):], lq.delim); i >= 0 {
				cp := k[:len(lq.prefix)+i+len(lq.delim)]
				if cp <= lq.after || len(items) > 0 && items[len(items)-1].obj == nil && items[len(items)-1].name == cp {
					continue
				}
				items = append(items, s3ListItem{name: cp})
				continue
			}
		}
		items = append(items, s3ListItem{name: k, obj: objs[k]})
	}
	return items
}

// name encodes a name as the query's encoding-type asks.
func (lq *s3ListQuery) name(s string) string {
	if lq.enc == "url" {
		return s3URLEncode(s)
	}
	return s
}

// entries renders the items as the listing's Contents and CommonPrefixes.
func (lq *s3ListQuery) entries(items []s3ListItem) ([]s3ContentXML, []s3PrefixXML) {
	var contents []s3ContentXML
	var cps []s3PrefixXML
	for _, it := range items {
		if it.obj == nil {
			cps = append(cps, s3PrefixXML{Prefix: lq.name(it.name)})
			continue
		}
		c := s3ContentXML{Key: lq.name(it.name), LastModified: it.obj.modified.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: it.obj.etag, Size: int64(len(it.obj.data)), StorageClass: "STANDARD"}
		if lq.fetchOwner {
			c.Owner = s3Owner
		}
		contents = append(contents, c)
	}
	return contents, cps
}
