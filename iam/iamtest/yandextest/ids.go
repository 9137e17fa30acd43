package yandextest

import (
	"crypto/rand"
	"math/big"
	"time"
)

const (
	idChars   = "abcdefghijklmnopqrstuv0123456789"
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	urlSafe   = alnum + "_-"
	hexDigits = "0123456789abcdef"
)

func randString(chars string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(chars)))
	for i := range b {
		v, _ := rand.Int(rand.Reader, max)
		b[i] = chars[v.Int64()]
	}
	return string(b)
}

// newID returns a Yandex-style resource ID: "aje" and 17 base32 characters.
func newID() string { return "aje" + randString(idChars, 17) }

// ts formats a time in proto3 JSON form, or "" for the zero time.
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
