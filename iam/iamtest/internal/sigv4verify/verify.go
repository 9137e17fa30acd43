package sigv4verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Check makes the checks that come before the signature: host is signed,
// and, for a signature in the Authorization header, the date header; under
// SignAmzHeaders, every x-amz-* header present is signed; under
// RequireContentSHA256, a header-signed request has x-amz-content-sha256.
func (ru Rules) Check(r *http.Request, sig *Signature) error {
	if !sig.Signs("host") {
		return fmt.Errorf("%w: host must be signed", ErrNotSigned)
	}
	if !sig.Presigned && !sig.Signs(sig.Scheme.DateHeader) {
		return fmt.Errorf("%w: %s must be signed", ErrNotSigned, sig.Scheme.DateHeader)
	}
	if ru.SignAmzHeaders {
		if names := UnsignedAmzHeaders(r, sig); len(names) > 0 {
			return fmt.Errorf("%w: %s", ErrNotSigned, strings.Join(names, ", "))
		}
	}
	if ru.RequireContentSHA256 && !sig.Presigned && r.Header.Get("X-Amz-Content-Sha256") == "" {
		return fmt.Errorf("%w: Missing required header for this request: x-amz-content-sha256", ErrMissingContentSHA256)
	}
	return nil
}

// UnsignedAmzHeaders returns the x-amz-* headers of r (lower case,
// sorted) that sig does not sign.
func UnsignedAmzHeaders(r *http.Request, sig *Signature) []string {
	var out []string
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !sig.Signs(l) {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// Verify checks r's signature: [Rules.Check], then the signature computed
// over the canonical request with secret; SignedHeaders not in canonical
// form (sorted, each name once) is [ErrMismatch], as no signature over it
// is the canonical request's. cache, if not nil, keeps the
// derived signing keys (one per secret, day, region and service).
func (ru Rules) Verify(r *http.Request, sig *Signature, payloadHash, secret string, cache *sync.Map) error {
	if err := ru.Check(r, sig); err != nil {
		return err
	}
	canonical := true
	if !CanonicalNames(sig.SignedHeaders) {
		// SignedHeaders is the sorted list of the canonical headers' names,
		// each once: no signature over another list verifies. The error
		// carries the canonical request of the canonical list.
		canonical = false
		c := *sig
		c.SignedHeaders = append([]string(nil), sig.SignedHeaders...)
		sort.Strings(c.SignedHeaders)
		c.SignedHeaders = slices.Compact(c.SignedHeaders)
		sig = &c
	}
	want, cr, sts, err := ru.sign(r, sig, payloadHash, secret, cache)
	if err != nil {
		return err
	}
	if !canonical || !equalHex(want, sig.Signature) {
		return &MismatchError{CanonicalRequest: cr, StringToSign: sts}
	}
	return nil
}

// CanonicalNames reports whether names is in the canonical form of
// SignedHeaders: sorted (by byte), each name once.
func CanonicalNames(names []string) bool {
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			return false
		}
	}
	return true
}

// MismatchError is [ErrMismatch] with what the verifier computed, which S3
// returns to help debug a client.
type MismatchError struct {
	// CanonicalRequest is the canonical request the verifier built.
	CanonicalRequest string
	// StringToSign is the string it signed.
	StringToSign string
}

// Error says that the signature does not match.
func (e *MismatchError) Error() string { return ErrMismatch.Error() }

// Is makes errors.Is(err, ErrMismatch) hold.
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// Sign returns the hex signature of r under these rules, over the headers
// sig names, in sig's scope: what a client signing r would send. Tests
// use it to sign what no SDK signer signs (a signed User-Agent, an
// encoded-order query); sig.Signature is not read.
func (ru Rules) Sign(r *http.Request, sig *Signature, payloadHash, secret string) (string, error) {
	raw, _, _, err := ru.sign(r, sig, payloadHash, secret, nil)
	return hex.EncodeToString(raw), err
}

