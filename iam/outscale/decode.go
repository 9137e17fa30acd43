package outscale

import (
	"encoding/json"
	"strings"

	"github.com/iamkit/iamkit/iam"
)

// decodeResponse decodes a 2xx response body into out. The access-key
// responses (the ones ReadAccessKeys, SetState and key rotation send most)
// first go through a hand-written decoder for the form the API writes:
// printable ASCII strings without escapes, the date forms [parseFast]
// reads, no null. Anything else (escapes, null, a key that differs from a
// field name only by case, a duplicate list, invalid JSON) makes it give
// up without touching out, and encoding/json decodes the body instead; so
// the result is always the one json.Unmarshal gives (FuzzFastDecode checks
// this).
func decodeResponse(data []byte, out any) error {
	if f, ok := out.(fastUnmarshaler); ok && f.unmarshalFast(data) {
		return nil
	}
	return json.Unmarshal(data, out)
}

// fastUnmarshaler is implemented by the response types with a hand-written
// decoder. unmarshalFast reports false, leaving the receiver unchanged,
// when the input is not in the simple form it handles.
type fastUnmarshaler interface {
	unmarshalFast(data []byte) bool
}

// The field names of the decoded types: a key that matches none of them
// exactly but one of them case-insensitively would be decoded into that
// field by encoding/json, so the fast path gives up on it.
var (
	readAccessKeysFields  = []string{"AccessKeys", "ResponseContext"}
	updateAccessKeyFields = []string{"AccessKey", "ResponseContext"}
	accessKeyFields       = []string{"AccessKeyId", "CreationDate", "ExpirationDate", "LastModificationDate", "State", "Tag"}
	responseContextFields = []string{"RequestId"}
)

func (r *ReadAccessKeysResponse) unmarshalFast(data []byte) bool {
	p := newJSONReader(data)
	var out ReadAccessKeysResponse
	if !p.consume('{') {
		return false
	}
	seenKeys := false
	for n := 0; ; n++ {
		key, ok, done := p.member(n)
		if !ok {
			return false
		}
		if done {
			break
		}
		switch key {
		case "AccessKeys":
			// encoding/json decodes a repeated list into the first one's
			// elements (merging them): leave that to it.
			ok = !seenKeys && p.accessKeys(&out.AccessKeys)
			seenKeys = true
		case "ResponseContext":
			ok = p.responseContext(&out.ResponseContext)
		default:
			ok = p.unknown(key, readAccessKeysFields)
		}
		if !ok {
			return false
		}
	}
	if !p.end() {
		return false
	}
	*r = out
	return true
}

func (r *UpdateAccessKeyResponse) unmarshalFast(data []byte) bool {
	p := newJSONReader(data)
	var out UpdateAccessKeyResponse
	if !p.consume('{') {
		return false
	}
	for n := 0; ; n++ {
		key, ok, done := p.member(n)
		if !ok {
			return false
		}
		if done {
			break
		}
		switch key {
		case "AccessKey":
			// A repeated object merges into the first, as with
			// encoding/json: the same field is decoded again.
			ok = p.accessKey(&out.AccessKey)
		case "ResponseContext":
			ok = p.responseContext(&out.ResponseContext)
		default:
			ok = p.unknown(key, updateAccessKeyFields)
		}
		if !ok {
			return false
		}
	}
	if !p.end() {
		return false
	}
	*r = out
	return true
}

// jsonReader reads the simple JSON the fast decoders accept. Decoded
// strings are substrings of one copy of the whole body (one allocation per
// response instead of one per string).
type jsonReader struct {
	data []byte
	s    string // string(data)
	i    int
}

func newJSONReader(data []byte) jsonReader {
	return jsonReader{data: data, s: string(data)}
}

// maxSkipDepth bounds the nesting of skipped unknown values; deeper input
// goes to encoding/json.
const maxSkipDepth = 64

func (p *jsonReader) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips white space and the byte c; false if c is not next.
func (p *jsonReader) consume(c byte) bool {
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (p *jsonReader) end() bool {
	p.ws()
	return p.i == len(p.data)
}

// member moves to member n (0-based) of the object whose '{' was consumed:
// it returns the member's key with the ':' consumed, or done at '}'.
func (p *jsonReader) member(n int) (key string, ok, done bool) {
	p.ws()
	if p.i >= len(p.data) {
		return "", false, false
	}
	if p.data[p.i] == '}' {
		p.i++
		return "", true, true
	}
	if n > 0 {
		if p.data[p.i] != ',' {
			return "", false, false
		}
		p.i++
	}
	key, ok = p.plainString()
	if !ok || !p.consume(':') {
		return "", false, false
	}
	return key, true, false
}

// element moves to element n (0-based) of the array whose '[' was
// consumed; done at ']'.
func (p *jsonReader) element(n int) (ok, done bool) {
	p.ws()
	if p.i >= len(p.data) {
		return false, false
	}
	if p.data[p.i] == ']' {
		p.i++
		return true, true
	}
	if n > 0 {
		if p.data[p.i] != ',' {
			return false, false
		}
		p.i++
	}
	return true, false
}

// plainSpan reads a string of printable ASCII without escapes and returns
// the bounds of its content in data.
func (p *jsonReader) plainSpan() (start, end int, ok bool) {
	p.ws()
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return 0, 0, false
	}
	start = p.i + 1
	j := start
	for j < len(p.data) && plainByte[p.data[j]] {
		j++
	}
	if j == len(p.data) || p.data[j] != '"' {
		return 0, 0, false // escape, control or non-ASCII byte, or no end
	}
	p.i = j + 1
	return start, j, true
}

