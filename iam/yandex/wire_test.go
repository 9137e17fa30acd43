package yandex

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseTimestampForms(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		// Every form in the reference, and the 0–9 fractional digit range.
		{"2025-03-03T16:29:04.709971428Z", time.Date(2025, 3, 3, 16, 29, 4, 709971428, time.UTC)},
		{"2025-04-09T08:41:27Z", time.Date(2025, 4, 9, 8, 41, 27, 0, time.UTC)},
		{"2018-10-30T15:55:00+00:00", time.Date(2018, 10, 30, 15, 55, 0, 0, time.UTC)},
		{"2025-05-28T16:17:17.721526532Z", time.Date(2025, 5, 28, 16, 17, 17, 721526532, time.UTC)},
		{"2026-01-01T21:00:00Z", time.Date(2026, 1, 1, 21, 0, 0, 0, time.UTC)},
		{"2025-03-03T16:29:04.7Z", time.Date(2025, 3, 3, 16, 29, 4, 700000000, time.UTC)},
		{"2025-03-03T16:29:04.709Z", time.Date(2025, 3, 3, 16, 29, 4, 709000000, time.UTC)},
		{"2025-03-03T16:29:04.709971Z", time.Date(2025, 3, 3, 16, 29, 4, 709971000, time.UTC)},
		{"2025-03-03T19:29:04.5+03:00", time.Date(2025, 3, 3, 16, 29, 4, 500000000, time.UTC)},
		{"2025-03-03t16:29:04z", time.Date(2025, 3, 3, 16, 29, 4, 0, time.UTC)},
		{"2010-10-01T12:34:56.789+0000", time.Date(2010, 10, 1, 12, 34, 56, 789000000, time.UTC)},
		{"2025-09-16 16:56:01", time.Date(2025, 9, 16, 16, 56, 1, 0, time.UTC)},
		{"", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseTimestamp(tc.in)
			if err != nil {
				t.Fatalf("parseTimestamp(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("parseTimestamp(%q) = %v, want %v", tc.in, got, tc.want)
			}
			// And through JSON, as the clients decode it.
			var ts timestamp
			b, _ := json.Marshal(tc.in)
			if err := json.Unmarshal(b, &ts); err != nil || !ts.Equal(tc.want) {
				t.Fatalf("json %s: got %v, %v", b, ts.Time, err)
			}
		})
	}
}

func TestParseTimestampBad(t *testing.T) {
	for _, in := range []string{"yesterday", "2025-13-01T00:00:00Z", "1700000000", strings.Repeat("9", 500)} {
		if _, err := parseTimestamp(in); err == nil {
			t.Errorf("parseTimestamp(%q): no error", in)
		} else if len(err.Error()) > 200 {
			t.Errorf("error text too long: %d bytes", len(err.Error()))
		}
	}
	var ts timestamp
	if err := json.Unmarshal([]byte(`12345`), &ts); err == nil {
		t.Error("a JSON number decoded as a timestamp")
	}
	if err := json.Unmarshal([]byte(`null`), &ts); err != nil || !ts.IsZero() {
		t.Errorf("null: %v %v", ts, err)
	}
}

func TestTimestampEncoding(t *testing.T) {
	loc := time.FixedZone("MSK", 3*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 1, 1, 21, 0, 0, 0, time.UTC), `"2026-01-01T21:00:00Z"`},
		{time.Date(2026, 1, 2, 0, 0, 0, 500000000, loc), `"2026-01-01T21:00:00.5Z"`},
		{time.Date(2026, 1, 1, 21, 0, 0, 1, time.UTC), `"2026-01-01T21:00:00.000000001Z"`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(timestamp{tc.in})
		if err != nil || string(b) != tc.want {
			t.Errorf("marshal %v = %s, %v; want %s", tc.in, b, err, tc.want)
		}
	}
}

