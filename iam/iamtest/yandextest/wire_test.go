package yandextest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"
)

// apiMessages are the messages an answer of the emulator may name in an
// "@type" (operation metadata and responses, status details), each with
// where the API defines it. Yandex's own come from yandex-cloud/cloudapi
// @ 00e9ff043f54e3763b6f2cd2f900702e21af852d (2026-07-23): the Update and
// Delete RPCs' (yandex.cloud.api.operation) options name their metadata
// and response types; Create answers its Create…Response directly, so no
// Create…Metadata exists.
var apiMessages = map[string]string{
	"yandex.cloud.iam.v1.UpdateApiKeyMetadata":                                 "yandex/cloud/iam/v1/api_key_service.proto: message UpdateApiKeyMetadata (ApiKeyService.Update)",
	"yandex.cloud.iam.v1.DeleteApiKeyMetadata":                                 "yandex/cloud/iam/v1/api_key_service.proto: message DeleteApiKeyMetadata (ApiKeyService.Delete)",
	"yandex.cloud.iam.v1.ApiKey":                                               "yandex/cloud/iam/v1/api_key.proto: message ApiKey (ApiKeyService.Update response)",
	"yandex.cloud.iam.v1.awscompatibility.UpdateAccessKeyMetadata":             "yandex/cloud/iam/v1/awscompatibility/access_key_service.proto: message UpdateAccessKeyMetadata",
	"yandex.cloud.iam.v1.awscompatibility.DeleteAccessKeyMetadata":             "yandex/cloud/iam/v1/awscompatibility/access_key_service.proto: message DeleteAccessKeyMetadata",
	"yandex.cloud.iam.v1.awscompatibility.AccessKey":                           "yandex/cloud/iam/v1/awscompatibility/access_key.proto: message AccessKey (AccessKeyService.Update response)",
	"yandex.cloud.iam.v1.UpdateKeyMetadata":                                    "yandex/cloud/iam/v1/key_service.proto: message UpdateKeyMetadata (KeyService.Update)",
	"yandex.cloud.iam.v1.DeleteKeyMetadata":                                    "yandex/cloud/iam/v1/key_service.proto: message DeleteKeyMetadata (KeyService.Delete)",
	"yandex.cloud.iam.v1.Key":                                                  "yandex/cloud/iam/v1/key.proto: message Key (KeyService.Update response)",
	string((&emptypb.Empty{}).ProtoReflect().Descriptor().FullName()):          "google/protobuf/empty.proto (the Delete RPCs' response); resolved below",
	string((&errdetails.RequestInfo{}).ProtoReflect().Descriptor().FullName()): "google/rpc/error_details.proto (status details, as the Yandex error docs show); resolved below",
}

