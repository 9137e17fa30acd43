package iam_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
)

const canary = "CANARY-5f1e9c0a-secret"

func TestSecretNeverPrints(t *testing.T) {
	s := iam.NewSecret(canary)
	type holder struct {
		Name   string
		Secret iam.Secret
		Ptr    *iam.Secret
	}
	h := holder{Name: "n", Secret: s, Ptr: &s}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-8v"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []iam.Secret{s}))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(s), s.String(), s.GoString())

	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	x, err := xml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(x))
	type attr struct {
		XMLName xml.Name   `xml:"k"`
		S       iam.Secret `xml:"s,attr"`
	}
	xa, err := xml.Marshal(attr{S: s})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(xa))

	var buf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		l := slog.New(h)
		l.Debug("secret", "s", s, "h", h, "any", any(s))
		l.Info("group", slog.Group("g", "s", s))
	}
	outs = append(outs, buf.String())
	outs = append(outs, fmt.Errorf("wrapped: %v", s).Error(), errors.New(fmt.Sprint(s)).Error())

	for _, o := range outs {
		if strings.Contains(o, canary) {
			t.Fatalf("secret leaked: %s", o)
		}
	}
	if !strings.Contains(strings.Join(outs, "\n"), iam.Redacted) {
		t.Fatal("REDACTED never printed")
	}
	if s.Reveal() != canary {
		t.Fatal("Reveal lost the value")
	}
}

// allVerbs are every fmt verb, the ones with no meaning for a struct
// included: fmt prints an operand under a wrong verb by reflection, with
// its methods switched off ("%!d(T=…)"), and %p and %w (outside Errorf)
// likewise.
var allVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%O", "%b",
	"%e", "%E", "%f", "%F", "%g", "%G", "%c", "%U", "%p", "%w", "%T", "%10s", "%-8v", "%+q", "%#x"}

// TestSecretReflectionShowsNoPlaintext is the regression test of issue 11
// item 3: the plaintext showed wherever fmt printed a Secret by reflection
// instead of calling its methods — in an unexported field, under a verb
// with no method (%d %t %o %b %e %g %c, %p, %w), and inside slices and maps
// of pointers (under %s and %q, fmt reports the pointer as a wrong verb and
// prints what it points to by reflection).
func TestSecretReflectionShowsNoPlaintext(t *testing.T) {
	s := iam.NewSecret(canary)
	key := iam.AccessKey{Provider: iam.Outscale, ID: "AKID", AccessKeyID: "AKID", Secret: s, SessionToken: s}
	type unexported struct {
		name string
		s    iam.Secret
		k    iam.AccessKey
		kp   *iam.AccessKey
	}
	u := unexported{"n", s, key, &key}
	values := map[string]any{
		"secret": s, "&secret": &s, "key": key, "&key": &key,
		"unexported": u, "&unexported": &u, "[]unexported": []unexported{u},
		"[]*AccessKey":          []*iam.AccessKey{&key},
		"map[string]*AccessKey": map[string]*iam.AccessKey{"k": &key},
		"[]any{&key}":           []any{&key, &s, u},
		"map[Secret]int":        map[iam.Secret]int{s: 1},
		"struct{*unexported}":   struct{ p *unexported }{&u},
	}
	n := 0
	for name, v := range values {
		for _, verb := range allVerbs {
			n++
			if out := fmt.Sprintf(verb, v); strings.Contains(out, canary) {
				t.Errorf("%s under %s: %s", name, verb, out)
			}
		}
		for _, out := range []string{fmt.Sprint(v), fmt.Errorf("e: %v", v).Error(), fmt.Errorf("e: %w", fmt.Errorf("%+v", v)).Error()} {
			n++
			if strings.Contains(out, canary) {
				t.Errorf("%s: %s", name, out)
			}
		}
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(h).Info("m", "u", u, "pu", &u, "list", []*iam.AccessKey{&key}, "any", []any{&key})
	}
	if strings.Contains(buf.String(), canary) {
		t.Errorf("slog: %s", buf.String())
	}
	t.Logf("%d renderings", n+2)
}

