package outscale_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
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
		{outscale.NewDate(time.Date(2026, 3, 18, 12, 34, 56, 789e6, time.FixedZone("x", 3600))), `"2026-03-18T11:34:56.789Z"`},
		{outscale.NewDate(time.Date(2026, 3, 18, 12, 34, 56, 0, time.UTC)), `"2026-03-18T12:34:56Z"`},
		{outscale.NewDate(time.Date(2026, 3, 18, 12, 34, 56, 123456789, time.UTC)), `"2026-03-18T12:34:56.123456789Z"`},
		{outscale.NewDay(2063, 4, 5), `"2063-04-05"`},
		{outscale.MustParseDate("2063-04-05"), `"2063-04-05"`},
		{outscale.MustParseDate("2010-10-01T12:34:56.789+0000"), `"2010-10-01T12:34:56.789Z"`},
		{outscale.MustParseDate("2010-10-01T12:34:56.500+0000"), `"2010-10-01T12:34:56.5Z"`},
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
	b, _ = json.Marshal(outscale.UpdateAccessKeyRequest{ID: "AK", State: "ACTIVE"})
	if strings.Contains(string(b), "ExpirationDate") {
		t.Errorf("zero ExpirationDate sent: %s", b)
	}
	var null outscale.Date
	if err := json.Unmarshal([]byte(`null`), &null); err != nil || !null.IsZero() {
		t.Errorf("null: %v %v", null, err)
	}
}

// TestParseDateYearRange: a date parses only if its UTC instant has a year
// in 0001–9999 (the four digits the wire form has) and is not the zero
// time (which stands for "no date"), so that everything that parses can be
// sent back (issue 11, item 14).
func TestParseDateYearRange(t *testing.T) {
	for _, in := range []string{
		"0000-01-01 0:00+0010",      // year 0 → -1 in UTC
		"9999-12-31T23:59:59-01:00", // year 10000 in UTC
		"0001-01-01T00:30:00+01:00", // year 0 in UTC
		"0000-12-31",                // date-only year 0
		"0001-01-01",                // the zero time
		"0001-01-01T00:00:00Z",
		"0001-01-01T00:00:00.000+0000",
	} {
		if d, err := outscale.ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v (year %d), want an error", in, d.Time(), d.Time().Year())
		} else if !strings.Contains(err.Error(), "outscale:") {
			t.Errorf("ParseDate(%q): unprefixed error %q", in, err)
		}
		var j outscale.Date
		if err := json.Unmarshal([]byte(`"`+in+`"`), &j); err == nil {
			t.Errorf("UnmarshalJSON(%q) = %v, want an error", in, j.Time())
		}
	}
	for _, in := range []string{"0000-12-31T23:00:00-02:00", "9999-12-31T23:59:59.999999999+01:00", "0001-01-01T00:00:00.000000001Z", "9999-12-31"} {
		d, err := outscale.ParseDate(in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", in, err)
			continue
		}
		b, err := json.Marshal(d)
		var back outscale.Date
		if err != nil || json.Unmarshal(b, &back) != nil || !back.Equal(d) {
			t.Errorf("round trip of %q: %s, %v → %v", in, b, err, back.Time())
		}
	}
	for _, d := range []outscale.Date{
		outscale.NewDate(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)),
		outscale.NewDate(time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)),
		outscale.NewDay(0, 1, 1),
	} {
		if b, err := json.Marshal(d); err == nil {
			t.Errorf("Marshal(%v) = %s, want an error", d.Time(), b)
		}
	}
}

// TestSetStateResendsSubseconds: the expiry the server returned
// (…56.789+0000) is re-sent by SetState to the millisecond, not cut to
// whole seconds (issue 11, item 14).
func TestSetStateResendsSubseconds(t *testing.T) {
	var mu sync.Mutex
	var update string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		key := `{"AccessKeyId":"AKSUB","State":"ACTIVE","CreationDate":"2026-03-18T10:00:00.000+0000","ExpirationDate":"2099-10-01T12:34:56.789+0000"}`
		switch {
		case strings.HasSuffix(r.URL.Path, "/ReadAccessKeys"):
			_, _ = io.WriteString(w, `{"AccessKeys":[`+key+`],"ResponseContext":{"RequestId":"r1"}}`)
		case strings.HasSuffix(r.URL.Path, "/UpdateAccessKey"):
			mu.Lock()
			update = string(body)
			mu.Unlock()
			_, _ = io.WriteString(w, `{"AccessKey":`+strings.Replace(key, "ACTIVE", "INACTIVE", 1)+`,"ResponseContext":{"RequestId":"r2"}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer hs.Close()
	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = hs.URL
		o.AccessKey, o.SecretKey = "AK", iam.NewSecret("SK")
		o.MaxAttempts = 1
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AccessKeys().SetState(context.Background(), "AKSUB", iam.StateInactive); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(update, `"ExpirationDate":"2099-10-01T12:34:56.789Z"`) {
		t.Fatalf("UpdateAccessKey body %s: want the expiry re-sent as 2099-10-01T12:34:56.789Z", update)
	}
}
