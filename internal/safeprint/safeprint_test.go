package safeprint_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/internal/safeprint"
)

type inner struct{ A, B string }

type plainStruct struct {
	Name  string
	N     int
	When  time.Time
	In    inner
	Ptr   *inner
	List  []string
	M     map[string]int
	Any   any
	lower string
}

type withSecret struct {
	ID     string
	Secret string
	Token  []byte
	hidden string
}

func (w withSecret) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, w, "Secret", "Token") }

// TestPrintsLikeFmt checks that, for a struct without unexported fields,
// String, GoString and Format give what fmt gives for %v, %#v and %+v,
// except that pointer fields print as addresses as fmt prints them nested.
func TestPrintsLikeFmt(t *testing.T) {
	type exported struct {
		Name string
		N    int
		In   inner
		List []string
		M    map[string]int
		Nil  *inner
	}
	v := exported{Name: "n", N: 3, In: inner{"a", "b"}, List: []string{"x"}, M: map[string]int{"k": 1}}
	if got, want := safeprint.String(v), fmt.Sprintf("%v", v); got != want {
		t.Errorf("String = %s, want %s", got, want)
	}
	if got, want := safeprint.GoString(v), fmt.Sprintf("%#v", v); got != want {
		t.Errorf("GoString = %s, want %s", got, want)
	}
	if got, want := safeprint.String(&v), fmt.Sprintf("%v", &v); got != want {
		t.Errorf("String(&v) = %s, want %s", got, want)
	}
	p := &inner{"a", "b"}
	w := struct {
		P *inner
		A any
	}{p, p}
	want := fmt.Sprintf("{%p %p}", p, p)
	if got := safeprint.String(w); got != want {
		t.Errorf("pointer fields: %s, want %s (addresses, as fmt prints nested pointers)", got, want)
	}
}

func TestUnexportedFieldsAndRedaction(t *testing.T) {
	v := withSecret{ID: "id-1", Secret: "CANARY-s", Token: []byte("CANARY-t"), hidden: "CANARY-h"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%10v"} {
		got := fmt.Sprintf(verb, v)
		if strings.Contains(got, "CANARY") || !strings.Contains(got, "id-1") {
			t.Errorf("%s: %s", verb, got)
		}
	}
	if got := fmt.Sprintf("%+v", v); got != "{ID:id-1 Secret:REDACTED Token:REDACTED}" {
		t.Errorf("%%+v = %s", got)
	}
	if got := fmt.Sprintf("%v", withSecret{ID: "x"}); got != "{x  }" {
		t.Errorf("empty secrets print empty: %s", got)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", safeprint.LogValue(v, "Secret", "Token"))
	if got := buf.String(); strings.Contains(got, "CANARY") || !strings.Contains(got, `"v":{"ID":"id-1","Secret":"REDACTED","Token":"REDACTED"}`) {
		t.Errorf("slog: %s", got)
	}
	ps := plainStruct{Name: "n", Ptr: &inner{"CANARY-p", ""}, Any: &inner{"CANARY-a", ""}, lower: "CANARY-l"}
	buf.Reset()
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", safeprint.LogValue(ps))
	if got := buf.String(); strings.Contains(got, "CANARY") || !strings.Contains(got, "v.Name=n") {
		t.Errorf("slog: pointer fields must log as addresses: %s", got)
	}
}

// TestSealed checks that a struct's *Sealed field hides what it holds
// under every verb, however the struct is reached, where a plain pointer
// field does not (fmt follows it for a wrong verb).
func TestSealed(t *testing.T) {
	key := &inner{A: "CANARY-sealed"}
	type plain struct{ k *inner }
	type holder struct {
		k *safeprint.Sealed[inner]
	}
	wrongVerb := "%s"
	if got := fmt.Sprintf(wrongVerb, plain{key}); !strings.Contains(got, "CANARY") {
		t.Fatalf("a plain pointer field was expected to show under %%s: %s", got)
	}
	h := holder{safeprint.Seal(key)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%e", "%p", "%w"} {
		for _, v := range []any{h, &h, []any{h, &h}, struct{ h holder }{h}, map[string]*holder{"k": &h}} {
			if got := fmt.Sprintf(verb, v); strings.Contains(got, "CANARY") {
				t.Errorf("%s: %s", verb, got)
			}
		}
	}
	if h.k.Get() != key || safeprint.Seal[inner](nil) != nil || (*safeprint.Sealed[inner])(nil).Get() != nil {
		t.Fatal("Seal/Get")
	}
}
