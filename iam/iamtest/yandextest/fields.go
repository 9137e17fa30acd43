package yandextest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
)

// The emulator's rule for request fields: it decodes the fields the
// API's request message defines and implements, in proto3 JSON form
// (lowerCamelCase names, and the original snake_case names, which the
// proto3 JSON mapping requires parsers to accept), and answers anything
// else — a body field or query parameter the request message does not
// have, or a body on a call that takes none — with 501 UNIMPLEMENTED,
// changing nothing. Whether the real gateway ignores unknown fields (as
// grpc-gateway does by default) or refuses them is UNCONFIRMED; an
// emulator that ignored them would answer as if it had honoured a field
// it knows nothing of, so it refuses them instead.

// camelName returns the lowerCamelCase form of a proto field name
// ("service_account_id" → "serviceAccountId"); a name without '_' is
// returned as it is.
func camelName(name string) string {
	if !strings.Contains(name, "_") {
		return name
	}
	var b strings.Builder
	up := false
	for _, r := range name {
		switch {
		case r == '_':
			up = true
		case up && r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

// fieldName resolves a name sent by a client to the camelCase name of one
// of known, or reports false.
func fieldName(sent string, known []string) (string, bool) {
	if slices.Contains(known, sent) {
		return sent, true
	}
	// Only an actual snake_case spelling maps: "serviceaccountid" or
	// "ServiceAccountId" are not proto3 JSON names.
	if c := camelName(sent); c != sent && slices.Contains(known, c) && strings.ToLower(sent) == sent {
		return c, true
	}
	return "", false
}

// jsonFields returns the json names of the fields of the struct v points
// to.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v).Elem()
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// emptyBody reports whether a body carries no field: nothing, or an empty
// JSON object ("{}", the empty message), which a client may send with a
// POST such as OperationService.Cancel's.
func emptyBody(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return true
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(body, &m) == nil && m != nil && len(m) == 0
}

// decodeBody reads a JSON request body into v, a pointer to a struct
// whose json tags are the camelCase names of the request message's fields
// that the emulator implements. An empty body is the empty message.
func decodeBody(req *request, v any) *apiError {
	body := bytes.TrimSpace(req.body)
	if len(body) == 0 {
		return nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return errf(codeInvalidArgument, "invalid JSON body at offset %d", se.Offset)
		}
		return errf(codeInvalidArgument, "the request body must be a JSON object")
	}
	known := jsonFields(v)
	norm := make(map[string]json.RawMessage, len(top))
	for k, raw := range top {
		name, ok := fieldName(k, known)
		if !ok {
			return errf(codeUnimplemented, "%s: the emulator does not implement the request field %q", req.op, k)
		}
		if _, dup := norm[name]; dup {
			return errf(codeInvalidArgument, "field %s is given twice (as %q and in its other spelling)", name, k)
		}
		norm[name] = raw
	}
	b, _ := json.Marshal(norm)
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errf(codeInvalidArgument, "field %s: a JSON %s is not a valid value", te.Field, te.Value)
		}
		return errf(codeInvalidArgument, "invalid request body: %v", err)
	}
	return nil
}

// checkQuery resolves the query parameters of a request to the camelCase
// names in known. An unknown parameter is 501; a parameter given twice is
// refused (every one is a singular field).
func checkQuery(op string, q url.Values, known []string) (url.Values, *apiError) {
	out := url.Values{}
	for k, vs := range q {
		name, ok := fieldName(k, known)
		if !ok {
			return nil, errf(codeUnimplemented, "%s: the emulator does not implement the query parameter %q", op, k)
		}
		if len(vs) > 1 || out.Has(name) {
			return nil, errf(codeInvalidArgument, "query parameter %s is given more than once", name)
		}
		out.Set(name, vs[0])
	}
	return out, nil
}