func (ru Rules) sign(r *http.Request, sig *Signature, payloadHash, secret string, cache *sync.Map) (raw []byte, cr, sts string, err error) {
	cr, err = ru.CanonicalRequest(r, sig, payloadHash)
	if err != nil {
		return nil, "", "", err
	}
	if sig.AmzDate == "" {
		if _, err := sig.Time(r); err != nil {
			return nil, "", "", err
		}
	}
	sts = StringToSign(sig, cr)
	return hmacSHA256(SigningKey(sig, secret, cache), sts), cr, sts, nil
}

// StringToSign returns the string to sign for a canonical request.
func StringToSign(sig *Signature, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return sig.Scheme.Algorithm + "\n" + sig.AmzDate + "\n" + sig.Scope() + "\n" + hex.EncodeToString(sum[:])
}

// SigningKey derives the signing key of sig's scope from secret, cached
// in cache if not nil.
func SigningKey(sig *Signature, secret string, cache *sync.Map) []byte {
	id := sig.Scheme.KeyPrefix + "\x00" + secret + "\x00" + sig.Scope()
	if cache != nil {
		if k, ok := cache.Load(id); ok {
			return k.([]byte)
		}
	}
	k := hmacSHA256([]byte(sig.Scheme.KeyPrefix+secret), sig.Date)
	k = hmacSHA256(k, sig.Region)
	k = hmacSHA256(k, sig.Service)
	k = hmacSHA256(k, sig.Scheme.Terminator)
	if cache != nil {
		cache.Store(id, k)
	}
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// equalHex compares a computed signature with a hex one in constant time.
func equalHex(want []byte, got string) bool {
	g, err := hex.DecodeString(got)
	return err == nil && len(g) == sha256.Size && hmac.Equal(want, g)
}

// emptySHA256 is the hex SHA-256 of nothing.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// ChunkChain verifies the signatures of a signed streaming upload
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]): each chunk's signature
// signs the chunk's hash and the signature before it, the first one the
// request's own (the seed); the trailer's signs the trailing headers.
type ChunkChain struct {
	key   []byte
	date  string
	scope string
	prev  string
}

// NewChunkChain starts the chain of a request whose seed signature sig
// has been verified.
func NewChunkChain(sig *Signature, secret string, cache *sync.Map) *ChunkChain {
	return &ChunkChain{key: SigningKey(sig, secret, cache), date: sig.AmzDate, scope: sig.Scope(), prev: strings.ToLower(sig.Signature)}
}

// Chunk checks the signature of the next chunk, given its SHA-256, and
// moves the chain on.
func (c *ChunkChain) Chunk(sum []byte, signature string) bool {
	sts := sigV4PayloadAlgorithm + "\n" + c.date + "\n" + c.scope + "\n" + c.prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum)
	return c.next(sts, signature)
}

// Trailer checks the signature of the trailing headers, given in their
// canonical form ("name:value\n" each, sorted by name).
func (c *ChunkChain) Trailer(canonical []byte, signature string) bool {
	sum := sha256.Sum256(canonical)
	sts := sigV4TrailerAlgorithm + "\n" + c.date + "\n" + c.scope + "\n" + c.prev + "\n" + hex.EncodeToString(sum[:])
	return c.next(sts, signature)
}

// SignChunk returns the signature of the next chunk, given its SHA-256,
// and moves the chain on: what a client sends (for tests).
func (c *ChunkChain) SignChunk(sum []byte) string {
	return c.signNext(sigV4PayloadAlgorithm + "\n" + c.date + "\n" + c.scope + "\n" + c.prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum))
}

// SignTrailer returns the signature of the canonical trailing headers and
// moves the chain on (for tests).
func (c *ChunkChain) SignTrailer(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return c.signNext(sigV4TrailerAlgorithm + "\n" + c.date + "\n" + c.scope + "\n" + c.prev + "\n" + hex.EncodeToString(sum[:]))
}

func (c *ChunkChain) signNext(stringToSign string) string {
	c.prev = hex.EncodeToString(hmacSHA256(c.key, stringToSign))
	return c.prev
}

func (c *ChunkChain) next(stringToSign, signature string) bool {
	want := hmacSHA256(c.key, stringToSign)
	if !equalHex(want, signature) {
		return false
	}
	c.prev = hex.EncodeToString(want)
	return true
}

// The algorithms of the chunk and trailer strings to sign.
const (
	sigV4PayloadAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD"
	sigV4TrailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
)
