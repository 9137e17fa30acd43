package yandex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/internal/redact"
)

// This file holds the proto3 JSON rules the REST gateway follows: int64 as
// JSON strings (accepted as numbers too), RFC 3339 timestamps with 0–9
// fractional digits and any offset (Z, +00:00, …), unknown fields ignored
// (encoding/json's default).

// timestamp is a google.protobuf.Timestamp in proto3 JSON form. It decodes
// leniently (see parseTimestamp) and encodes as RFC 3339 in UTC with only
// the fractional digits needed.
type timestamp struct{ time.Time }

// timeLayouts are tried in order. RFC 3339 with any number of fractional
// digits is the proto3 rule; the other layouts are accepted for tolerance
// (yc CLI tables print "2025-09-16 16:56:01", OUTSCALE-style "+0000"
// offsets appear in hand-written fixtures).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// parseTimestamp parses a proto3 JSON timestamp. The empty string is the
// zero time.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	// RFC 3339 allows lower-case "t" and "z"; time.Parse does not.
	norm := strings.Map(func(r rune) rune {
		switch r {
		case 't':
			return 'T'
		case 'z':
			return 'Z'
		}
		return r
	}, s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, norm); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q: want RFC 3339, e.g. 2025-03-03T16:29:04.709971428Z", truncateForError(s))
}

// formatTimestamp writes t in proto3 JSON form: UTC, "Z", 0–9 fractional
// digits.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp must be a JSON string")
	}
	v, err := parseTimestamp(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(formatTimestamp(t.Time))
}

// int64String is an int64 in proto3 JSON form: written as a JSON string,
// read from a string or a number.
type int64String int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *int64String) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*n = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("int64 must be a JSON string or number")
		}
	}
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// proto3 JSON also allows exponent notation for integral values.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("invalid int64 %q", truncateForError(s))
		}
		v = int64(f)
	}
	*n = int64String(v)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (n int64String) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(int64(n), 10))
}

// formatDuration writes d as a google.protobuf.Duration in proto3 JSON form:
// seconds with 0, 3, 6 or 9 fractional digits and an "s" suffix ("3600s",
// "1.500s").
func formatDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign = "-"
		d = -d
	}
	sec := int64(d / time.Second)
	nanos := int64(d % time.Second)
	switch {
	case nanos == 0:
		return fmt.Sprintf("%s%ds", sign, sec)
	case nanos%1e6 == 0:
		return fmt.Sprintf("%s%d.%03ds", sign, sec, nanos/1e6)
	case nanos%1e3 == 0:
		return fmt.Sprintf("%s%d.%06ds", sign, sec, nanos/1e3)
	default:
		return fmt.Sprintf("%s%d.%09ds", sign, sec, nanos)
	}
}

// truncateForError keeps values quoted in error text short.
func truncateForError(s string) string { return redact.Truncate(s, 64) }
