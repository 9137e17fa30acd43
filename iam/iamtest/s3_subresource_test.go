package iamtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/iamkit/iamkit/iam"
)

// s3Subresources are the S3 sub-resources (and the multipart parameters)
// the emulator does not implement: issue 11's list, plus the ones
// aws-sdk-go-v2 v1.114.8 sends that the list leaves out. Since issue 14,
// some are implemented with some methods and targets (s3Implemented).
var s3Subresources = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "logging", "metrics", "notification", "object-lock",
	"ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication",
	"requestPayment", "restore", "retention", "select", "tagging", "torrent", "versioning",
	"versions", "website",
	"uploads", "uploadId=2~abc", "partNumber=1",
	// Also sent by aws-sdk-go-v2.
	"delete", "session", "abac", "metadataTable", "metadataConfiguration", "renameObject",
	"annotation", "select&select-type=2", "versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "id=cfg-1",
	"x-id=PutObjectTagging&tagging", "x-id=UploadPart&partNumber=1&uploadId=2~abc",
	// Not S3 at all: a parameter the emulator does not know is not ignored.
	"foo=bar", "max-buckets=1",
}

// s3Implemented tells the sub-resources the emulator serves since issue
// 14 (multipart uploads and DeleteObjects), with the method and kind of
// target (bucket or object) that make them an operation; they are tested
// on their own.
func s3Implemented(sub, method, target string) bool {
	path := strings.Trim(target, "/")
	bucket := path != "" && !strings.Contains(path, "/")
	object := strings.Contains(path, "/")
	switch sub {
	case "uploads":
		return method == http.MethodGet && bucket || method == http.MethodPost && object
	case "uploadId=2~abc":
		return object && method != http.MethodHead && method != http.MethodPatch && method != http.MethodOptions
	case "delete":
		return method == http.MethodPost && bucket
	case "versioning":
		return method == http.MethodGet && bucket
	case "tagging":
		return method == http.MethodGet && object
	case "acl":
		return method == http.MethodGet && (bucket || object)
	case "policy", "cors":
		return method == http.MethodGet && bucket
	case "x-id=UploadPart&partNumber=1&uploadId=2~abc":
		return method == http.MethodPut && object
	}
	return false
}

// s3Methods are the methods every sub-resource is tried with.
var s3Methods = []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch, http.MethodOptions}

// s3Snapshot is a deep copy of an S3Server's buckets, objects and
// multipart uploads.
type s3Snapshot map[string]s3BucketSnapshot

type s3BucketSnapshot struct {
	created time.Time
	objects map[string]s3Object
	uploads map[string]s3Upload
}

func (s *S3Server) snapshot() s3Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s3Snapshot{}
	for name, b := range s.buckets {
		bs := s3BucketSnapshot{created: b.created, objects: map[string]s3Object{}, uploads: map[string]s3Upload{}}
		for k, o := range b.objects {
			c := *o
			c.data = append([]byte(nil), o.data...)
			c.header = o.header.Clone()
			bs.objects[k] = c
		}
		for id, u := range b.uploads {
			c := *u
			c.parts = map[int]*s3Part{}
			for n, p := range u.parts {
				pc := *p
				pc.data = append([]byte(nil), p.data...)
				c.parts[n] = &pc
			}
			bs.uploads[id] = c
		}
		out[name] = bs
	}
	return out
}

// signedS3 sends a request signed with the key GOOD.
func signedS3(t *testing.T, method, url, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		r.Header[k] = v
	}
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "GOOD", SecretAccessKey: "good-secret"},
		r, hash, "s3", "eu-west-2", time.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestS3SubresourcesAreNotImplemented drives every unimplemented
// sub-resource with every method against the service, an existing bucket
// and object, an empty bucket and a missing bucket and object: each is a
// 501 NotImplemented in S3's XML error form, and nothing changes (issue
// 11, item 16: PUT ?acl emptied the object, DELETE ?tagging deleted it,
// PUT ?tagging replaced it, DELETE ?cors deleted the bucket, PUT
// ?versioning created one, GET ?tagging returned the object).
func TestS3SubresourcesAreNotImplemented(t *testing.T) {
	srv, err := NewS3Server()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Registry.PutS3Key(S3Key{AccessKeyID: "GOOD", Secret: iam.NewSecret("good-secret"), Active: true})
	for _, p := range []string{"/bucket-one", "/bucket-one/obj", "/bucket-one/dir/obj", "/bucket-empty"} {
		body := ""
		if strings.Count(p, "/") > 1 {
			body = "original data of " + p
		}
		if resp, b := signedS3(t, http.MethodPut, srv.URL+p, body, nil); resp.StatusCode != 200 {
			t.Fatalf("PUT %s: %d %s", p, resp.StatusCode, b)
		}
	}
	before := srv.snapshot()
	targets := []string{"/", "/bucket-one", "/bucket-one/", "/bucket-one/obj", "/bucket-one/dir/obj", "/bucket-empty", "/bucket-new", "/bucket-new/obj"}
	const xmlBody = `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`
	n := 0
	for _, sub := range s3Subresources {
		for _, m := range s3Methods {
			for _, target := range targets {
				if s3Implemented(sub, m, target) {
					continue
				}
				body := ""
				if m == http.MethodPut || m == http.MethodPost {
					body = xmlBody
				}
				url := srv.URL + target + "?" + sub
				resp, b := signedS3(t, m, url, body, nil)
				n++
				if after := srv.snapshot(); !reflect.DeepEqual(after, before) {
					t.Errorf("%s %s?%s (answered %d) changed the state:\nbefore %v\nafter  %v", m, target, sub, resp.StatusCode, before, after)
					before = after
				}
				if resp.StatusCode != http.StatusNotImplemented {
					t.Errorf("%s %s?%s = %d %.200s, want 501", m, target, sub, resp.StatusCode, b)
					continue
				}
				if m != http.MethodHead {
					var e struct {
						Code, Message, RequestId string
					}
					if err := xml.Unmarshal(b, &e); err != nil || e.Code != "NotImplemented" || e.RequestId == "" ||
						resp.Header.Get("Content-Type") != "application/xml" {
						t.Errorf("%s %s?%s: body %.200s (%v), want an S3 XML NotImplemented error", m, target, sub, b, err)
					}
				}
			}
		}
	}
	t.Logf("%d requests, state unchanged", n)
}
