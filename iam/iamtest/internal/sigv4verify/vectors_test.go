package sigv4verify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// vectorCase is one case of AWS's SigV4 test suite (testdata/README.md).
type vectorCase struct {
	Context struct {
		Credentials struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			Token           string `json:"token"`
		} `json:"credentials"`
		Normalize bool   `json:"normalize"`
		Region    string `json:"region"`
		Service   string `json:"service"`
		SignBody  bool   `json:"sign_body"`
		Timestamp string `json:"timestamp"`
	} `json:"context"`
	Request                string `json:"request"`
	HeaderCanonicalRequest string `json:"header-canonical-request"`
	HeaderStringToSign     string `json:"header-string-to-sign"`
	HeaderSignature        string `json:"header-signature"`
	HeaderSignedRequest    string `json:"header-signed-request"`
	QueryCanonicalRequest  string `json:"query-canonical-request"`
	QueryStringToSign      string `json:"query-string-to-sign"`
	QuerySignature         string `json:"query-signature"`
	QuerySignedRequest     string `json:"query-signed-request"`
}

func loadVectors(t *testing.T) map[string]vectorCase {
	t.Helper()
	b, err := os.ReadFile("testdata/sigv4-v4-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases map[string]vectorCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 38 {
		t.Fatalf("%d cases, want the suite's 38", len(f.Cases))
	}
	return f.Cases
}

// parseRequest reads a request of the suite as a server receives it: the
// target exactly as written (RequestURI, spaces and UTF-8 included), the
// Host header as Host, folded header lines joined by a space.
func parseRequest(t *testing.T, text string) *http.Request {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	method, rest, _ := strings.Cut(lines[0], " ")
	target := strings.TrimSuffix(rest, " HTTP/1.1")
	r := &http.Request{Method: method, RequestURI: target, Header: http.Header{}, URL: &url.URL{}}
	var last string
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			vs := r.Header[last]
			vs[len(vs)-1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("header line %q", l)
		}
		last = http.CanonicalHeaderKey(k)
		r.Header.Add(last, v)
	}
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host")
	body = strings.TrimSuffix(body, "\n")
	r.ContentLength = int64(len(body))
	r.Body = http.NoBody
	if body != "" {
		r.Body = nopCloser{strings.NewReader(body)}
	}
	return r
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func bodyHash(t *testing.T, text string) string {
	_, body, _ := strings.Cut(text, "\n\n")
	sum := sha256.Sum256([]byte(strings.TrimSuffix(body, "\n")))
	return hex.EncodeToString(sum[:])
}

func sortedNames(m map[string]vectorCase) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestGenericRulesPassTheSuite applies every case of AWS's SigV4 test
// suite, as it is, to the generic verifier (the OUTSCALE emulator's): in
// the header and the query (presigned) form, the canonical request, the
// string to sign and the signature are the suite's, the signed request is
// accepted, and refused with another secret.
func TestGenericRulesPassTheSuite(t *testing.T) {
	cases := loadVectors(t)
	n := 0
	for _, name := range sortedNames(cases) {
		c := cases[name]
		rules := sigv4verify.Generic
		rules.NormalizePath = c.Context.Normalize
		for _, form := range []struct {
			name, signed, cr, sts, sig string
		}{
			{"header", c.HeaderSignedRequest, c.HeaderCanonicalRequest, c.HeaderStringToSign, c.HeaderSignature},
			{"query", c.QuerySignedRequest, c.QueryCanonicalRequest, c.QueryStringToSign, c.QuerySignature},
		} {
			t.Run(name+"/"+form.name, func(t *testing.T) {
				r := parseRequest(t, form.signed)
				sig := parseSig(t, r, form.name == "query")
				if sig.Signature != form.sig {
					t.Fatalf("parsed signature %s, want %s", sig.Signature, form.sig)
				}
				hash := bodyHash(t, form.signed)
				if name == "post-sts-header-after" && form.name == "query" {
					// The token was put in the query after signing: the
					// query is signed whole (post-sts-header-before
					// signs its token), so the signature cannot match.
					if err := rules.Verify(r, sig, hash, c.Context.Credentials.SecretAccessKey, nil); !errors.Is(err, sigv4verify.ErrMismatch) {
						t.Fatalf("a token added to the query after signing: %v, want ErrMismatch", err)
					}
					n++
					return
				}
				cr, err := rules.CanonicalRequest(r, sig, hash)
				if err != nil || cr != form.cr {
					t.Fatalf("canonical request (%v):\n%s\nwant:\n%s", err, cr, form.cr)
				}
				if _, err := sig.Time(r); err != nil {
					t.Fatal(err)
				}
				if sts := sigv4verify.StringToSign(sig, cr); sts != form.sts {
					t.Fatalf("string to sign:\n%s\nwant:\n%s", sts, form.sts)
				}
				if err := rules.Verify(r, sig, hash, c.Context.Credentials.SecretAccessKey, nil); err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if err := rules.Verify(r, sig, hash, "wrong"+c.Context.Credentials.SecretAccessKey, nil); !errors.Is(err, sigv4verify.ErrMismatch) {
					t.Fatalf("Verify with another secret: %v, want ErrMismatch", err)
				}
				n++
			})
		}
	}
	if n != 76 {
		t.Errorf("%d forms verified, want 76", n)
	}
}

