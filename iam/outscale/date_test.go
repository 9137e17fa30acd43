package outscale_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/outscale"
)

func TestParseDateForms(t *testing.T) {
	tests := []struct {
		in       string
		want     time.Time
		dateOnly bool
	}{
		{"2010-10-01T12:34:56.789+0000", time.Date(2010, 10, 1, 12, 34, 56, 789e6, time.UTC), false},
		{"2010-10-01T12:34:56+0000", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"2010-10-01T12:34:56.789Z", time.Date(2010, 10, 1, 12, 34, 56, 789e6, time.UTC), false},
		{"2010-10-01T12:34:56Z", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"2010-10-01T12:34:56+00:00", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"2010-10-01T12:34:56.123456+00:00", time.Date(2010, 10, 1, 12, 34, 56, 123456e3, time.UTC), false},
		{"2010-10-01T14:34:56.789+0200", time.Date(2010, 10, 1, 12, 34, 56, 789e6, time.UTC), false},
		{"2010-10-01T14:34:56+02", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"2010-10-01T12:34:56", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"2010-10-01 12:34:56Z", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"20101001T123456Z", time.Date(2010, 10, 1, 12, 34, 56, 0, time.UTC), false},
		{"2063-04-05", time.Date(2063, 4, 5, 0, 0, 0, 0, time.UTC), true},
		{"20630405", time.Date(2063, 4, 5, 0, 0, 0, 0, time.UTC), true},
		{"2063-04-05T00:00:00.000+0000", time.Date(2063, 4, 5, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := outscale.ParseDate(tt.in)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if !d.Time().Equal(tt.want) || d.IsDateOnly() != tt.dateOnly {
				t.Errorf("ParseDate(%q) = %v (date only %v), want %v (%v)", tt.in, d.Time(), d.IsDateOnly(), tt.want, tt.dateOnly)
			}
			var j outscale.Date
			if err := json.Unmarshal([]byte(`"`+tt.in+`"`), &j); err != nil || !j.Equal(d) {
				t.Errorf("UnmarshalJSON(%q) = %v, %v", tt.in, j, err)
			}
		})
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{"", "yesterday", "2010-13-01", "2010-10-01T25:00:00Z", "1 Oct 2010", strings.Repeat("9", 200)} {
		if _, err := outscale.ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) succeeded", in)
		} else if len(err.Error()) > 200 {
			t.Errorf("error text not bounded: %d bytes", len(err.Error()))
		}
	}
	var d outscale.Date
	if err := json.Unmarshal([]byte(`12`), &d); err == nil {
		t.Error("number accepted as a date")
	}
}

func TestDateMarshal(t *testing.T) {
	tests := []struct {
		d    outscale.Date
		want string
	}{
		{outscale.NewDate(time.Date(2026, 3, 18, 12, 34, 56, 789e6, time.FixedZone("x", 3600))), `"2026-03-18T11:34:56Z"`},
		{outscale.NewDay(2063, 4, 5), `"2063-04-05"`},
		{outscale.MustParseDate("2063-04-05"), `"2063-04-05"`},
		{outscale.MustParseDate("2010-10-01T12:34:56.789+0000"), `"2010-10-01T12:34:56Z"`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.d)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.d.Time(), b, err, tt.want)
		}
	}
	if _, err := json.Marshal(outscale.Date{}); err == nil {
		t.Error("zero Date marshaled; it must never be sent as an empty string")
	}
	// Request fields omit a zero date instead of sending "".
	b, err := json.Marshal(outscale.CreateAccessKeyRequest{})
	if err != nil || string(b) != "{}" {
		t.Errorf("empty CreateAccessKeyRequest = %s, %v; want {}", b, err)
	}
	b, _ = json.Marshal(outscale.UpdateAccessKeyRequest{AccessKeyID: "AK", State: "ACTIVE"})
	if strings.Contains(string(b), "ExpirationDate") {
		t.Errorf("zero ExpirationDate sent: %s", b)
	}
	var null outscale.Date
	if err := json.Unmarshal([]byte(`null`), &null); err != nil || !null.IsZero() {
		t.Errorf("null: %v %v", null, err)
	}
}
