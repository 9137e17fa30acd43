package safeprint

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
)

// Redacted is what a field named in redact prints instead of its value
// (the same text as iam.Redacted; this package cannot import iam).
const Redacted = "REDACTED"

type mode int

const (
	plain mode = iota // %v
	plus              // %+v
	sharp             // %#v
)

// String returns v (a struct or a pointer to one) as %v prints it: the
// exported fields' values, space separated, in braces ("&{…}" for a
// pointer). Fields named in redact print as [Redacted] ("" when empty).
func String(v any, redact ...string) string { return render(v, plain, redact) }

// GoString returns v as %#v prints it: the type and the exported fields
// with their names, in Go syntax.
func GoString(v any, redact ...string) string { return render(v, sharp, redact) }

// Format writes v for verb: %+v with field names, %#v as [GoString], every
// other verb (and flag) as %v.
func Format(f fmt.State, verb rune, v any, redact ...string) {
	m := plain
	switch {
	case verb == 'v' && f.Flag('#'):
		m = sharp
	case verb == 'v' && f.Flag('+'):
		m = plus
	}
	_, _ = f.Write([]byte(render(v, m, redact)))
}

// LogValue returns v's exported fields as a slog group. A field that is a
// slog.LogValuer is resolved by slog; a pointer field without printing
// methods logs its address; func and chan fields are left out.
func LogValue(v any, redact ...string) slog.Value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return slog.StringValue("<nil>")
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return slog.StringValue(render(v, plain, redact))
	}
	var attrs []slog.Attr
	for i := range rv.NumField() {
		sf := rv.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := elem(rv.Field(i))
		switch {
		case slices.Contains(redact, sf.Name):
			attrs = append(attrs, slog.String(sf.Name, redacted(fv)))
		case fv.Kind() == reflect.Func || fv.Kind() == reflect.Chan:
		case fv.Kind() == reflect.Pointer && !fv.IsNil() && !hasMethods(fv, plain) && !implements[slog.LogValuer](fv):
			attrs = append(attrs, slog.String(sf.Name, fmt.Sprintf("%p", fv.Interface())))
		default:
			attrs = append(attrs, slog.Any(sf.Name, fv.Interface()))
		}
	}
	return slog.GroupValue(attrs...)
}

func render(v any, m mode, redact []string) string {
	var b strings.Builder
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			if m == sharp {
				return "(" + rv.Type().String() + ")(nil)"
			}
			return "<nil>"
		}
		b.WriteByte('&')
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		// Not used on other kinds; print the type only, never the value.
		return "%!(safeprint " + rv.Type().String() + ")"
	}
	if m == sharp {
		b.WriteString(rv.Type().String())
	}
	b.WriteByte('{')
	n := 0
	for i := range rv.NumField() {
		sf := rv.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		if n > 0 {
			if m == sharp {
				b.WriteString(", ")
			} else {
				b.WriteByte(' ')
			}
		}
		n++
		if m != plain {
			b.WriteString(sf.Name)
			b.WriteByte(':')
		}
		fv := rv.Field(i)
		if slices.Contains(redact, sf.Name) {
			if m == sharp {
				b.WriteString(`"` + redacted(fv) + `"`)
			} else {
				b.WriteString(redacted(fv))
			}
			continue
		}
		field(&b, fv, m)
	}
	b.WriteByte('}')
	return b.String()
}

// field prints one exported field the way fmt prints a nested value.
func field(b *strings.Builder, fv reflect.Value, m mode) {
	fv = elem(fv)
	if fv.Kind() == reflect.Pointer && !fv.IsNil() && !hasMethods(fv, m) {
		// fmt prints a nested pointer as its address, never its target.
		if m == sharp {
			fmt.Fprintf(b, "(%s)(%p)", fv.Type(), fv.Interface())
		} else {
			fmt.Fprintf(b, "%p", fv.Interface())
		}
		return
	}
	switch m {
	case plus:
		fmt.Fprintf(b, "%+v", fv.Interface())
	case sharp:
		fmt.Fprintf(b, "%#v", fv.Interface())
	default:
		fmt.Fprintf(b, "%v", fv.Interface())
	}
}

// hasMethods reports whether fmt would print fv through a method in mode m.
func hasMethods(fv reflect.Value, m mode) bool {
	if implements[fmt.Formatter](fv) {
		return true
	}
	if m == sharp {
		return implements[fmt.GoStringer](fv)
	}
	return implements[error](fv) || implements[fmt.Stringer](fv)
}

// elem returns the dynamic value of a non-nil interface, so that a pointer
// inside an interface field is treated as a pointer field.
func elem(fv reflect.Value) reflect.Value {
	if fv.Kind() == reflect.Interface && !fv.IsNil() {
		return fv.Elem()
	}
	return fv
}

func implements[I any](fv reflect.Value) bool { return fv.Type().Implements(reflect.TypeFor[I]()) }

func redacted(fv reflect.Value) string {
	if fv.IsZero() || (fv.Kind() == reflect.Slice && fv.Len() == 0) {
		return ""
	}
	return Redacted
}

// Sealed holds a pointer to plaintext one pointer further away than the
// struct that holds the *Sealed. fmt prints a struct's pointer fields as
// addresses; it follows a pointer only at the top level or for a wrong
// verb ("%!s(*T=&{…})"), and then prints that struct's own pointer fields
// as addresses. Behind a *Sealed field, plaintext (a *rsa.PrivateKey, an
// *oauth2.Token, a list of strings) is out of reach of any fmt verb,
// whatever prints the struct that holds it and however it is nested.
type Sealed[T any] struct{ p *T }

// Seal returns p sealed; nil for nil.
func Seal[T any](p *T) *Sealed[T] {
	if p == nil {
		return nil
	}
	return &Sealed[T]{p}
}

// Get returns the pointer s holds; nil for a nil s.
func (s *Sealed[T]) Get() *T {
	if s == nil {
		return nil
	}
	return s.p
}

// FormatString writes s under every verb, and gs for %#v: the Format
// method of a type whose String already leaves its secrets out.
func FormatString(f fmt.State, verb rune, s, gs string) {
	if verb == 'v' && f.Flag('#') {
		s = gs
	}
	_, _ = io.WriteString(f, s)
}