// The google.* names are also checked against the Go protobuf registry, so
// that a typo there cannot pass.
func TestAPIMessagesOfGoogleResolve(t *testing.T) {
	for name := range apiMessages {
		if !strings.HasPrefix(name, "google.") {
			continue
		}
		if _, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// collectTypes adds every "@type" found anywhere in v.
func collectTypes(v any, into map[string]string, where string) {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["@type"].(string); ok {
			into[t] = where
		}
		for _, e := range x {
			collectTypes(e, into, where)
		}
	case []any:
		for _, e := range x {
			collectTypes(e, into, where)
		}
	}
}

// TestOperationTypesAreAPIMessages drives every answer that carries an
// "@type" (create, update, delete, a failed operation, ListOperations,
// Get of an operation, an error) and checks that each names a message the
// API defines.
func TestOperationTypesAreAPIMessages(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	seen := map[string]string{}
	call := func(method, path, body string) answer {
		a := do(t, method, srv.URL+path, tok, nil, body)
		collectTypes(a.body, seen, method+" "+path)
		return a
	}
	for _, r := range []struct {
		path, create, update, field string
	}{
		{"/iam/v1/apiKeys", `{"description":"a"}`, `{"updateMask":"description","description":"b"}`, "apiKey"},
		{"/iam/aws-compatibility/v1/accessKeys", `{"description":"a"}`, `{"updateMask":"description","description":"b"}`, "accessKey"},
		{"/iam/v1/keys", `{"description":"a"}`, `{"updateMask":"description","description":"b"}`, "key"},
	} {
		c := call("POST", r.path, r.create)
		id, _ := c.body[r.field].(map[string]any)["id"].(string)
		if id == "" {
			t.Fatalf("create %s: %v", r.path, c.body)
		}
		u := call("PATCH", r.path+"/"+id, r.update)
		call("GET", "/operations/"+u.body["id"].(string), "")
		srv.FailNextOperation(9, "in use")
		call("PATCH", r.path+"/"+id, r.update)
		call("GET", r.path+"/"+id+"/operations", "")
		call("DELETE", r.path+"/"+id, "")
		call("GET", r.path+"/"+id+"/operations", "")
	}
	call("GET", "/iam/v1/apiKeys/ajenothere", "")
	if len(seen) == 0 {
		t.Fatal("no @type seen")
	}
	var bad []string
	for typ, where := range seen {
		name, ok := strings.CutPrefix(typ, "type.googleapis.com/")
		if _, real := apiMessages[name]; !ok || !real {
			bad = append(bad, typ+" (in the answer to "+where+")")
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%d @type values name no message of the API:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}

// TestEmulatorNamesOnlyAPIMessages reads the emulator's sources: every
// message name it could put in an "@type" (a string literal naming a
// yandex.cloud. or google. message) is one the API defines, whether or not
// a test reaches it.
func TestEmulatorNamesOnlyAPIMessages(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lit := regexp.MustCompile(`"((?:yandex\.cloud|google\.(?:protobuf|rpc))\.[A-Za-z0-9_.]*)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			n++
			name := m[1]
			if strings.HasSuffix(name, ".") { // a package prefix joined with a name
				t.Errorf("%s: %q is a prefix: the emulator must name whole messages, so that this test sees them", f, name)
				continue
			}
			if _, ok := apiMessages[name]; !ok {
				t.Errorf("%s: %q is not a message of the API", f, name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no message names found in the sources")
	}
}

// maskedSecretRE is the documented form of ApiKey.masked_secret
// (yandex/cloud/iam/v1/api_key.proto: `\*{4}[a-zA-Z0-9_]{6}`).
var maskedSecretRE = regexp.MustCompile(`^\*{4}[a-zA-Z0-9_]{6}$`)

func TestMaskedSecretFormat(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	for i := range 200 {
		c := do(t, "POST", srv.URL+"/iam/v1/apiKeys", tok, nil, `{}`)
		secret, _ := c.body["secret"].(string)
		masked, _ := c.body["apiKey"].(map[string]any)["maskedSecret"].(string)
		if !maskedSecretRE.MatchString(masked) {
			t.Fatalf("key %d: maskedSecret %q does not match %s", i, masked, maskedSecretRE)
		}
		if !strings.HasSuffix(secret, masked[4:]) {
			t.Fatalf("key %d: maskedSecret %q is not the secret's tail", i, masked)
		}
	}
}

// TestOperationCancelRoute: /operations/{id}:cancel is OperationService.Cancel,
// by GET (the proto's annotation) and by POST (the API design guide).
func TestOperationCancelRoute(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	c := do(t, "POST", srv.URL+"/iam/v1/keys", tok, nil, `{}`)
	id := c.body["key"].(map[string]any)["id"].(string)
	d := do(t, "DELETE", srv.URL+"/iam/v1/keys/"+id, tok, nil, "")
	opID := d.body["id"].(string)
	for _, tc := range []struct{ method, body string }{{"GET", ""}, {"POST", ""}, {"POST", "{}"}} {
		method := tc.method
		a := do(t, method, srv.URL+"/operations/"+opID+":cancel", tok, nil, tc.body)
		if a.status != 200 || a.body["id"] != opID {
			t.Errorf("%s :cancel: %d %v, want the operation %s", method, a.status, a.body, opID)
		}
	}
	if n := srv.Calls("OperationService/Cancel"); n != 3 {
		t.Errorf("OperationService/Cancel counted %d times, want 3 (OperationService/Get: %d)", n, srv.Calls("OperationService/Get"))
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"DELETE", "/operations/" + opID + ":cancel", "", 501},
		{"POST", "/operations/" + opID + ":cancel", `{"reason":"x"}`, 501},
		{"GET", "/operations/" + opID + ":pause", "", 501},
		{"GET", "/operations/ajenothere:cancel", "", 404},
	} {
		if a := do(t, tc.method, srv.URL+tc.path, tok, nil, tc.body); a.status != tc.status {
			t.Errorf("%s %s: %d %v, want %d", tc.method, tc.path, a.status, a.body, tc.status)
		}
	}
}

// TestUnknownFieldsAreNotImplemented: a body field or query parameter the
// emulator does not know is a clean 501 that changes nothing, never
// silently ignored.
func TestUnknownFieldsAreNotImplemented(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/iam/v1/apiKeys", `{"description":"x","labels":{"a":"b"}}`},
		{"POST", "/iam/aws-compatibility/v1/accessKeys", `{"description":"x","expiresAt":"2030-01-01T00:00:00Z"}`},
		{"POST", "/iam/v1/keys", `{"userAccountId":"ajeuser"}`},
		{"POST", "/iam/aws-compatibility/v1/ephemeralAccessKeys", `{"sessionName":"s","tags":[]}`},
		{"GET", "/iam/v1/apiKeys?filter=name%3Dx", ""},
		{"GET", "/iam/v1/keys?orderBy=createdAt", ""},
	} {
		a := do(t, tc.method, srv.URL+tc.path, tok, nil, tc.body)
		if a.status != 501 || a.body["code"] != float64(12) {
			t.Errorf("%s %s %s: %d %v, want 501 UNIMPLEMENTED", tc.method, tc.path, tc.body, a.status, a.body)
		}
	}
	for _, p := range []string{"/iam/v1/apiKeys", "/iam/aws-compatibility/v1/accessKeys", "/iam/v1/keys"} {
		a := do(t, "GET", srv.URL+p, tok, nil, "")
		for k, v := range a.body {
			if l, ok := v.([]any); ok && len(l) > 0 {
				t.Errorf("GET %s: %s has %d items after refused creates", p, k, len(l))
			}
		}
	}
}

// TestProto3JSONNames: the request fields are read by their proto3 JSON
// names, lowerCamelCase or the original snake_case (which proto3 JSON
// parsers must accept), and enums by name or number; a field given in
// both spellings is refused.
func TestProto3JSONNames(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	sa := srv.ServiceAccountID()
	c := do(t, "POST", srv.URL+"/iam/v1/apiKeys", tok, nil, `{"service_account_id":"`+sa+`","description":"snake","expires_at":"2100-01-01T00:00:00Z"}`)
	k, _ := c.body["apiKey"].(map[string]any)
	if c.status != 200 || k["description"] != "snake" || k["expiresAt"] != "2100-01-01T00:00:00Z" {
		t.Fatalf("create with snake_case names: %d %v", c.status, c.body)
	}
	id := k["id"].(string)
	if a := do(t, "PATCH", srv.URL+"/iam/v1/apiKeys/"+id, tok, nil, `{"api_key_id":"`+id+`","update_mask":"description","description":"renamed"}`); a.status != 200 {
		t.Fatalf("update with snake_case names: %d %v", a.status, a.body)
	}
	if a := do(t, "PATCH", srv.URL+"/iam/v1/apiKeys/"+id, tok, nil, `{"apiKeyId":"ajeother","updateMask":"description","description":"x"}`); a.status != 400 {
		t.Fatalf("update naming another key in the body: %d %v, want 400", a.status, a.body)
	}
	l := do(t, "GET", srv.URL+"/iam/v1/apiKeys?service_account_id="+sa+"&page_size=1", tok, nil, "")
	if keys, _ := l.body["apiKeys"].([]any); l.status != 200 || len(keys) != 1 || keys[0].(map[string]any)["description"] != "renamed" {
		t.Fatalf("list with snake_case parameters: %d %v", l.status, l.body)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/iam/v1/apiKeys", `{"description":"a","Description":"b"}`}, // not a proto3 JSON name
		{"POST", "/iam/v1/apiKeys", `{"serviceAccountID":"` + sa + `"}`},     // nor this
		{"POST", "/iam/v1/apiKeys", `{"service_account_id":"` + sa + `","serviceAccountId":"` + sa + `"}`},
		{"GET", "/iam/v1/apiKeys?pageSize=1&page_size=2", ""},
	} {
		a := do(t, tc.method, srv.URL+tc.path, tok, nil, tc.body)
		if a.status != 400 && a.status != 501 {
			t.Errorf("%s %s %s: %d, want a refusal", tc.method, tc.path, tc.body, a.status)
		}
	}
	kc := do(t, "POST", srv.URL+"/iam/v1/keys", tok, nil, `{"format":0,"keyAlgorithm":1}`)
	if kk, _ := kc.body["key"].(map[string]any); kc.status != 200 || kk["keyAlgorithm"] != "RSA_2048" {
		t.Fatalf("enums by number: %d %v", kc.status, kc.body["key"])
	}
}
