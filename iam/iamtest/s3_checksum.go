package iamtest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
)

// s3Checksum is an additional checksum of an object or part: the
// algorithm (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), the base64 value
// ("-<parts>" after it for a composite checksum) and, for an object, its
// type (FULL_OBJECT or COMPOSITE).
type s3Checksum struct {
	Alg, Value, Type string
}

// s3ChecksumAlgs are the additional checksums S3 verifies.
var s3ChecksumAlgs = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// crc64NVME is CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5; the
// crc64 package's initial and final inversion are the algorithm's).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksumHeader is the header (and trailer) that carries alg's value.
func checksumHeader(alg string) string { return "x-amz-checksum-" + strings.ToLower(alg) }

// computeChecksum returns alg's checksum of data.
func computeChecksum(alg string, data []byte) []byte {
	switch alg {
	case "CRC32":
		return binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data))
	case "CRC32C":
		return binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	case "CRC64NVME":
		return binary.BigEndian.AppendUint64(nil, crc64.Checksum(data, crc64NVME))
	case "SHA1":
		s := sha1.Sum(data)
		return s[:]
	case "SHA256":
		s := sha256.Sum256(data)
		return s[:]
	}
	return nil
}

// checkPayload verifies what a request says of its payload besides the
// signature: Content-MD5, and the additional checksum (an
// x-amz-checksum-* header, or the trailer x-amz-trailer announces), with
// x-amz-sdk-checksum-algorithm naming it if sent. It returns the
// additional checksum, verified.
func checkPayload(r *http.Request, data []byte, trailers http.Header, headerChecksums bool) (s3Checksum, *s3Error) {
	if serr := checkContentMD5(r.Header, data); serr != nil {
		return s3Checksum{}, serr
	}
	if serr := checkTrailerNames(r.Header.Get("X-Amz-Trailer"), trailers); serr != nil {
		return s3Checksum{}, serr
	}
	var found []s3Checksum
	sources := []http.Header{trailers}
	if headerChecksums {
		sources = append(sources, r.Header)
	}
	for _, alg := range s3ChecksumAlgs {
		for _, h := range sources {
			if v := h.Get(checksumHeader(alg)); v != "" {
				found = append(found, s3Checksum{Alg: alg, Value: v})
			}
		}
	}
	if len(found) > 1 {
		return s3Checksum{}, errS3(400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	sdkAlg := strings.ToUpper(r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"))
	switch {
	case sdkAlg != "" && len(found) == 0:
		return s3Checksum{}, errS3(400, "InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
	case sdkAlg != "" && found[0].Alg != sdkAlg:
		return s3Checksum{}, errS3(400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid: it names "+sdkAlg+", the request carries "+checksumHeader(found[0].Alg))
	case len(found) == 0:
		return s3Checksum{}, nil
	}
	c := found[0]
	got, err := base64.StdEncoding.DecodeString(c.Value)
	want := computeChecksum(c.Alg, data)
	if err != nil || len(got) != len(want) {
		return s3Checksum{}, errS3(400, "InvalidRequest", "Value for "+checksumHeader(c.Alg)+" header is invalid.")
	}
	if string(got) != string(want) {
		return s3Checksum{}, errS3(400, "BadDigest", "The "+c.Alg+" you specified did not match the calculated checksum.")
	}
	c.Type = "FULL_OBJECT"
	return c, nil
}

// newChecksum computes alg's checksum of data, for an object or part the
// server makes itself.
func newChecksum(alg string, data []byte) s3Checksum {
	if alg == "" {
		return s3Checksum{}
	}
	return s3Checksum{Alg: alg, Value: base64.StdEncoding.EncodeToString(computeChecksum(alg, data)), Type: "FULL_OBJECT"}
}

// checkContentMD5 verifies Content-MD5, if sent.
func checkContentMD5(h http.Header, data []byte) *s3Error {
	v := h.Get("Content-Md5")
	if v == "" {
		return nil
	}
	got, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(got) != md5.Size {
		return errS3(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
	}
	if sum := md5.Sum(data); string(got) != string(sum[:]) {
		return errS3(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}

// announcedTrailers parses x-amz-trailer: the trailers a streaming
// upload will send, each an x-amz-checksum-* (lower case).
func announcedTrailers(announced string) (map[string]bool, *s3Error) {
	want := map[string]bool{}
	for n := range strings.SplitSeq(announced, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		known := false
		for _, alg := range s3ChecksumAlgs {
			known = known || n == checksumHeader(alg)
		}
		if !known {
			return nil, errS3(400, "InvalidRequest", "The value specified in the x-amz-trailer header is not supported: "+n)
		}
		want[n] = true
	}
	return want, nil
}

// checkTrailerNames checks that the trailers x-amz-trailer announced
// were received (the decoder refuses the others).
func checkTrailerNames(announced string, trailers http.Header) *s3Error {
	want, serr := announcedTrailers(announced)
	if serr != nil {
		return serr
	}
	for n := range want {
		if trailers.Get(n) == "" {
			return errS3(400, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema: the trailer "+n+" announced in x-amz-trailer is missing.")
		}
	}
	return nil
}

// setChecksumHeader puts a checksum in an answer's headers, with its
// type.
func setChecksumHeader(h http.Header, c s3Checksum) {
	if c.Alg != "" {
		h.Set(checksumHeader(c.Alg), c.Value)
		if c.Type != "" {
			h.Set("X-Amz-Checksum-Type", c.Type)
		}
	}
}
