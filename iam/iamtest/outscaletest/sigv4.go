package outscaletest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// signature is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" (or its OSC4-HMAC-SHA256 twin) Authorization header.
type signature struct {
	algorithm     string // AWS4-HMAC-SHA256 or OSC4-HMAC-SHA256
	accessKeyID   string
	date          string // YYYYMMDD of the scope
	region        string
	service       string
	terminator    string // aws4_request / osc4_request
	signedHeaders []string
	signature     string
}

// prefix returns "AWS4" or "OSC4": the key prefix, the date header's
// family and the terminator differ between the two schemes.
func (s *signature) prefix() string { return s.algorithm[:4] }

func (s *signature) dateHeader() string {
	if s.prefix() == "OSC4" {
		return "x-osc-date"
	}
	return "x-amz-date"
}

func parseSignature(h string) (*signature, error) {
	alg, rest, ok := strings.Cut(h, " ")
	if !ok || (alg != "AWS4-HMAC-SHA256" && alg != "OSC4-HMAC-SHA256") {
		return nil, errors.New("unsupported signature algorithm")
	}
	s := &signature{algorithm: alg}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, errors.New("malformed Authorization header")
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 {
				return nil, errors.New("malformed credential scope")
			}
			s.accessKeyID, s.date, s.region, s.service, s.terminator = f[0], f[1], f[2], f[3], f[4]
		case "SignedHeaders":
			s.signedHeaders = strings.Split(v, ";")
		case "Signature":
			s.signature = v
		}
	}
	wantTerm := strings.ToLower(s.prefix()) + "_request"
	switch {
	case s.accessKeyID == "" || s.signature == "" || len(s.signedHeaders) == 0:
		return nil, errors.New("incomplete Authorization header")
	case s.terminator != wantTerm:
		return nil, errors.New("credential scope must end in " + wantTerm)
	}
	hasHost, hasDate := false, false
	for _, h := range s.signedHeaders {
		hasHost = hasHost || h == "host"
		hasDate = hasDate || h == s.dateHeader()
	}
	if !hasHost || !hasDate {
		return nil, errors.New("host and " + s.dateHeader() + " must be signed")
	}
	return s, nil
}

// requestTime returns the signing time from the date header, which must
// agree with the scope's date.
func (s *signature) requestTime(r *http.Request) (time.Time, string, error) {
	v := r.Header.Get(s.dateHeader())
	t, err := time.Parse("20060102T150405Z", v)
	if err != nil {
		return time.Time{}, v, errors.New("missing or malformed " + s.dateHeader())
	}
	if t.Format("20060102") != s.date {
		return time.Time{}, v, errors.New("credential scope date does not match " + s.dateHeader())
	}
	return t, v, nil
}

// verify recomputes the signature with secret over the request as
// received.
func (s *signature) verify(r *http.Request, body []byte, secret string, cache *sync.Map) bool {
	sum := sha256.Sum256(body)
	var payloadHex [64]byte
	hex.Encode(payloadHex[:], sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != string(payloadHex[:]) && h != "UNSIGNED-PAYLOAD" {
		return false
	}
	var cr strings.Builder
	cr.Grow(512)
	cr.WriteString(r.Method)
	cr.WriteByte('\n')
	cr.WriteString(canonicalURI(r.URL))
	cr.WriteByte('\n')
	if r.URL.RawQuery != "" {
		cr.WriteString(canonicalQuery(r.URL.Query()))
	}
	cr.WriteByte('\n')
	for _, h := range s.signedHeaders {
		cr.WriteString(h)
		cr.WriteByte(':')
		cr.WriteString(headerValue(r, h))
		cr.WriteByte('\n')
	}
	cr.WriteByte('\n')
	cr.WriteString(strings.Join(s.signedHeaders, ";"))
	cr.WriteByte('\n')
	cr.Write(payloadHex[:])

	crSum := sha256.Sum256([]byte(cr.String()))
	var crHex [64]byte
	hex.Encode(crHex[:], crSum[:])
	sts := make([]byte, 0, 256)
	sts = append(sts, s.algorithm...)
	sts = append(sts, '\n')
	sts = append(sts, r.Header.Get(s.dateHeader())...)
	sts = append(sts, '\n')
	sts = append(sts, s.date+"/"+s.region+"/"+s.service+"/"+s.terminator...)
	sts = append(sts, '\n')
	sts = append(sts, crHex[:]...)

	got, err := hex.DecodeString(s.signature)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := signingMAC(cache, s.prefix()+secret, s.date, s.region, s.service, s.terminator)
	m.mu.Lock()
	m.h.Reset()
	m.h.Write(sts)
	var want [sha256.Size]byte
	m.h.Sum(want[:0])
	m.mu.Unlock()
	return hmac.Equal(want[:], got)
}

// mac is a reusable HMAC keyed with a derived signing key.
type mac struct {
	mu sync.Mutex
	h  hash.Hash
}

// signingMAC returns an HMAC keyed with the derived SigV4 signing key,
// cached in cache (the key changes once a day per secret, region and
// service), as real verifiers do.
func signingMAC(cache *sync.Map, secret, date, region, service, term string) *mac {
	id := secret + "/" + date + "/" + region + "/" + service + "/" + term
	if m, ok := cache.Load(id); ok {
		return m.(*mac)
	}
	k := hmacSHA256([]byte(secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, term)
	m, _ := cache.LoadOrStore(id, &mac{h: hmac.New(sha256.New, k)})
	return m.(*mac)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(name)
	if len(vals) == 1 && !strings.Contains(vals[0], "  ") && strings.TrimSpace(vals[0]) == vals[0] {
		return vals[0] // the usual case: nothing to trim or fold
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, awsEscape(k)+"="+awsEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

func awsEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
