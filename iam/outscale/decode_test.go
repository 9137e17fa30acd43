package outscale

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decodeSeeds are response bodies in the API's form and near misses that
// the fast decoders must hand to encoding/json.
var decodeSeeds = []struct {
	name string
	body string
	fast bool // the fast decoder handles it
}{
	{"api form", `{"AccessKeys":[{"AccessKeyId":"154CB7XG43GHNDB4G34W","CreationDate":"2026-03-18T10:00:00.000+0000","LastModificationDate":"2026-03-18T10:00:00.000+0000","State":"ACTIVE"},{"AccessKeyId":"E9250465N2C86E66LIA8","CreationDate":"2026-03-18T10:00:00.000+0000","ExpirationDate":"2026-03-18T11:00:00.000+0000","LastModificationDate":"2026-03-18T10:00:00.000+0000","State":"INACTIVE","Tag":"bench"}],"ResponseContext":{"RequestId":"0475ca1e-d0c5-441d-712a-000000000003"}}`, true},
	{"white space", " \n{ \"AccessKeys\" : [ { \"AccessKeyId\" : \"A\" , \"State\" : \"ACTIVE\" } ] ,\t\"ResponseContext\" : { } }\r\n", true},
	{"empty list", `{"AccessKeys":[],"ResponseContext":{"RequestId":"r"}}`, true},
	{"empty object", `{}`, true},
	{"update", `{"AccessKey":{"AccessKeyId":"A","ExpirationDate":"2063-04-05T00:00:00Z","State":"INACTIVE"},"ResponseContext":{"RequestId":"r"}}`, true},
	{"unknown fields skipped", `{"Next":null,"AccessKeys":[{"AccessKeyId":"A","Owner":{"Ids":[1,-2.5e+3,true,false,null,"x\u00e9\n"]}}],"Count":0}`, true},
	{"zone forms", `{"AccessKeys":[{"CreationDate":"2026-03-18T10:00:00Z","ExpirationDate":"2026-03-18T10:00:00+01:00","LastModificationDate":"2026-03-18T10:00:00.5-0130"}]}`, true},
	{"repeated context merges", `{"ResponseContext":{"RequestId":"a"},"ResponseContext":{}}`, true},
	{"date-only", `{"AccessKeys":[{"ExpirationDate":"2063-04-05"}]}`, false},
	{"empty date", `{"AccessKeys":[{"ExpirationDate":""}]}`, false},
	{"escaped string", `{"AccessKeys":[{"Tag":"a\"b"}]}`, false},
	{"non-ASCII string", `{"AccessKeys":[{"Tag":"café"}]}`, false},
	{"null list", `{"AccessKeys":null}`, false},
	{"null field", `{"AccessKeys":[{"Tag":null}]}`, false},
	{"case-folded key", `{"accesskeys":[{"AccessKeyId":"A"}]}`, false},
	{"case-folded inner key", `{"AccessKeys":[{"accessKeyID":"A"}]}`, false},
	{"repeated list", `{"AccessKeys":[{"Tag":"a"}],"AccessKeys":[{"State":"ACTIVE"}]}`, false},
	{"trailing comma", `{"AccessKeys":[{"Tag":"a"},]}`, false},
	{"trailing data", `{"AccessKeys":[]} x`, false},
	{"bad number", `{"X":01}`, false},
	{"bad escape", `{"X":"\x"}`, false},
	{"wrong type", `{"AccessKeys":{}}`, false},
	{"truncated", `{"AccessKeys":[{"Tag":"a"`, false},
	{"not an object", `[]`, false},
}

// decodeBoth decodes data with the fast decoder and with encoding/json
// into fresh values of the type of newOut, and fails t if the fast decoder
// succeeded with a different result or on input encoding/json rejects.
func decodeBoth(t *testing.T, data []byte, newOut func() fastUnmarshaler) (fast bool) {
	t.Helper()
	f := newOut()
	fast = f.unmarshalFast(data)
	j := newOut()
	jerr := json.Unmarshal(data, j)
	if !fast {
		if !reflect.DeepEqual(f, newOut()) {
			t.Fatalf("fast decoder gave up on %q but changed its output: %+v", data, f)
		}
		return false
	}
	if jerr != nil {
		t.Fatalf("fast decoder accepted %q, encoding/json rejects it: %v", data, jerr)
	}
	if !reflect.DeepEqual(f, j) {
		t.Fatalf("decoding %q:\nfast %+v\njson %+v", data, f, j)
	}
	return true
}

func newReadAccessKeys() fastUnmarshaler  { return &ReadAccessKeysResponse{} }
func newUpdateAccessKey() fastUnmarshaler { return &UpdateAccessKeyResponse{} }

func TestFastDecode(t *testing.T) {
	for _, tc := range decodeSeeds {
		t.Run(tc.name, func(t *testing.T) {
			newOut := newReadAccessKeys
			if tc.name == "update" {
				newOut = newUpdateAccessKey
			}
			if got := decodeBoth(t, []byte(tc.body), newOut); got != tc.fast {
				t.Errorf("fast decoder handled it: %v, want %v", got, tc.fast)
			}
			// Whatever path is taken, decodeResponse gives encoding/json's
			// answer.
			out, want := newOut(), newOut()
			err, wantErr := decodeResponse([]byte(tc.body), out), json.Unmarshal([]byte(tc.body), want)
			if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(out, want) {
				t.Errorf("decodeResponse = %+v, %v; json.Unmarshal = %+v, %v", out, err, want, wantErr)
			}
		})
	}
}

func TestFastDecodeValues(t *testing.T) {
	var out ReadAccessKeysResponse
	if !out.unmarshalFast([]byte(decodeSeeds[0].body)) {
		t.Fatal("fast decoder refused the API's form")
	}
	if len(out.AccessKeys) != 2 || out.AccessKeys[1].AccessKeyID != "E9250465N2C86E66LIA8" ||
		out.AccessKeys[1].State != StateInactive || out.AccessKeys[1].Tag != "bench" ||
		out.AccessKeys[1].ExpirationDate.String() != "2026-03-18T11:00:00Z" || !out.AccessKeys[0].ExpirationDate.IsZero() ||
		out.ResponseContext.RequestID != "0475ca1e-d0c5-441d-712a-000000000003" {
		t.Fatalf("decoded %+v", out)
	}
}

// FuzzFastDecode checks that the fast decoders never disagree with
// encoding/json: when they accept an input, json.Unmarshal accepts it too
// and produces the same value; when they refuse, they leave the output
// untouched.
func FuzzFastDecode(f *testing.F) {
	for _, tc := range decodeSeeds {
		f.Add(tc.body)
	}
	f.Fuzz(func(t *testing.T, s string) {
		decodeBoth(t, []byte(s), newReadAccessKeys)
		decodeBoth(t, []byte(s), newUpdateAccessKey)
	})
}
