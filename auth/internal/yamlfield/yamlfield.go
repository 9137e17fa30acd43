package yamlfield

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/keyfile"
)

// EachKey calls fn for every key of the mapping n, in order; a key given
// twice, or a key that is not a name, is an error naming prefix (the dotted
// path of n in the file) and source (the file).
func EachKey(n *yaml.Node, prefix, source string, fn func(key string, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := k.Value
		if prefix != "" {
			field = prefix + "." + k.Value
		}
		if k.Kind != yaml.ScalarNode {
			return &auth.KeyFileError{Source: source, Field: prefix,
				Err: keyfile.Errorf(auth.ErrMalformedKey, "line %d: a key is %s, want a name", k.Line, Kind(k))}
		}
		if seen[k.Value] {
			return &auth.KeyFileError{Source: source, Field: field,
				Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: given twice", k.Line)}
		}
		seen[k.Value] = true
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

// String stores the scalar v in dst, trimmed; null leaves it empty.
func String(v *yaml.Node, field, source string, dst *string) error {
	if IsNull(v) {
		return nil
	}
	if v.Kind != yaml.ScalarNode {
		return &auth.KeyFileError{Source: source, Field: field,
			Err: keyfile.Errorf(auth.ErrInvalidField, "line %d: want a string, found %s", v.Line, Kind(v))}
	}
	*dst = strings.TrimSpace(v.Value)
	return nil
}

// IsNull reports whether v is YAML's null.
func IsNull(v *yaml.Node) bool { return v.Kind == yaml.ScalarNode && v.Tag == "!!null" }

// Kind names a node's kind for errors, never its value.
func Kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return "a string"
}

// ErrorText is a YAML syntax error's text without the "yaml: " prefix.
// (yaml.v3's syntax errors say the line and the problem; they do not quote
// the input.)
func ErrorText(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
