package sigv4verify

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Rules are the service's canonicalisation rules and the checks it makes
// before computing a signature.
type Rules struct {
	// NormalizePath removes dot segments and empty segments from the
	// path before encoding it.
	NormalizePath bool
	// EncodeTwice encodes the path as received (already percent-encoded)
	// once more; without it, the received path is decoded, then encoded
	// once.
	EncodeTwice bool
	// SignAmzHeaders refuses a request with an x-amz-* header that is
	// not signed.
	SignAmzHeaders bool
	// RequireContentSHA256 refuses a request signed in its Authorization
	// header without x-amz-content-sha256.
	RequireContentSHA256 bool
}

// Generic are the rules of every AWS service but S3, as AWS's SigV4 test
// suite states them, and OUTSCALE's.
var Generic = Rules{NormalizePath: true, EncodeTwice: true}

// S3 are S3's rules: the path as it is, encoded once; x-amz-content-sha256
// required; every x-amz-* header signed.
var S3 = Rules{SignAmzHeaders: true, RequireContentSHA256: true}

// CanonicalRequest builds the canonical request of r, over exactly the
// headers sig names, with the payload hash the caller determined (the hex
// SHA-256 of the body, or what x-amz-content-sha256 says under S3's
// rules).
func (ru Rules) CanonicalRequest(r *http.Request, sig *Signature, payloadHash string) (string, error) {
	rawPath, rawQuery := wireTarget(r)
	uri, err := ru.CanonicalURI(rawPath)
	if err != nil {
		return "", err
	}
	query, err := CanonicalQuery(rawQuery, sig.Presigned)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(256 + len(uri) + len(query))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, h := range sig.SignedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(HeaderValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sig.SignedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// wireTarget returns the path and the query exactly as the client sent
// them (RequestURI: a server's url.URL re-encodes what it finds
// non-canonical), or as a client request will send them.
func wireTarget(r *http.Request) (path, query string) {
	t := r.RequestURI
	if t == "" {
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	if i := strings.Index(t, "://"); i >= 0 && !strings.HasPrefix(t, "/") {
		// absolute-form: scheme://authority/path?query
		t = t[i+3:]
		if j := strings.IndexAny(t, "/?"); j >= 0 {
			t = t[j:]
		} else {
			t = ""
		}
	}
	path, query, _ = strings.Cut(t, "?")
	return path, query
}

// CanonicalURI returns the canonical form of a path as received.
func (ru Rules) CanonicalURI(rawPath string) (string, error) {
	p := rawPath
	if !ru.EncodeTwice {
		d, err := url.PathUnescape(p)
		if err != nil {
			return "", fmt.Errorf("%w: the path %q is not validly percent-encoded", ErrMalformed, rawPath)
		}
		p = d
	}
	if ru.NormalizePath {
		p = normalizePath(p)
	}
	if p == "" {
		return "/", nil
	}
	return encode(p, true), nil
}

// normalizePath removes the empty, "." and ".." segments of a path,
// keeping its trailing slash.
func normalizePath(p string) string {
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	n := "/" + strings.Join(out, "/")
	if len(out) > 0 && (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")) {
		n += "/"
	}
	return n
}

// CanonicalQuery returns the canonical query string: each name and value
// decoded, then encoded (RFC 3986 unreserved characters kept, a space as
// %20), sorted by encoded name, then encoded value. A presigned URL's
// X-Amz-Signature is left out.
func CanonicalQuery(rawQuery string, presigned bool) (string, error) {
	if rawQuery == "" {
		return "", nil
	}
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("%w: the query parameter %q is not validly percent-encoded", ErrMalformed, part)
		}
		if presigned && dk == querySignature {
			continue
		}
		pairs = append(pairs, pair{encode(dk, false), encode(dv, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// encode percent-encodes every byte but the RFC 3986 unreserved
// characters (and '/' if keepSlash), with upper-case hex.
func encode(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// HeaderValue returns the canonical value of a header: its values, each
// put through SigV4's Trimall (see [Trimall]), joined by commas. host is
// the request's Host; content-length and transfer-encoding are read where
// net/http keeps them.
func HeaderValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		if r.Host != "" {
			return r.Host
		}
		return r.URL.Host
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength > 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
	case "transfer-encoding":
		vals = r.Header.Values("Transfer-Encoding")
		if len(vals) == 0 {
			vals = r.TransferEncoding
		}
	default:
		vals = r.Header.Values(name)
	}
	if len(vals) == 1 {
		return Trimall(vals[0])
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = Trimall(v)
	}
	return strings.Join(out, ",")
}

// Trimall is SigV4's trimming of a header value, exactly: the spaces
// before and after it removed, and each run of spaces inside made one.
// Other white space (a tab, U+0085, U+00A0) is part of the value: a
// signer leaves it, and so does the verifier.
func Trimall(v string) string {
	v = strings.Trim(v, " ")
	if !strings.Contains(v, "  ") {
		return v // the usual case: nothing to fold
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
