package nebiustest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The X-ResetMask of an Update, as the nebius/api README ("Method Update
// and X-ResetMask Header") defines it: a comma-separated list of
// elements, each a dot-separated path of keys; a key is a field name, a
// list index, a map key (JSON-quoted when it is not [A-Za-z0-9_]+) or "*"
// (every direct child; a quoted "*" is a key named *); a parenthesised list of elements may stand for a
// key anywhere in a path and is followed by the rest of the path for each
// of its members: "f.(j.h,i.j).k" is f.j.h.k and f.i.j.k. Whitespace
// between tokens is skipped.
//
// Update semantics (the same README): a field of the resource is updated
// when the request has a non-default value for it, or when the mask names
// it; a named field the request leaves at its default is reset. A named
// structure is not cleared field by field unless its fields are named
// (a.b), but a structure named with a field inside it (a.b) is reset as a
// whole when the request lacks it. A list or map the request sets is
// taken whole: list elements within both lengths are updated one by one
// (so the mask can name an element's fields by index), the rest removed or
// added; map entries present in the request are updated, the missing ones
// removed. Naming a list or map the request leaves empty clears it.

// Bounds of a mask, against pathological headers.
const (
	maxMaskBytes = 64 << 10
	maxMaskNodes = 10000
	maxMaskDepth = 64
)

// mask is a parsed reset mask: a tree of keys. A node in the tree is a
// key the mask names (with or without keys below it).
type mask struct {
	any    *mask            // "*": every direct child
	fields map[string]*mask // by field name, list index or map key
}

// child returns what the mask names below key: the union of the key's own
// subtree and the "*" subtree; nil when the mask does not name key.
func (m *mask) child(key string) *mask {
	if m == nil {
		return nil
	}
	f, a := m.fields[key], m.any
	switch {
	case f == nil:
		return a
	case a == nil:
		return f
	}
	return union(f, a)
}

// union returns a new tree naming what a or b names.
func union(a, b *mask) *mask {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &mask{any: union(a.any, b.any), fields: map[string]*mask{}}
	for k, v := range a.fields {
		out.fields[k] = v
	}
	for k, v := range b.fields {
		out.fields[k] = union(out.fields[k], v)
	}
	return out
}

// String renders the tree in the mask syntax, keys sorted (for tests and
// error text). The wildcard renders as *, a key named * as "*".
func (m *mask) String() string {
	if m == nil {
		return ""
	}
	type entry struct {
		key, name string // key sorts (the literal "*" before the wildcard)
		wild      bool
		sub       *mask
	}
	var entries []entry
	for k, sub := range m.fields {
		name := k
		if !isPlainKey(k) {
			b, _ := json.Marshal(k)
			name = string(b)
		}
		entries = append(entries, entry{key: k, name: name, sub: sub})
	}
	if m.any != nil {
		entries = append(entries, entry{key: "*", name: "*", wild: true, sub: m.any})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].key != entries[j].key {
			return entries[i].key < entries[j].key
		}
		return !entries[i].wild
	})
	var parts []string
	for _, e := range entries {
		switch inner := e.sub.String(); {
		case inner == "":
			parts = append(parts, e.name)
		case e.sub.keys() > 1:
			parts = append(parts, e.name+".("+inner+")")
		default:
			parts = append(parts, e.name+"."+inner)
		}
	}
	return strings.Join(parts, ",")
}

// keys is how many keys the node has below it.
func (m *mask) keys() int {
	n := len(m.fields)
	if m.any != nil {
		n++
	}
	return n
}

func isPlainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// part is one step of a path: a key, the wildcard (an unquoted "*"), or
// a group of paths. A quoted "*" is a key named *.
type part struct {
	key   string
	wild  bool
	group [][]part
}

// maskParser reads the mask syntax.
type maskParser struct {
	s     string
	i     int
	nodes int
}

