package iamtest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// minChunk is the smallest chunk of an aws-chunked body but the last
// one carrying data.
const minChunk = 8 << 10

// errChunkSignature tells a chunk or trailer signature that does not
// verify.
var errChunkSignature = errors.New("chunk signature does not match")

// chunkedBody is a decoded aws-chunked body.
type chunkedBody struct {
	data     []byte
	trailers http.Header
}

// decodeAWSChunked decodes an aws-chunked body: chunks "<hex
// size>[;chunk-signature=<hex>]\r\n<data>\r\n", the last one of size 0,
// then trailing headers "name:value\r\n" (with the signed form, ending
// with x-amz-trailer-signature) and "\r\n". With chain (a signed
// streaming upload), every chunk signature is verified and, if trailer,
// the trailer's; each chunk but the last one with data must have at
// least 8 KiB. At most limit bytes are decoded; the trailers must be
// among the announced names (lower case), each sent once, in at most
// maxTrailerSection bytes.
func decodeAWSChunked(r io.Reader, chain *sigv4verify.ChunkChain, trailer bool, announced map[string]bool, limit int64) (*chunkedBody, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	out := &chunkedBody{}
	var buf bytes.Buffer
	short := false // a chunk smaller than minChunk was seen
	for {
		size, sig, err := readChunkHeader(br, chain != nil)
		if err != nil {
			return nil, err
		}
		if size > 0 && short {
			return nil, &chunkError{code: "InvalidChunkSizeError", msg: "Only the last chunk is allowed to have a size less than 8192 bytes"}
		}
		if size > limit-int64(buf.Len()) {
			return nil, &chunkError{code: "EntityTooLarge", msg: "Your proposed upload exceeds the maximum allowed size of this emulator."}
		}
		start := buf.Len()
		if _, err := io.CopyN(&buf, br, size); err != nil {
			return nil, &chunkError{code: "IncompleteBody", msg: "a chunk is shorter than its size"}
		}
		if chain != nil {
			sum := sha256.Sum256(buf.Bytes()[start:])
			if !chain.Chunk(sum[:], sig) {
				return nil, errChunkSignature
			}
		}
		if size == 0 {
			break
		}
		short = size < minChunk
		if err := expectCRLF(br); err != nil {
			return nil, err
		}
	}
	out.data = buf.Bytes()
	if err := readTrailers(br, out, chain, trailer, announced); err != nil {
		return nil, err
	}
	return out, nil
}

// chunkError is a malformed aws-chunked body, with S3's error code.
type chunkError struct{ code, msg string }

func (e *chunkError) Error() string { return e.code + ": " + e.msg }

func malformedChunked(msg string) error {
	return &chunkError{code: "IncompleteBody", msg: "the aws-chunked body is malformed: " + msg}
}

// readChunkHeader reads "<hex size>[;chunk-signature=<hex>]\r\n".
func readChunkHeader(br *bufio.Reader, signed bool) (int64, string, error) {
	line, err := readLine(br)
	if err != nil {
		return 0, "", malformedChunked("missing chunk header")
	}
	sizeStr, ext, hasExt := strings.Cut(line, ";")
	n, err := strconv.ParseInt(sizeStr, 16, 64)
	if err != nil || n < 0 || sizeStr == "" || strings.TrimSpace(sizeStr) != sizeStr {
		return 0, "", malformedChunked("bad chunk size " + strconv.Quote(sizeStr))
	}
	sig, ok := strings.CutPrefix(ext, "chunk-signature=")
	switch {
	case signed && (!hasExt || !ok || len(sig) != 64):
		return 0, "", errChunkSignature
	case !signed && hasExt:
		return 0, "", malformedChunked("a chunk extension in an unsigned aws-chunked body")
	}
	return n, sig, nil
}

// readLine reads a line ending in CRLF (64 KiB at most), without it.
func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadSlice('\n')
	if err != nil || len(line) < 2 || line[len(line)-2] != '\r' {
		return "", malformedChunked("a line does not end in CRLF")
	}
	return string(line[:len(line)-2]), nil
}

func expectCRLF(br *bufio.Reader) error {
	var crlf [2]byte
	if _, err := io.ReadFull(br, crlf[:]); err != nil || crlf != [2]byte{'\r', '\n'} {
		return malformedChunked("chunk data not followed by CRLF")
	}
	return nil
}

// maxTrailerSection caps the trailer section of an aws-chunked body, its
// lines and final empty line: S3's trailers are one x-amz-checksum-* (and,
// signed, x-amz-trailer-signature), a few dozen bytes each.
const maxTrailerSection = 4 << 10

func malformedTrailer(msg string) error {
	return &chunkError{code: "MalformedTrailerError", msg: "The request contained trailing data that was not well-formed or did not conform to our published schema: " + msg}
}

// readTrailers reads the trailing headers after the last chunk, up to the
// empty line, and verifies the trailer signature of a signed trailer. At
// most maxTrailerSection bytes are read; each trailer must be one that
// x-amz-trailer announced (the signature aside), sent once, and is
// refused as soon as its line is read if not. The end of the body must
// follow.
func readTrailers(br *bufio.Reader, out *chunkedBody, chain *sigv4verify.ChunkChain, trailer bool, announced map[string]bool) error {
	out.trailers = http.Header{}
	lr := &io.LimitedReader{R: br, N: maxTrailerSection}
	tr := bufio.NewReaderSize(lr, maxTrailerSection)
	var trailerSig string
	seen := map[string]bool{}
	for {
		line, err := readLine(tr)
		switch {
		case err != nil && lr.N == 0:
			return malformedTrailer("the trailer section is longer than " + strconv.Itoa(maxTrailerSection) + " bytes")
		case err != nil:
			return err
		case line == "":
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok || !trailer {
				return malformedTrailer("a trailer " + strconv.Quote(truncate(line, 64)) + " where none may be")
			}
			k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
			signature := k == "x-amz-trailer-signature" && chain != nil
			switch {
			case seen[k]:
				return malformedTrailer("the trailer " + truncate(k, 64) + " is repeated")
			case !signature && !announced[k]:
				return malformedTrailer(truncate(k, 64) + " was not announced in x-amz-trailer")
			}
			seen[k] = true
			if signature {
				trailerSig = v
			} else {
				out.trailers.Set(k, v)
			}
			continue
		}
		break
	}
	if _, err := tr.ReadByte(); err != io.EOF {
		return malformedChunked("data after the end of the aws-chunked body")
	}
	if lr.N == 0 {
		// The section ended at the limit: the body must end there.
		if _, err := br.ReadByte(); err != io.EOF {
			return malformedChunked("data after the end of the aws-chunked body")
		}
	}
	if chain == nil || !trailer {
		return nil
	}
	// The signature signs the trailers in canonical form: "name:value\n",
	// sorted by name.
	var names []string
	for k := range out.trailers {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	var canon bytes.Buffer
	for _, n := range names {
		canon.WriteString(n + ":" + out.trailers.Get(n) + "\n")
	}
	if !chain.Trailer(canon.Bytes(), trailerSig) {
		return errChunkSignature
	}
	return nil
}

// truncate shortens what an error message quotes of a client's input.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
