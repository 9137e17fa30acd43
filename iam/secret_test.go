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
