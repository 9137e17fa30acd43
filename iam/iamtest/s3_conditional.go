package iamtest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

var errPreconditionFailed = errS3(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")

// checkConditions evaluates a request's conditions on an object as S3
// does (RFC 9110's order): If-Match, or without it If-Unmodified-Since,
// failing is 412; then If-None-Match matching, or without it
// If-Modified-Since not modified, is 304 (412 for the
// x-amz-copy-source-if-* conditions of a copy). So If-Match holding
// overrides If-Unmodified-Since failing, and If-None-Match failing makes a
// 304 whatever If-Modified-Since says. A date that does not parse is
// ignored. It returns 0 when the request proceeds.
func checkConditions(h http.Header, etag string, modified time.Time, copySource bool) int {
	prefix := ""
	if copySource {
		prefix = "X-Amz-Copy-Source-"
	}
	modified = modified.Truncate(time.Second) // Last-Modified has seconds
	if v := h.Get(prefix + "If-Match"); v != "" {
		if !etagListMatches(v, etag) {
			return http.StatusPreconditionFailed
		}
	} else if t, ok := httpDate(h.Get(prefix + "If-Unmodified-Since")); ok && modified.After(t) {
		return http.StatusPreconditionFailed
	}
	notModified := http.StatusNotModified
	if copySource {
		notModified = http.StatusPreconditionFailed
	}
	if v := h.Get(prefix + "If-None-Match"); v != "" {
		if etagListMatches(v, etag) {
			return notModified
		}
	} else if t, ok := httpDate(h.Get(prefix + "If-Modified-Since")); ok && !modified.After(t) {
		return notModified
	}
	return 0
}

func httpDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// etagListMatches reports whether a condition's entity tags ("*", or a
// list of quoted tags) match etag; S3's tags are strong, a W/ prefix
// and missing quotes are tolerated.
func etagListMatches(list, etag string) bool {
	want := strings.Trim(etag, `"`)
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.Trim(strings.TrimPrefix(tag, "W/"), `"`) == want {
			return true
		}
	}
	return false
}

// byteRange is the part of an object a GET answers: [start, end], and
// whether that is a range (206) or the whole object.
type byteRange struct {
	start, end int64
	partial    bool
}

// requestedRange returns the range a GET asks for: the whole object
// without a Range, with a Range that does not parse (ignored, as RFC 9110
// says) or one that If-Range makes void; one range "bytes=a-b", "a-" or
// "-n" clamped to the object; InvalidRange (416) when it starts past the
// end. Multiple ranges are not implemented (S3 does not serve them).
func requestedRange(h http.Header, etag string, modified time.Time, size int64) (byteRange, *s3Error) {
	whole := byteRange{start: 0, end: size - 1}
	v := h.Get("Range")
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok || !ifRangeHolds(h.Get("If-Range"), etag, modified) {
		return whole, nil
	}
	if strings.Contains(spec, ",") {
		return whole, errS3(501, "NotImplemented", "the iamkit S3 emulator does not implement multiple ranges (Range: "+v+")")
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole, nil
	}
	var rg byteRange
	switch {
	case first == "":
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return whole, nil
		}
		if n == 0 || size == 0 {
			return whole, invalidRange(v, size)
		}
		rg = byteRange{start: max(size-n, 0), end: size - 1}
	default:
		a, err := strconv.ParseInt(first, 10, 64)
		if err != nil || a < 0 {
			return whole, nil
		}
		b := size - 1
		if last != "" {
			if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
				return whole, nil
			}
		}
		if a >= size {
			return whole, invalidRange(v, size)
		}
		rg = byteRange{start: a, end: min(b, size-1)}
	}
	rg.partial = true
	return rg, nil
}

func invalidRange(requested string, size int64) *s3Error {
	e := errS3(416, "InvalidRange", "The requested range is not satisfiable")
	e.ActualObjectSize, e.RangeRequested = strconv.FormatInt(size, 10), requested
	return e
}

// ifRangeHolds reports whether If-Range (an entity tag or a date), if
// sent, still describes the object: if not, the Range is void.
func ifRangeHolds(v, etag string, modified time.Time) bool {
	switch {
	case v == "":
		return true
	case strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "W/"):
		return !strings.HasPrefix(v, "W/") && strings.Trim(v, `"`) == strings.Trim(etag, `"`)
	}
	t, ok := httpDate(v)
	return ok && !modified.Truncate(time.Second).After(t)
}