// TestSecretCopiesAndZero checks what keeping the plaintext behind a
// pointer changes: a copy shares the plaintext, decoding into a copy does
// not change the original, == compares the pointer (Equal the plaintext),
// and every empty Secret is the zero Secret, so comparing a struct with
// its zero value (tok == auth.Token{}) keeps its meaning.
func TestSecretCopiesAndZero(t *testing.T) {
	a := iam.NewSecret("x")
	b := a
	if b.Reveal() != "x" || !a.Equal(b) || a != b {
		t.Fatal("a copy must reveal and equal the original")
	}
	if err := json.Unmarshal([]byte(`"y"`), &b); err != nil || b.Reveal() != "y" || a.Reveal() != "x" {
		t.Fatalf("decoding into a copy: a=%q b=%q err=%v", a.Reveal(), b.Reveal(), err)
	}
	c := iam.NewSecret("x")
	if !a.Equal(c) || a == c {
		t.Fatal("two Secrets of one plaintext: Equal true, == false")
	}
	var z iam.Secret
	if iam.NewSecret("") != z || !iam.NewSecret("").IsZero() {
		t.Fatal(`NewSecret("") must be the zero Secret`)
	}
	if err := json.Unmarshal([]byte(`""`), &b); err != nil || b != z {
		t.Fatal(`decoding "" must give the zero Secret`)
	}
	if (iam.AccessKey{Secret: iam.NewSecret("")}) != (iam.AccessKey{}) {
		t.Fatal("a struct with an empty Secret must equal its zero value")
	}
	if n := testing.AllocsPerRun(100, func() {
		d := a
		if d.IsZero() || d.Len() != 1 || d.Reveal() != "x" || !d.Equal(c) {
			t.Fatal("bad copy")
		}
	}); n != 0 {
		t.Fatalf("copying and revealing a Secret allocates %v times", n)
	}
}

// TestAccessKeyPrintsLikeFmt checks that AccessKey's printing methods keep
// fmt's layout (%v values, %+v names, %#v Go syntax) with the secrets
// redacted, and that slog logs it as a group.
func TestAccessKeyPrintsLikeFmt(t *testing.T) {
	k := iam.AccessKey{Provider: iam.Yandex, ID: "aje1", AccessKeyID: "YCAJ1", Secret: iam.NewSecret(canary), State: iam.StateActive}
	for verb, want := range map[string]string{
		"%v":  "{yandex aje1 YCAJ1 REDACTED    ACTIVE 0001-01-01 00:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC}",
		"%+v": "{Provider:yandex ID:aje1 AccessKeyID:YCAJ1 Secret:REDACTED SessionToken: Owner: Description: State:ACTIVE CreatedAt:0001-01-01 00:00:00 +0000 UTC ExpiresAt:0001-01-01 00:00:00 +0000 UTC}",
		"%s":  "{yandex aje1 YCAJ1 REDACTED    ACTIVE 0001-01-01 00:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC}",
		"%d":  "{yandex aje1 YCAJ1 REDACTED    ACTIVE 0001-01-01 00:00:00 +0000 UTC 0001-01-01 00:00:00 +0000 UTC}",
	} {
		if got := fmt.Sprintf(verb, k); got != want {
			t.Errorf("%s:\n got %s\nwant %s", verb, got, want)
		}
	}
	if got := fmt.Sprintf("%#v", k); !strings.HasPrefix(got, `iam.AccessKey{Provider:"yandex", ID:"aje1", AccessKeyID:"YCAJ1", Secret:iam.Secret(REDACTED), SessionToken:iam.Secret(), `) {
		t.Errorf("%%#v = %s", got)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "key", k)
	if !strings.Contains(buf.String(), `"key":{"Provider":"yandex","ID":"aje1","AccessKeyID":"YCAJ1","Secret":"REDACTED",`) {
		t.Errorf("slog: %s", buf.String())
	}
}

