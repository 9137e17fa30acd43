package outscaletest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestVerifierPassesTheSuite: the emulator's own verifier (parseSignature,
// requestTime, verify) accepts the header form of every case of AWS's
// SigV4 test suite written for path normalisation, the rules OUTSCALE
// follows, and refuses each with another secret.
func TestVerifierPassesTheSuite(t *testing.T) {
	b, err := os.ReadFile("../internal/sigv4verify/testdata/sigv4-v4-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases map[string]struct {
			Context struct {
				Normalize bool `json:"normalize"`
			} `json:"context"`
			Signed string `json:"header-signed-request"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	var cache sync.Map
	n := 0
	for name, c := range f.Cases {
		if !c.Context.Normalize {
			continue
		}
		head, body, _ := strings.Cut(c.Signed, "\n\n")
		sc := bufio.NewScanner(strings.NewReader(head))
		sc.Scan()
		method, rest, _ := strings.Cut(sc.Text(), " ")
		r := &http.Request{Method: method, RequestURI: strings.TrimSuffix(rest, " HTTP/1.1"), Header: http.Header{}}
		var last string
		for sc.Scan() {
			l := sc.Text()
			if l != "" && (l[0] == ' ' || l[0] == '\t') {
				r.Header[last][len(r.Header[last])-1] += " " + strings.TrimSpace(l)
				continue
			}
			k, v, _ := strings.Cut(l, ":")
			last = http.CanonicalHeaderKey(k)
			r.Header.Add(last, v)
		}
		r.Host = r.Header.Get("Host")
		payload := []byte(strings.TrimSuffix(body, "\n"))
		sig, err := parseSignature(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, err := sig.requestTime(r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !sig.verify(r, payload, secret, &cache) {
			t.Errorf("%s: refused", name)
		}
		if sig.verify(r, payload, secret+"x", &cache) {
			t.Errorf("%s: accepted with another secret", name)
		}
		n++
	}
	if n != 31 {
		t.Errorf("%d cases, want the suite's 31 normalising ones", n)
	}
}
