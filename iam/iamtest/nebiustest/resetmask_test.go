package nebiustest

import (
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// TestParseMask: the grammar of the nebius/api README (groups, nesting,
// "*", list indexes, quoted keys, whitespace), rendered back sorted as
// gosdk renders masks.
func TestParseMask(t *testing.T) {
	for in, want := range map[string]string{
		"":        "",
		"  ":      "",
		"a":       "a",
		"a, b.c":  "a,b.c",
		"a,a.b":   "a.b",
		"b,a":     "a,b",
		"a.(b,c)": "a.(b,c)",
		// The README's example: f.(j.h,i.j).k is f.j.h.k and f.i.j.k.
		"a, b.c, d.e.12, f.(j.h,i.j).k, l.*.m":     "a,b.c,d.e.12,f.(i.j.k,j.h.k),l.*.m",
		"metadata.(labels,name),spec.(expires_at)": "metadata.(labels,name),spec.expires_at",
		"a.((b,c).d,e)":         "a.(b.d,c.d,e)",
		`metadata.labels."a.b"`: `metadata.labels."a.b"`,
		`m."x y".(p, "q-r")`:    `m."x y".(p,"q-r")`,
		"a . ( b , c ) . d":     "a.(b.d,c.d)",
		"*":                     "*",
		"metadata.*,spec.*.m":   "metadata.*,spec.*.m",
		// gosdk's outputs (research §B.5) parse and render as they are.
		"metadata.(created_at,labels,name,resource_version,updated_at),spec.(account,expires_at,secret_delivery_mode)":                                      "metadata.(created_at,labels,name,resource_version,updated_at),spec.(account,expires_at,secret_delivery_mode)",
		"metadata.(created_at,resource_version,updated_at),spec.(account.(anonymous_account,service_account,user_account),expires_at,secret_delivery_mode)": "metadata.(created_at,resource_version,updated_at),spec.(account.(anonymous_account,service_account,user_account),expires_at,secret_delivery_mode)",
		"metadata.(created_at,labels,name,parent_id,resource_version,updated_at),spec":                                                                      "metadata.(created_at,labels,name,parent_id,resource_version,updated_at),spec",
	} {
		m, err := parseMask(in)
		if err != nil {
			t.Errorf("parseMask(%q): %v", in, err)
			continue
		}
		if got := m.String(); got != want {
			t.Errorf("parseMask(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"a.", ".a", "(a", "a)", "a..b", ",", "a,", ",a", "a b", "a.()", `a."x`, "a-b", "a.(b,)", "((((", strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100)} {
		if m, err := parseMask(bad); err == nil {
			t.Errorf("parseMask(%q) = %q, want an error", bad, m)
		}
	}
	// A product of groups that would name too many fields is refused.
	if _, err := parseMask(strings.Repeat("(a,b,c,d,e,f,g,h).", 8) + "x"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("exploding mask: %v", err)
	}
}

// FuzzParseMask: parsing never panics, and what it renders parses back to
// the same tree.
func FuzzParseMask(f *testing.F) {
	for _, s := range []string{"a,b.c", "f.(j.h,i.j).k", `l.*."m n"`, "metadata.(labels,name),spec"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMask(s)
		if err != nil {
			return
		}
		again, err := parseMask(m.String())
		if err != nil || again.String() != m.String() {
			t.Fatalf("%q renders %q, which parses to %q (%v)", s, m.String(), again.String(), err)
		}
	})
}

func mustMask(t *testing.T, s string) *mask {
	t.Helper()
	m, err := parseMask(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestApplyUpdate: the README's update rules on messages with nested
// structures, lists and maps (ProgressTracker, BadRequest,
// Operation.request_headers).
func TestApplyUpdate(t *testing.T) {
	wd := func(total, done int64) *commonv1.ProgressTracker_WorkDone {
		return &commonv1.ProgressTracker_WorkDone{TotalTickCount: total, DoneTickCount: done}
	}
	viol := func(field, msg string, related ...string) *commonv1.BadRequest_Violation {
		return &commonv1.BadRequest_Violation{Field: field, Message: msg, RelatedFields: related}
	}
	hdr := func(v ...string) *commonv1.Operation_RequestHeader {
		return &commonv1.Operation_RequestHeader{Values: v}
	}
	for _, tc := range []struct {
		name          string
		resource, req proto.Message
		mask          string
		want          proto.Message
	}{
		// Non-default values update, defaults keep, named defaults reset.
		{"scalar set", &commonv1.ProgressTracker{Description: "a"}, &commonv1.ProgressTracker{Description: "b"}, "", &commonv1.ProgressTracker{Description: "b"}},
		{"scalar default kept", &commonv1.ProgressTracker{Description: "a"}, &commonv1.ProgressTracker{}, "", &commonv1.ProgressTracker{Description: "a"}},
		{"scalar reset", &commonv1.ProgressTracker{Description: "a"}, &commonv1.ProgressTracker{}, "description", &commonv1.ProgressTracker{}},
		// The README's nested-structure examples: {a:{b:1,c:2}} with mask a.b.
		{"absent parent reset", &commonv1.ProgressTracker{WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{}, "work_done.total_tick_count", &commonv1.ProgressTracker{}},
		{"present parent: field reset", &commonv1.ProgressTracker{WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{WorkDone: wd(0, 0)}, "work_done.total_tick_count",
			&commonv1.ProgressTracker{WorkDone: wd(0, 2)}},
		// A named structure the request has is not cleared field by field.
		{"structure named, present", &commonv1.ProgressTracker{WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{WorkDone: wd(0, 5)}, "work_done",
			&commonv1.ProgressTracker{WorkDone: wd(1, 5)}},
		{"structure named, absent", &commonv1.ProgressTracker{WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{}, "work_done", &commonv1.ProgressTracker{}},
		{"structure not named, absent", &commonv1.ProgressTracker{WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{}, "", &commonv1.ProgressTracker{WorkDone: wd(1, 2)}},
		// Wildcards: every direct child.
		{"wildcard", &commonv1.ProgressTracker{Description: "a", WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{WorkDone: wd(0, 0)}, "*",
			&commonv1.ProgressTracker{WorkDone: wd(1, 2)}},
		{"wildcard below", &commonv1.ProgressTracker{Description: "a", WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{WorkDone: wd(0, 0)}, "work_done.*",
			&commonv1.ProgressTracker{Description: "a", WorkDone: wd(0, 0)}},
		{"group", &commonv1.ProgressTracker{Description: "a", WorkDone: wd(1, 2)}, &commonv1.ProgressTracker{WorkDone: wd(0, 0)}, "(description,work_done.done_tick_count)",
			&commonv1.ProgressTracker{WorkDone: wd(1, 0)}},
		// Lists: elements within both lengths update one by one, the rest go.
		{"list elements", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1"), viol("b", "m2")}},
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "x")}}, "",
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "x")}}},
		{"list element field by index", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1"), viol("b", "m2")}},
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "x"), viol("", "")}}, "violations.0.field",
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "x"), viol("b", "m2")}}},
		{"list element fields by wildcard", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1", "r"), viol("b", "m2")}},
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "x"), viol("", "y")}}, "violations.*.(field,related_fields)",
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "x"), viol("", "y")}}},
		{"list grows", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1")}},
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "x"), viol("c", "m3")}}, "",
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "x"), viol("c", "m3")}}},
		{"list of scalars replaced", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m", "r1", "r2")}},
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("", "", "r3")}}, "",
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m", "r3")}}},
		{"empty list kept", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1")}}, &commonv1.BadRequest{}, "",
			&commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1")}}},
		{"list cleared by name", &commonv1.BadRequest{Violations: []*commonv1.BadRequest_Violation{viol("a", "m1")}}, &commonv1.BadRequest{}, "violations",
			&commonv1.BadRequest{}},
		// Maps: entries present update, missing ones go, new ones come.
		{"map entries", &commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"a": hdr("1"), "b": hdr("2")}},
			&commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"a": hdr(), "c": hdr("3")}}, "",
			&commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"a": hdr("1"), "c": hdr("3")}}},
		{"map entry field by key", &commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"x-a": hdr("1")}},
			&commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"x-a": hdr()}}, `request_headers."x-a".values`,
			&commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"x-a": hdr()}}},
		{"map cleared by name", &commonv1.Operation{RequestHeaders: map[string]*commonv1.Operation_RequestHeader{"a": hdr("1")}}, &commonv1.Operation{}, "request_headers",
			&commonv1.Operation{}},
		// Oneof: setting a member replaces the other; naming an unset
		// member leaves the set one.
		{"oneof member reset", &commonv1.ServiceError{Details: &commonv1.ServiceError_ResourceNotFound{ResourceNotFound: &commonv1.ResourceNotFound{ResourceId: "r"}}},
			&commonv1.ServiceError{}, "bad_request",
			&commonv1.ServiceError{Details: &commonv1.ServiceError_ResourceNotFound{ResourceNotFound: &commonv1.ResourceNotFound{ResourceId: "r"}}}},
		{"oneof member set", &commonv1.ServiceError{Details: &commonv1.ServiceError_ResourceNotFound{ResourceNotFound: &commonv1.ResourceNotFound{ResourceId: "r"}}},
			&commonv1.ServiceError{Details: &commonv1.ServiceError_PermissionDenied{PermissionDenied: &commonv1.PermissionDenied{ResourceId: "p"}}}, "",
			&commonv1.ServiceError{Details: &commonv1.ServiceError_PermissionDenied{PermissionDenied: &commonv1.PermissionDenied{ResourceId: "p"}}}},
		// Names the message does not have change nothing.
		{"unknown names", &commonv1.ProgressTracker{Description: "a"}, &commonv1.ProgressTracker{}, "nope,work_done.nope,description.deeper.still",
			&commonv1.ProgressTracker{}},
		// A resource and its request are different messages: fields match
		// by name, and the resource's own (status) are left alone.
		{"request to resource", &iamv2.AccessKey{Spec: &iamv2.AccessKeySpec{Description: "a"}, Status: &iamv2.AccessKeyStatus{Secret: "s"}},
			&iamv2.UpdateAccessKeyRequest{Spec: &iamv2.AccessKeySpec{Description: "b"}}, "status",
			&iamv2.AccessKey{Spec: &iamv2.AccessKeySpec{Description: "b"}, Status: &iamv2.AccessKeyStatus{Secret: "s"}}},
	} {
		got := proto.Clone(tc.resource)
		applyUpdate(got.ProtoReflect(), tc.req.ProtoReflect(), mustMask(t, tc.mask))
		if !proto.Equal(got, tc.want) {
			t.Errorf("%s: got {%v}, want {%v}", tc.name, prototext.Format(got), prototext.Format(tc.want))
		}
	}
}

// TestParseMaskQuotedStar: a quoted "*" is a field (or map key) named *,
// not the wildcard; both can appear side by side and render apart.
func TestParseMaskQuotedStar(t *testing.T) {
	m := mustMask(t, `labels."*"`)
	l := m.fields["labels"]
	if l == nil || l.any != nil || l.fields["*"] == nil {
		t.Fatalf(`labels."*" parsed as %q (wildcard %v), want the key "*"`, m, l != nil && l.any != nil)
	}
	if l.child("other") != nil {
		t.Errorf(`labels."*" names the key "other"`)
	}
	if got := m.String(); got != `labels."*"` {
		t.Errorf(`renders %q, want labels."*"`, got)
	}
	both := mustMask(t, `labels.("*",*)`)
	if got := both.String(); got != `labels.("*",*)` {
		t.Errorf(`labels.("*",*) renders %q`, got)
	}
	if again := mustMask(t, both.String()); again.String() != both.String() {
		t.Errorf("round trip: %q", again)
	}
}

// TestParseMaskErrorShowsTheCharacter: a parse error quotes the offending
// character as it is, also when it is not ASCII.
func TestParseMaskErrorShowsTheCharacter(t *testing.T) {
	for in, want := range map[string]string{
		"a.é":       `unexpected "é"`,
		"a,b c":     `unexpected "c"`,
		"a.b)":      `unexpected ")"`,
		"spec.日本":   `unexpected "日"`,
		"a.\xff":    `unexpected "\xff"`,
		"labels.-x": `unexpected "-"`,
	} {
		_, err := parseMask(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseMask(%q) = %v, want an error with %s", in, err, want)
		}
	}
	// A long mask is cut at a character boundary in the error text.
	_, err := parseMask("a" + strings.Repeat("é", 150) + ")")
	if err == nil || strings.Contains(err.Error(), `\x`) || !utf8.ValidString(err.Error()) {
		t.Errorf("long mask: %v cuts a character", err)
	}
}
