package iamtest

import (
	"encoding/hex"
	"testing"
)

// TestChecksumCheckValues: each additional checksum gives its catalogued
// check value for "123456789" (CRC-32/ISO-HDLC cbf43926, CRC-32/ISCSI
// e3069283, CRC-64/NVME ae8b14860a799888) and the digests theirs.
func TestChecksumCheckValues(t *testing.T) {
	want := map[string]string{
		"CRC32":     "cbf43926",
		"CRC32C":    "e3069283",
		"CRC64NVME": "ae8b14860a799888",
		"SHA1":      "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
		"SHA256":    "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
	}
	for _, alg := range s3ChecksumAlgs {
		if got := hex.EncodeToString(computeChecksum(alg, []byte("123456789"))); got != want[alg] {
			t.Errorf("%s(123456789) = %s, want %s", alg, got, want[alg])
		}
	}
}
