package yandextest

import (
	"crypto/rand"
	"encoding/hex"
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

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ts formats a time in proto3 JSON form, or "" for the zero time.
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