// parseMask parses an X-ResetMask header value; "" is the empty mask.
func parseMask(s string) (*mask, error) {
	if len(s) > maxMaskBytes {
		return nil, fmt.Errorf("reset mask is longer than %d bytes", maxMaskBytes)
	}
	p := &maskParser{s: s}
	paths, err := p.list(0)
	if err != nil {
		return nil, err
	}
	if p.skip(); p.i < len(p.s) {
		return nil, p.unexpected()
	}
	root := &mask{}
	for _, path := range paths {
		if err := p.insert(root, path); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func (p *maskParser) errorf(format string, args ...any) error {
	return fmt.Errorf("reset mask %q at byte offset %d: %s", truncate(p.s, 200), p.i, fmt.Sprintf(format, args...))
}

// unexpected is the error of the character at p.i: the character itself
// (a whole UTF-8 sequence), quoted, or the byte when it is not one.
func (p *maskParser) unexpected() error {
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && n <= 1 {
		return p.errorf("unexpected %q", p.s[p.i:p.i+1])
	}
	return p.errorf("unexpected %q", string(r))
}

func (p *maskParser) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// list reads elem (',' elem)*; at the top level an empty input is an
// empty list.
func (p *maskParser) list(depth int) ([][]part, error) {
	if depth > maxMaskDepth {
		return nil, p.errorf("nested deeper than %d", maxMaskDepth)
	}
	p.skip()
	if depth == 0 && p.i == len(p.s) {
		return nil, nil
	}
	var out [][]part
	for {
		e, err := p.elem(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		return out, nil
	}
}

// elem reads part ('.' part)*.
func (p *maskParser) elem(depth int) ([]part, error) {
	var out []part
	for {
		p.skip()
		if p.i == len(p.s) {
			return nil, p.errorf("a key is missing")
		}
		switch c := p.s[p.i]; {
		case c == '(':
			p.i++
			g, err := p.list(depth + 1)
			if err != nil {
				return nil, err
			}
			if p.skip(); p.i == len(p.s) || p.s[p.i] != ')' {
				return nil, p.errorf("')' is missing")
			}
			p.i++
			out = append(out, part{group: g})
		case c == '*':
			p.i++
			out = append(out, part{wild: true})
		case c == '"':
			dec := json.NewDecoder(strings.NewReader(p.s[p.i:]))
			var k string
			if err := dec.Decode(&k); err != nil {
				return nil, p.errorf("bad quoted key: %v", err)
			}
			p.i += int(dec.InputOffset())
			out = append(out, part{key: k})
		default:
			j := p.i
			for j < len(p.s) && isPlainKey(p.s[j:j+1]) {
				j++
			}
			if j == p.i {
				return nil, p.unexpected()
			}
			out = append(out, part{key: p.s[p.i:j]})
			p.i = j
		}
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == '.' {
			p.i++
			continue
		}
		return out, nil
	}
}

// insert adds a path to the tree; a group stands for each of its paths,
// each followed by the rest.
func (p *maskParser) insert(node *mask, path []part) error {
	if len(path) == 0 {
		return nil
	}
	if p.nodes++; p.nodes > maxMaskNodes {
		return fmt.Errorf("reset mask names more than %d fields", maxMaskNodes)
	}
	head, rest := path[0], path[1:]
	if head.group != nil {
		for _, g := range head.group {
			if err := p.insert(node, append(append([]part(nil), g...), rest...)); err != nil {
				return err
			}
		}
		return nil
	}
	var next *mask
	if head.wild {
		if node.any == nil {
			node.any = &mask{}
		}
		next = node.any
	} else {
		if node.fields == nil {
			node.fields = map[string]*mask{}
		}
		if node.fields[head.key] == nil {
			node.fields[head.key] = &mask{}
		}
		next = node.fields[head.key]
	}
	return p.insert(next, rest)
}

// applyUpdate updates dst from src under mask m (see the rules above).
// dst and src may be different messages (a resource and its Update
// request): fields are matched by name, and a field of dst that src does
// not have (a resource's status) is left alone. Names the mask gives that
// dst does not have are ignored: a field the emulator does not keep is at
// its default already, so resetting it changes nothing.
func applyUpdate(dst, src protoreflect.Message, m *mask) {
	fields := dst.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		sfd := src.Descriptor().Fields().ByName(fd.Name())
		if sfd == nil || !sameShape(fd, sfd) {
			continue
		}
		child := m.child(string(fd.Name()))
		switch {
		case src.IsValid() && src.Has(sfd):
			switch {
			case fd.IsList():
				applyList(dst, fd, src.Get(sfd).List(), child)
			case fd.IsMap():
				applyMap(dst, fd, src.Get(sfd).Map(), child)
			case fd.Message() != nil:
				applyUpdate(dst.Mutable(fd).Message(), src.Get(sfd).Message(), child)
			default:
				dst.Set(fd, src.Get(sfd))
			}
		case child != nil:
			// Named and absent (or default) in the request: reset it; a
			// structure, list or map as a whole.
			dst.Clear(fd)
		}
	}
}

// sameShape reports whether two fields of the same name hold the same kind
// of value.
func sameShape(a, b protoreflect.FieldDescriptor) bool {
	if a.Kind() != b.Kind() || a.Cardinality() != b.Cardinality() || a.IsMap() != b.IsMap() {
		return false
	}
	if a.Message() != nil {
		return a.Message().FullName() == b.Message().FullName()
	}
	if a.Enum() != nil {
		return a.Enum().FullName() == b.Enum().FullName()
	}
	return true
}

// applyList takes the request's list: elements within both lengths are
// updated one by one (messages under the mask's subtree for their index),
// the others removed or added.
func applyList(dst protoreflect.Message, fd protoreflect.FieldDescriptor, src protoreflect.List, m *mask) {
	old := dst.Get(fd).List()
	out := dst.NewField(fd).List()
	for i := 0; i < src.Len(); i++ {
		if fd.Message() != nil && i < old.Len() {
			e := proto.Clone(old.Get(i).Message().Interface()).ProtoReflect()
			applyUpdate(e, src.Get(i).Message(), m.child(strconv.Itoa(i)))
			out.Append(protoreflect.ValueOfMessage(e))
			continue
		}
		out.Append(cloneValue(fd, src.Get(i)))
	}
	dst.Set(fd, protoreflect.ValueOfList(out))
}

// applyMap takes the request's map: entries it has are updated (message
// values under the mask's subtree for their key), the others removed.
func applyMap(dst protoreflect.Message, fd protoreflect.FieldDescriptor, src protoreflect.Map, m *mask) {
	old := dst.Get(fd).Map()
	out := dst.NewField(fd).Map()
	vd := fd.MapValue()
	src.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		if vd.Message() != nil && old.Has(k) {
			e := proto.Clone(old.Get(k).Message().Interface()).ProtoReflect()
			applyUpdate(e, v.Message(), m.child(k.String()))
			out.Set(k, protoreflect.ValueOfMessage(e))
			return true
		}
		out.Set(k, cloneValue(vd, v))
		return true
	})
	dst.Set(fd, protoreflect.ValueOfMap(out))
}

func cloneValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) protoreflect.Value {
	if fd.Message() != nil {
		return protoreflect.ValueOfMessage(proto.Clone(v.Message().Interface()).ProtoReflect())
	}
	return v
}

// truncate cuts s to at most n bytes, at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