func TestSecretJSONRoundTrip(t *testing.T) {
	var v struct {
		S iam.Secret `json:"secret"`
	}
	if err := json.Unmarshal([]byte(`{"secret":"plain"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.S.Reveal() != "plain" {
		t.Fatalf("decoded %q", v.S.Reveal())
	}
	if err := json.Unmarshal([]byte(`{"secret":null}`), &v); err != nil || !v.S.IsZero() {
		t.Fatalf("null: %v %v", v.S.IsZero(), err)
	}
	if err := json.Unmarshal([]byte(`{"secret":42}`), &v); err == nil {
		t.Fatal("number: want an error")
	} else if strings.Contains(err.Error(), "42") {
		t.Fatalf("error echoes the value: %v", err)
	}
	out, _ := json.Marshal(struct{ S iam.Secret }{iam.NewSecret("x")})
	if string(out) != `{"S":"REDACTED"}` {
		t.Fatalf("marshal = %s", out)
	}
}

func TestSecretZeroAndEqual(t *testing.T) {
	var z iam.Secret
	if !z.IsZero() || z.String() != "" || z.Len() != 0 {
		t.Fatal("zero secret")
	}
	a, b := iam.NewSecret("a"), iam.NewSecret("a")
	if !a.Equal(b) || a.Equal(iam.NewSecret("b")) {
		t.Fatal("Equal")
	}
}

func TestErrorUnwrapsToSentinel(t *testing.T) {
	cause := errors.New("cause")
	e := &iam.Error{Provider: iam.Yandex, Op: "ApiKeys.Get", HTTPStatus: 404, GRPCCode: 5, Code: "5",
		Message: "api key not found", RequestID: "req-1", Kind: iam.ErrNotFound, Err: cause}
	if !errors.Is(e, iam.ErrNotFound) || !errors.Is(e, cause) || errors.Is(e, iam.ErrThrottled) {
		t.Fatal("errors.Is")
	}
	var target *iam.Error
	if !errors.As(fmt.Errorf("wrap: %w", e), &target) || target.RequestID != "req-1" {
		t.Fatal("errors.As")
	}
	msg := e.Error()
	for _, want := range []string{"yandex", "ApiKeys.Get", "api key not found", "http 404", "request id req-1"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("%q lacks %q", msg, want)
		}
	}
}

func TestKindMappings(t *testing.T) {
	for status, want := range map[int]error{400: iam.ErrInvalidArgument, 401: iam.ErrUnauthenticated, 403: iam.ErrPermissionDenied,
		404: iam.ErrNotFound, 409: iam.ErrAlreadyExists, 429: iam.ErrThrottled, 503: iam.ErrUnavailable, 200: nil} {
		if got := iam.KindForHTTPStatus(status); got != want {
			t.Errorf("http %d → %v, want %v", status, got, want)
		}
	}
	for code, want := range map[int]error{3: iam.ErrInvalidArgument, 5: iam.ErrNotFound, 6: iam.ErrAlreadyExists, 7: iam.ErrPermissionDenied,
		8: iam.ErrThrottled, 9: iam.ErrFailedPrecondition, 14: iam.ErrUnavailable, 16: iam.ErrUnauthenticated, 0: nil} {
		if got := iam.KindForGRPCCode(code); got != want {
			t.Errorf("grpc %d → %v, want %v", code, got, want)
		}
	}
}

func ExampleSecret() {
	s := iam.NewSecret("wJalrXUtnFEMI/K7MDENG")
	fmt.Printf("%v %q %#v\n", s, s, s)
	b, _ := json.Marshal(map[string]iam.Secret{"secret": s})
	fmt.Println(string(b))
	fmt.Println(len(s.Reveal()))
	// Output:
	// REDACTED "REDACTED" iam.Secret(REDACTED)
	// {"secret":"REDACTED"}
	// 21
}

func ExampleError() {
	err := error(&iam.Error{Provider: iam.Outscale, Op: "ReadAccessKeys", HTTPStatus: 429, Code: "24",
		Message: "too many requests", Kind: iam.ErrThrottled})
	fmt.Println(errors.Is(err, iam.ErrThrottled))
	fmt.Println(err)
	// Output:
	// true
	// outscale ReadAccessKeys: too many requests (http 429, code 24)
}