func parseSig(t *testing.T, r *http.Request, query bool) *sigv4verify.Signature {
	t.Helper()
	if query {
		_, raw, _ := strings.Cut(r.RequestURI, "?")
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := sigv4verify.ParsePresigned(q)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	sig, err := sigv4verify.ParseAuthorization(r.Header.Get("Authorization"), sigv4verify.AWS4)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// s3Target is the target a client sends for a suite path: what is not
// unreserved (or '/') percent-encoded, as S3 clients encode keys.
func s3Target(rawTarget string) string {
	p, q, hasQ := strings.Cut(rawTarget, "?")
	u := &url.URL{Path: p}
	if hasQ {
		return u.EscapedPath() + "?" + q
	}
	return u.EscapedPath()
}

// retarget rewrites one of the suite's canonical requests for S3: the
// path as it is (the unnormalised twin's), scope service s3, the payload
// hash given, and (header form) x-amz-content-sha256 among the signed
// headers.
func retarget(cr, uri, hash string, header bool) string {
	lines := strings.Split(cr, "\n")
	lines[1] = uri
	lines[2] = strings.ReplaceAll(lines[2], "%2Fservice%2F", "%2Fs3%2F")
	lines[len(lines)-1] = hash
	if !header || strings.Contains(cr, "\nx-amz-content-sha256:") {
		return strings.Join(lines, "\n")
	}
	// The canonical headers run from line 3 to the blank line.
	end := 3
	for lines[end] != "" {
		end++
	}
	headers := append(append([]string(nil), lines[3:end]...), "x-amz-content-sha256:"+hash)
	sort.Strings(headers)
	signed := strings.Split(lines[end+1], ";")
	signed = append(signed, "x-amz-content-sha256")
	sort.Strings(signed)
	out := append(append(append([]string(nil), lines[:3]...), headers...), "", strings.Join(signed, ";"), hash)
	return strings.Join(out, "\n")
}

// TestS3RulesPassTheRetargetedSuite applies the suite re-targeted to S3's
// rules: no path normalisation (every path as its unnormalised twin
// expects), the path encoded once (the client sends it percent-encoded),
// service s3, x-amz-content-sha256 signed (header form) and
// UNSIGNED-PAYLOAD (query form). The expected canonical request is the
// suite's, rewritten; the request signed over it is accepted.
func TestS3RulesPassTheRetargetedSuite(t *testing.T) {
	cases := loadVectors(t)
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	n := 0
	for _, name := range sortedNames(cases) {
		c := cases[name]
		uri := strings.Split(c.HeaderCanonicalRequest, "\n")[1]
		if twin, ok := cases[strings.TrimSuffix(name, "-normalized")+"-unnormalized"]; ok && strings.HasSuffix(name, "-normalized") {
			uri = strings.Split(twin.HeaderCanonicalRequest, "\n")[1]
		}
		for _, form := range []string{"header", "query"} {
			t.Run(name+"/"+form, func(t *testing.T) {
				signedText := c.HeaderSignedRequest
				if form == "query" {
					signedText = c.QuerySignedRequest
				}
				r := parseRequest(t, signedText)
				r.RequestURI = s3Target(r.RequestURI)
				hash := bodyHash(t, signedText)
				var sig *sigv4verify.Signature
				var want string
				if form == "header" {
					r.Header.Set("X-Amz-Content-Sha256", hash)
					a := strings.Replace(r.Header.Get("Authorization"), "/service/", "/s3/", 1)
					if !strings.Contains(a, "x-amz-content-sha256") {
						a = strings.Replace(a, "SignedHeaders=", "SignedHeaders=x-amz-content-sha256;", 1)
					}
					sig = mustParse(t, a)
					sort.Strings(sig.SignedHeaders)
					want = retarget(c.HeaderCanonicalRequest, uri, hash, true)
				} else {
					r.RequestURI = strings.Replace(r.RequestURI, "%2Fservice%2F", "%2Fs3%2F", 1)
					if name == "post-sts-header-after" {
						// The token was added after signing (see the
						// generic test): re-targeted, it is signed.
						c.QueryCanonicalRequest = cases["post-sts-header-before"].QueryCanonicalRequest
					}
					sig = parseSig(t, r, true)
					hash = "UNSIGNED-PAYLOAD"
					want = retarget(c.QueryCanonicalRequest, uri, hash, false)
				}
				cr, err := sigv4verify.S3.CanonicalRequest(r, sig, hash)
				if err != nil || cr != want {
					t.Fatalf("canonical request (%v):\n%s\nwant:\n%s", err, cr, want)
				}
				s, err := sigv4verify.S3.Sign(r, sig, hash, secret)
				if err != nil {
					t.Fatal(err)
				}
				sig.Signature = s
				err = sigv4verify.S3.Verify(r, sig, hash, secret, nil)
				if form == "header" && c.Context.Credentials.Token != "" && !sig.Signs("x-amz-security-token") {
					// post-sts-header-after: the token was added after
					// signing, which S3 refuses.
					if !errors.Is(err, sigv4verify.ErrNotSigned) {
						t.Fatalf("an unsigned X-Amz-Security-Token: %v, want ErrNotSigned", err)
					}
					n++
					return
				}
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				n++
			})
		}
	}
	if n != 76 {
		t.Errorf("%d forms checked, want 76", n)
	}
}

func mustParse(t *testing.T, h string) *sigv4verify.Signature {
	t.Helper()
	sig, err := sigv4verify.ParseAuthorization(h, sigv4verify.AWS4)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// streamingExample is testdata/s3-streaming-example.json.
type streamingExample struct {
	AccessKeyID     string            `json:"access_key_id"`
	SecretAccessKey string            `json:"secret_access_key"`
	AmzDate         string            `json:"amz_date"`
	Method          string            `json:"method"`
	Path            string            `json:"path"`
	Headers         map[string]string `json:"headers"`
	ChunkSizes      []int             `json:"chunk_sizes"`
	ChunkByte       string            `json:"chunk_byte"`
	Authorization   string            `json:"authorization"`
	SeedSignature   string            `json:"seed_signature"`
	ChunkSignatures []string          `json:"chunk_signatures"`
}

// TestStreamingExample: the S3 documentation's signed streaming upload
// verifies, seed and chunks, and SignChunk signs as the example; a
// forged chunk and a chunk signature moved to another chunk are refused.
func TestStreamingExample(t *testing.T) {
	b, err := os.ReadFile("testdata/s3-streaming-example.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex streamingExample
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	r := &http.Request{Method: ex.Method, RequestURI: ex.Path, Header: http.Header{}, URL: &url.URL{}}
	for k, v := range ex.Headers {
		r.Header.Set(k, v)
	}
	r.Header.Set("X-Amz-Date", ex.AmzDate)
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host")
	sig := mustParse(t, ex.Authorization)
	if sig.Signature != ex.SeedSignature {
		t.Fatalf("seed %s, want %s", sig.Signature, ex.SeedSignature)
	}
	if err := sigv4verify.S3.Verify(r, sig, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", ex.SecretAccessKey, nil); err != nil {
		t.Fatalf("seed signature: %v", err)
	}
	chunks := make([][]byte, len(ex.ChunkSizes))
	for i, n := range ex.ChunkSizes {
		chunks[i] = bytes.Repeat([]byte(ex.ChunkByte), n)
	}
	sum := func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
	chain := sigv4verify.NewChunkChain(sig, ex.SecretAccessKey, nil)
	for i, c := range chunks {
		if !chain.Chunk(sum(c), ex.ChunkSignatures[i]) {
			t.Fatalf("chunk %d (%d bytes): signature refused", i, len(c))
		}
	}
	forged := append([]byte(nil), chunks[0]...)
	forged[100] = 'b'
	if sigv4verify.NewChunkChain(sig, ex.SecretAccessKey, nil).Chunk(sum(forged), ex.ChunkSignatures[0]) {
		t.Fatal("a forged chunk was accepted")
	}
	if sigv4verify.NewChunkChain(sig, ex.SecretAccessKey, nil).Chunk(sum(chunks[1]), ex.ChunkSignatures[1]) {
		t.Fatal("the second chunk's signature was accepted for the first chunk")
	}
	// A refused chunk does not move the chain on.
	chain = sigv4verify.NewChunkChain(sig, ex.SecretAccessKey, nil)
	if chain.Chunk(sum(forged), ex.ChunkSignatures[0]) || !chain.Chunk(sum(chunks[0]), ex.ChunkSignatures[0]) {
		t.Fatal("after a refused chunk, the genuine one is not the next")
	}
	signer := sigv4verify.NewChunkChain(sig, ex.SecretAccessKey, nil)
	for i, c := range chunks {
		if got := signer.SignChunk(sum(c)); got != ex.ChunkSignatures[i] {
			t.Fatalf("SignChunk %d = %s, want %s", i, got, ex.ChunkSignatures[i])
		}
	}
}

// reorderSigned rewrites a canonical request (and the signed request's
// Authorization) so that the signed headers come in the order of names,
// which may repeat one, and returns the signature over it: what a client
// signing its own, non-canonical list consistently would send.
func reorderSigned(t *testing.T, r *http.Request, sig *sigv4verify.Signature, cr, secret string, names []string) string {
	t.Helper()
	lines := strings.Split(cr, "\n")
	end := 3
	for lines[end] != "" {
		end++
	}
	byName := map[string]string{}
	for _, l := range lines[3:end] {
		n, _, _ := strings.Cut(l, ":")
		byName[n] = l
	}
	var headers []string
	for _, n := range names {
		headers = append(headers, byName[n])
	}
	out := append(append(append([]string(nil), lines[:3]...), headers...), "", strings.Join(names, ";"), lines[len(lines)-1])
	m := hmac.New(sha256.New, sigv4verify.SigningKey(sig, secret, nil))
	m.Write([]byte(sigv4verify.StringToSign(sig, strings.Join(out, "\n"))))
	v := hex.EncodeToString(m.Sum(nil))
	r.Header.Set("Authorization", sig.Scheme.Algorithm+" Credential="+sig.AccessKeyID+"/"+sig.Scope()+", SignedHeaders="+strings.Join(names, ";")+", Signature="+v)
	return v
}

// TestSignedHeadersMustBeCanonical: SignedHeaders is the canonical list
// of the signed header names, lower case, sorted and each once; for every
// case of the suite (header form, generic rules; S3 in iamtest), the request
// signed consistently over the same names in another order (reversed), or
// with a name repeated, is refused as a signature mismatch (review of
// issue 14: it was verified over the names in the order sent, and
// accepted), while the canonical list verifies.
func TestSignedHeadersMustBeCanonical(t *testing.T) {
	cases := loadVectors(t)
	n := 0
	for _, name := range sortedNames(cases) {
		c := cases[name]
		rules := sigv4verify.Generic
		rules.NormalizePath = c.Context.Normalize
		secret := c.Context.Credentials.SecretAccessKey
		hash := bodyHash(t, c.HeaderSignedRequest)
		r := parseRequest(t, c.HeaderSignedRequest)
		sig := parseSig(t, r, false)
		if _, err := sig.Time(r); err != nil {
			t.Fatal(err)
		}
		canonical := append([]string(nil), sig.SignedHeaders...)
		reversed := append([]string(nil), canonical...)
		sort.Sort(sort.Reverse(sort.StringSlice(reversed)))
		repeated := append([]string{canonical[0]}, canonical...)
		for _, v := range []struct {
			variant string
			names   []string
		}{
			{"reversed", reversed},
			{"repeated " + canonical[0], repeated},
		} {
			t.Run(name+"/"+v.variant, func(t *testing.T) {
				r := parseRequest(t, c.HeaderSignedRequest)
				reorderSigned(t, r, sig, c.HeaderCanonicalRequest, secret, v.names)
				got := parseSig(t, r, false)
				if err := rules.Verify(r, got, hash, secret, nil); !errors.Is(err, sigv4verify.ErrMismatch) {
					t.Errorf("SignedHeaders=%s, signed over that list: %v, want ErrMismatch", strings.Join(v.names, ";"), err)
				}
				n++
			})
		}
		t.Run(name+"/canonical", func(t *testing.T) {
			r := parseRequest(t, c.HeaderSignedRequest)
			if want := reorderSigned(t, r, sig, c.HeaderCanonicalRequest, secret, canonical); want != c.HeaderSignature {
				t.Fatalf("signature over the canonical list %s, want the suite's %s", want, c.HeaderSignature)
			}
			if err := rules.Verify(r, parseSig(t, r, false), hash, secret, nil); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
	if n != 76 {
		t.Errorf("%d variants refused, want 76", n)
	}
}