// plainByte marks the bytes a plain string holds: printable ASCII but the
// quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (p *jsonReader) plainString() (string, bool) {
	start, end, ok := p.plainSpan()
	if !ok {
		return "", false
	}
	return p.s[start:end], true
}

// date reads a date in one of the forms parseFast reads, as
// Date.UnmarshalJSON would.
func (p *jsonReader) date(d *Date) bool {
	start, end, ok := p.plainSpan()
	if !ok {
		return false
	}
	t, ok := parseFast(p.data[start:end])
	if !ok {
		return false
	}
	*d = Date{t: t}
	return true
}

// unknown skips the value of a key that is none of fields, or gives up if
// encoding/json would match it to one of them case-insensitively.
func (p *jsonReader) unknown(key string, fields []string) bool {
	for _, f := range fields {
		if strings.EqualFold(key, f) {
			return false
		}
	}
	return p.skip(0)
}

func (p *jsonReader) accessKeys(dst *[]AccessKey) bool {
	if !p.consume('[') {
		return false
	}
	keys := make([]AccessKey, 0, 4)
	for n := 0; ; n++ {
		ok, done := p.element(n)
		if !ok {
			return false
		}
		if done {
			break
		}
		keys = append(keys, AccessKey{})
		if !p.accessKey(&keys[len(keys)-1]) {
			return false
		}
	}
	*dst = keys
	return true
}

func (p *jsonReader) accessKey(k *AccessKey) bool {
	if !p.consume('{') {
		return false
	}
	for n := 0; ; n++ {
		key, ok, done := p.member(n)
		if !ok {
			return false
		}
		if done {
			return true
		}
		switch key {
		case "AccessKeyId":
			k.AccessKeyID, ok = p.plainString()
		case "CreationDate":
			ok = p.date(&k.CreationDate)
		case "ExpirationDate":
			ok = p.date(&k.ExpirationDate)
		case "LastModificationDate":
			ok = p.date(&k.LastModificationDate)
		case "State":
			var s string
			s, ok = p.plainString()
			k.State = iam.State(s)
		case "Tag":
			k.Tag, ok = p.plainString()
		default:
			ok = p.unknown(key, accessKeyFields)
		}
		if !ok {
			return false
		}
	}
}

func (p *jsonReader) responseContext(rc *ResponseContext) bool {
	if !p.consume('{') {
		return false
	}
	for n := 0; ; n++ {
		key, ok, done := p.member(n)
		if !ok {
			return false
		}
		if done {
			return true
		}
		switch key {
		case "RequestId":
			rc.RequestID, ok = p.plainString()
		default:
			ok = p.unknown(key, responseContextFields)
		}
		if !ok {
			return false
		}
	}
}

// skip skips one JSON value, checking its syntax as strictly as
// encoding/json does; false for invalid or too deeply nested input (and
// for object keys that are not plain strings).
func (p *jsonReader) skip(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	p.ws()
	if p.i >= len(p.data) {
		return false
	}
	switch c := p.data[p.i]; {
	case c == '{':
		p.i++
		for n := 0; ; n++ {
			_, ok, done := p.member(n)
			if !ok {
				return false
			}
			if done {
				return true
			}
			if !p.skip(depth + 1) {
				return false
			}
		}
	case c == '[':
		p.i++
		for n := 0; ; n++ {
			ok, done := p.element(n)
			if !ok {
				return false
			}
			if done {
				return true
			}
			if !p.skip(depth + 1) {
				return false
			}
		}
	case c == '"':
		return p.skipString()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return false
}

func (p *jsonReader) literal(lit string) bool {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return false
	}
	p.i += len(lit)
	return true
}

// skipString skips a string with any valid escapes; bytes of 0x80 and
// above pass as encoding/json lets them (it replaces invalid UTF-8).
func (p *jsonReader) skipString() bool {
	for j := p.i + 1; j < len(p.data); j++ {
		switch c := p.data[j]; {
		case c == '"':
			p.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(p.data) {
				return false
			}
			switch p.data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(p.data) {
					return false
				}
				for _, h := range p.data[j+1 : j+5] {
					if !isHex(h) {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// number skips a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonReader) number() bool {
	d, i := p.data, p.i
	if d[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	p.i = i
	return true
}
