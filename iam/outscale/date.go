package outscale

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamkit/iamkit/internal/redact"
)

// Date is a date or date-time as the OUTSCALE API writes and reads it.
//
// Parsing is lenient, because the API's own examples and clients disagree
// (the OSC API spec's examples write "…56.789+0000", osc-sdk-go v3 sends
// "…56Z", the API reference's request descriptions show
// "2020-06-14T00:00:00.000Z"; the exact live format is UNCONFIRMED): it accepts
// "2010-10-01T12:34:56.789+0000" (the spec examples' offset without a colon),
// "…Z", "…+00:00", with or without fractional seconds, ISO 8601 basic form
// ("20101001T123456Z"), a date-time without zone (read as UTC) and a
// date-only "2063-04-05".
//
// Only instants whose UTC year is 0001–9999 parse (the wire form has four
// year digits), and not 0001-01-01T00:00:00Z, Go's zero time, which this
// type uses for "absent": whatever parses can be sent back as it was read.
//
// It marshals as "YYYY-MM-DDTHH:MM:SSZ" (UTC, the form osc-sdk-go v3 sends)
// with the fractional seconds the value has, if any ("…:56.789Z", as few
// digits as needed, up to nanoseconds: an expiry read from the server is
// re-sent to the millisecond), or, for a date-only value, "YYYY-MM-DD".
// The request documentation's own example has a fraction
// ("2020-06-14T00:00:00.000Z"); whether the live API accepts more than
// three digits is UNCONFIRMED. The zero Date means "absent": request fields of this type are tagged omitzero so
// that an empty "ExpirationDate" is never sent (the API rejects it with
// InvalidParameterType, terraform-provider-outscale#342), and marshaling a
// zero Date on its own is an error.
type Date struct {
	t        time.Time
	dateOnly bool
}

// NewDate returns the date-time t (kept in UTC).
func NewDate(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	return Date{t: t.UTC()}
}

// NewDay returns a date-only value (the key expires at 00:00 UTC that day).
func NewDay(year int, month time.Month, day int) Date {
	return Date{t: time.Date(year, month, day, 0, 0, 0, 0, time.UTC), dateOnly: true}
}

// dateLayouts are tried in order; the API's own form comes first. Go's
// time.Parse accepts fractional seconds after the seconds field even when
// the layout has none.
var dateLayouts = []string{
	"2006-01-02T15:04:05Z0700",  // 2010-10-01T12:34:56.789+0000, …Z
	"2006-01-02T15:04:05Z07:00", // RFC 3339: …+00:00, …Z
	"2006-01-02T15:04:05Z07",    // …+00
	"2006-01-02T15:04:05",       // no zone: UTC (tolerant; UNCONFIRMED)
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"20060102T150405Z0700", // ISO 8601 basic form
	"20060102T150405Z07:00",
}

// ParseDate parses any of the forms listed on [Date]. A date whose UTC
// year is outside 0001–9999, or that is the zero time, is an error.
func ParseDate(s string) (Date, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return Date{}, errors.New("outscale: empty date")
	}
	if len(v) == len("2006-01-02") || len(v) == len("20060102") {
		for _, layout := range []string{"2006-01-02", "20060102"} {
			if t, err := time.Parse(layout, v); err == nil {
				return checked(Date{t: t, dateOnly: true}, s)
			}
		}
	}
	if len(v) > 10 && v[10] == ' ' { // "2006-01-02 15:04:05…"
		v = v[:10] + "T" + v[11:]
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return checked(Date{t: t.UTC()}, s)
		}
	}
	return Date{}, fmt.Errorf("outscale: cannot parse date %q: want ISO 8601, e.g. 2010-10-01T12:34:56.789+0000 or 2063-04-05",
		redact.Truncate(s, 64))
}

// checked returns d, or an error naming the input s if d cannot be sent
// back (see [checkRange]).
func checked(d Date, s string) (Date, error) {
	if err := checkRange(d.t); err != nil {
		return Date{}, fmt.Errorf("outscale: date %q: %v", redact.Truncate(s, 64), err)
	}
	return d, nil
}

// checkRange accepts the instants the wire form can carry and that are not
// the "absent" zero time: UTC years 0001 to 9999.
func checkRange(t time.Time) error {
	t = t.UTC()
	switch y := t.Year(); {
	case y < 1 || y > 9999:
		return fmt.Errorf("year %d in UTC is outside 0001–9999", y)
	case t.IsZero():
		return errors.New("0001-01-01T00:00:00Z is the zero time, which stands for no date")
	}
	return nil
}

// MustParseDate is like [ParseDate] but panics on error; for constants in
// tests and examples.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Time returns the instant (midnight UTC for a date-only value); the zero
// time for the zero Date.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether d is absent.
func (d Date) IsZero() bool { return d.t.IsZero() }

// IsDateOnly reports whether d is a date without a time of day.
func (d Date) IsDateOnly() bool { return d.dateOnly }

// String returns the wire form ("" for the zero Date).
func (d Date) String() string {
	switch {
	case d.t.IsZero():
		return ""
	case d.dateOnly:
		return d.t.Format("2006-01-02")
	default:
		return d.t.UTC().Format(wireLayout)
	}
}

// wireLayout is the date-time form sent: UTC, with the fractional seconds
// the value has (none when it has none).
const wireLayout = "2006-01-02T15:04:05.999999999Z"

// Equal reports whether d and o denote the same instant and form.
func (d Date) Equal(o Date) bool { return d.t.Equal(o.t) && d.dateOnly == o.dateOnly }

// MarshalJSON writes the wire form. A zero Date is an error: the API
// rejects an empty date, so callers omit the field instead (omitzero). So
// is a date whose UTC year is outside 0001–9999, which the wire form
// cannot carry.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.t.IsZero() {
		return nil, errors.New("outscale: refusing to send an empty date (omit the field instead)")
	}
	if err := checkRange(d.t); err != nil {
		return nil, fmt.Errorf("outscale: cannot send date %s: %v", d.t.UTC().Format(time.RFC3339Nano), err)
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON parses a JSON string in any form [ParseDate] accepts; null
// and "" give the zero Date (absent: "never expires").
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("outscale: date must be a JSON string")
	}
	if strings.TrimSpace(s) == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