func TestInt64String(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`"53687091200"`, 53687091200, false},
		{`53687091200`, 53687091200, false},
		{`"-5"`, -5, false},
		{`"9223372036854775807"`, 9223372036854775807, false},
		{`1e3`, 1000, false},
		{`"1e3"`, 1000, false},
		{`null`, 0, false},
		{`"abc"`, 0, true},
		{`"1.5"`, 0, true},
		{`true`, 0, true},
	}
	for _, tc := range tests {
		var n int64String
		err := json.Unmarshal([]byte(tc.in), &n)
		if (err != nil) != tc.wantErr || (!tc.wantErr && int64(n) != tc.want) {
			t.Errorf("%s: got %d, %v; want %d, err=%v", tc.in, n, err, tc.want, tc.wantErr)
		}
	}
	b, _ := json.Marshal(int64String(53687091200))
	if string(b) != `"53687091200"` {
		t.Errorf("marshal = %s, want a JSON string", b)
	}
	// Status.code is decoded with the same rules.
	var st wireStatus
	if err := json.Unmarshal([]byte(`{"code":"5","message":"m","unknownField":1}`), &st); err != nil || st.Code != 5 {
		t.Errorf("status with string code: %+v, %v", st, err)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		time.Hour:                      "3600s",
		15 * time.Minute:               "900s",
		1500 * time.Millisecond:        "1.500s",
		time.Second + time.Microsecond: "1.000001s",
		time.Second + 1:                "1.000000001s",
		-2 * time.Second:               "-2s",
	}
	for d, want := range tests {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParsePollInterval(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"250ms", 250 * time.Millisecond, true},
		{"86400", maxServerPollInterval, true},
		{"", 0, false},
		{"soon", 0, false},
		{"-1", 0, false},
	}
	for _, tc := range tests {
		got, ok := parsePollInterval(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parsePollInterval(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOperationDecoding(t *testing.T) {
	const body = `{"id":"op1","description":"d","createdAt":"2025-03-03T16:29:04.709971428Z","createdBy":"aje",
		"modifiedAt":"2018-10-30T15:55:00+00:00","done":true,"future":{"x":1},
		"metadata":{"@type":"type.googleapis.com/yandex.cloud.iam.v1.DeleteKeyMetadata","keyId":"k1"},
		"response":{"@type":"type.googleapis.com/google.protobuf.Empty"}}`
	var op Operation
	if err := json.Unmarshal([]byte(body), &op); err != nil {
		t.Fatal(err)
	}
	if !op.Done || op.ID != "op1" || op.Err() != nil || op.CreatedAt.Nanosecond() != 709971428 {
		t.Fatalf("decoded %+v", op)
	}
	if got := op.MetadataType(); got != "type.googleapis.com/yandex.cloud.iam.v1.DeleteKeyMetadata" {
		t.Errorf("MetadataType = %q", got)
	}
	if got := op.ResponseType(); got != "type.googleapis.com/google.protobuf.Empty" {
		t.Errorf("ResponseType = %q", got)
	}
	var md struct{ KeyID string }
	if err := op.DecodeMetadata(&md); err != nil || md.KeyID != "k1" {
		t.Errorf("DecodeMetadata: %+v %v", md, err)
	}

	var failed Operation
	if err := json.Unmarshal([]byte(`{"id":"op2","done":true,"error":{"code":7,"message":"nope","details":[]}}`), &failed); err != nil {
		t.Fatal(err)
	}
	if failed.Err() == nil || !strings.Contains(failed.Err().Error(), "op2") {
		t.Errorf("Err() = %v", failed.Err())
	}
	// An error object with code 0 is an unset oneof.
	var okOp Operation
	_ = json.Unmarshal([]byte(`{"id":"op3","done":true,"error":{"code":0,"message":"","details":[]},"response":{}}`), &okOp)
	if okOp.Err() != nil {
		t.Errorf("code 0 error treated as failure: %v", okOp.Err())
	}
}
