package outscale

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// sigV4Vector is one case of testdata/sigv4-v4-vectors.json (see
// testdata/README.md): the header form only, since the client never
// presigns.
type sigV4Vector struct {
	Context struct {
		Credentials struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			Token           string `json:"token"`
		} `json:"credentials"`
		Region           string `json:"region"`
		Service          string `json:"service"`
		Timestamp        string `json:"timestamp"`
		SignBody         bool   `json:"sign_body"`
		Normalize        bool   `json:"normalize"`
		OmitSessionToken bool   `json:"omit_session_token"`
	} `json:"context"`
	Request         string `json:"request"`
	Signature       string `json:"header-signature"`
	SignedRequest   string `json:"header-signed-request"`
	CanonicalString string `json:"header-canonical-request"`
}

// parseVectorRequest reads the suite's request text: a request line whose
// URI may hold spaces, "Name:value" header lines (continuation lines
// folded into the value with one space, as an HTTP parser does), an empty
// line and the body.
func parseVectorRequest(t *testing.T, text string) (method, uri string, header http.Header, body string) {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(strings.TrimSuffix(head, "\n"), "\n")
	method, rest, _ := strings.Cut(lines[0], " ")
	uri, ok := strings.CutSuffix(rest, " HTTP/1.1")
	if !ok {
		t.Fatalf("request line %q", lines[0])
	}
	header = http.Header{}
	var last string
	for _, l := range lines[1:] {
		if l != "" && (l[0] == ' ' || l[0] == '\t') {
			vs := header[last]
			vs[len(vs)-1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("header line %q", l)
		}
		last = http.CanonicalHeaderKey(k)
		header[last] = append(header[last], v)
	}
	return method, uri, header, body
}

// authorizationOf returns the Authorization value of a signed request text.
func authorizationOf(signed string) string {
	for l := range strings.SplitSeq(signed, "\n") {
		if v, ok := strings.CutPrefix(l, "Authorization:"); ok {
			return v
		}
	}
	return ""
}

// vectorNotApplicable names the suite's cases whose request this client
// never sends, and why. The suite's "-normalized" cases ask the signer to
// remove dot segments and empty segments from the path (RFC 3986
// normalization, as AWS services other than S3 do) before signing; the
// aws-sdk-go-v2 signer signs the path as sent, which the suite's
// "-unnormalized" twins of the same requests check, and [NormalizeEndpoint]
// cleans the endpoint's path, so that the client only ever sends (and
// signs) paths that normalization leaves unchanged
// (TestNormalizeEndpointCleansPath). Under either rule its signature is the
// one a server computes.
var vectorNotApplicable = map[string]string{
	"get-relative-normalized":            "dot segments: the client sends clean paths only",
	"get-relative-relative-normalized":   "dot segments: the client sends clean paths only",
	"get-slash-dot-slash-normalized":     "dot segments: the client sends clean paths only",
	"get-slash-pointless-dot-normalized": "dot segments: the client sends clean paths only",
	"get-slash-normalized":               "empty segments: the client sends clean paths only",
	"get-slashes-normalized":             "empty segments: the client sends clean paths only",
}

// TestSigV4Vectors signs every request of the AWS SigV4 test suite
// (aws-c-auth's copy, testdata/sigv4-v4-vectors.json) with the client's
// signer, for the case's region and service, and compares the signature
// and the whole Authorization header with the suite's. The suite's
// context is honoured as the AWS SDKs do it: a signed body adds
// X-Amz-Content-Sha256, a session token is sent as X-Amz-Security-Token
// (signed unless the case omits it), and a Content-Length header is the
// request's ContentLength.
func TestSigV4Vectors(t *testing.T) {
	data, err := os.ReadFile("testdata/sigv4-v4-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Source string                 `json:"source"`
		Cases  map[string]sigV4Vector `json:"cases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Cases) != 38 {
		t.Fatalf("%d cases, want the suite's 38", len(suite.Cases))
	}
	passed := 0
	for name, v := range suite.Cases {
		t.Run(name, func(t *testing.T) {
			if why, ok := vectorNotApplicable[name]; ok {
				t.Skip(why)
			}
			method, uri, header, body := parseVectorRequest(t, v.Request)
			host := header.Get("Host")
			r, err := http.NewRequest(method, "https://"+host+"/", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			// The request target as the suite writes it, byte for byte:
			// a path Go would send escaped (raw spaces, UTF-8) goes in
			// an opaque URL, which is sent as is.
			rawPath, rawQuery, _ := strings.Cut(uri, "?")
			if u, err := url.Parse("https://" + host + rawPath); err == nil && u.EscapedPath() == rawPath {
				r.URL.Path, r.URL.RawPath = u.Path, u.RawPath
			} else {
				r.URL.Opaque = rawPath
			}
			r.URL.RawQuery = rawQuery
			r.Host = host
			header.Del("Host")
			r.ContentLength = 0
			if cl := header.Get("Content-Length"); cl != "" {
				if r.ContentLength, err = strconv.ParseInt(cl, 10, 64); err != nil {
					t.Fatal(err)
				}
				header.Del("Content-Length")
			}
			r.Header = header
			sum := sha256.Sum256([]byte(body))
			payloadHash := hex.EncodeToString(sum[:])
			if v.Context.SignBody {
				r.Header.Set("X-Amz-Content-Sha256", payloadHash)
			}
			if tok := v.Context.Credentials.Token; tok != "" && !v.Context.OmitSessionToken {
				r.Header.Set("X-Amz-Security-Token", tok)
			}
			now, err := time.Parse(time.RFC3339, v.Context.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			base := "https://" + host + rawPath // what the client would have been given as its endpoint
			s := newSigV4(v.Context.Credentials.AccessKeyID, iam.NewSecret(v.Context.Credentials.SecretAccessKey),
				v.Context.Region, v.Context.Service, base)
			if err := s.sign(r, payloadHash, now); err != nil {
				t.Fatal(err)
			}
			got := r.Header.Get("Authorization")
			if want := authorizationOf(v.SignedRequest); got != want || !strings.HasSuffix(got, "Signature="+v.Signature) {
				t.Fatalf("Authorization\n got %s\nwant %s\ncanonical request the suite signs:\n%s", got, want, v.CanonicalString)
			}
			if d := r.Header.Get("X-Amz-Date"); d != now.Format("20060102T150405Z") {
				t.Errorf("X-Amz-Date %q", d)
			}
			passed++
		})
	}
	if want := len(suite.Cases) - len(vectorNotApplicable); passed != want && !t.Failed() {
		t.Errorf("%d cases passed, want %d", passed, want)
	}
	t.Logf("%d of %d cases signed as the suite says, %d not applicable (%s)", passed, len(suite.Cases), len(vectorNotApplicable), suite.Source)
}
