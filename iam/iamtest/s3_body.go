package iamtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
)

// s3Body is a request's payload, checked against what the request signed
// and declared: its bytes and the additional checksum it carried.
type s3Body struct {
	data     []byte
	checksum s3Checksum
}

// readBody reads the body of an authenticated request (at most the
// server's object-size cap) and checks it: against its SHA-256 when the
// signature covers it; chunk by chunk, signatures verified, for a signed
// streaming upload; then its declared length, Content-MD5 and additional
// checksum (header or trailer; the x-amz-checksum-* headers of a
// CompleteMultipartUpload are the object's, not the body's).
func (s *S3Server) readBody(r *http.Request, a *s3Auth, op string) (*s3Body, *s3Error) {
	streaming := strings.HasPrefix(a.PayloadHash, "STREAMING-")
	declared := r.ContentLength
	if streaming {
		// S3 requires the decoded length of every streaming request,
		// and answers a missing or malformed one as a missing length.
		vs := r.Header.Values("X-Amz-Decoded-Content-Length")
		n, err := int64(0), error(nil)
		if len(vs) == 1 {
			n, err = strconv.ParseInt(vs[0], 10, 64)
		}
		if len(vs) != 1 || err != nil || n < 0 {
			return nil, errS3(411, "MissingContentLength", "You must provide the Content-Length HTTP header: a streaming upload ("+a.PayloadHash+") needs x-amz-decoded-content-length, the length of its data, once, a non-negative integer.")
		}
		declared = n
	}
	if declared > s.maxObject {
		s.discard(r)
		return nil, s.errTooLarge()
	}
	var data []byte
	var trailers http.Header
	if streaming {
		announced, serr := announcedTrailers(r.Header.Get("X-Amz-Trailer"))
		if serr != nil {
			return nil, serr
		}
		var chain *sigv4verify.ChunkChain
		if a.PayloadHash != streamingUnsignedTrail {
			chain = sigv4verify.NewChunkChain(a.Sig, a.Key.Secret.Reveal(), &s.keyCache)
		}
		cb, err := decodeAWSChunked(r.Body, chain, a.PayloadHash != streamingSigned, announced, s.maxObject)
		if serr := chunkedError(err); serr != nil {
			if serr.Code == "EntityTooLarge" {
				s.discard(r)
			}
			return nil, serr
		}
		data, trailers = cb.data, cb.trailers
		if int64(len(data)) != declared {
			return nil, errS3(400, "IncompleteBody", "The decoded body length does not match X-Amz-Decoded-Content-Length.")
		}
	} else {
		raw, err := io.ReadAll(io.LimitReader(r.Body, s.maxObject+1))
		switch {
		case err != nil:
			return nil, errS3(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		case int64(len(raw)) > s.maxObject:
			s.discard(r)
			return nil, s.errTooLarge()
		case a.PayloadHash != unsignedPayload:
			sum := sha256.Sum256(raw)
			if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(a.PayloadHash))) {
				return nil, errS3(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
			}
		}
		data = raw
	}
	c, serr := checkPayload(r, data, trailers, op != "CompleteMultipartUpload")
	if serr != nil {
		return nil, serr
	}
	return &s3Body{data: data, checksum: c}, nil
}

func (s *S3Server) errTooLarge() *s3Error {
	return errS3(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size of this emulator ("+strconv.FormatInt(s.maxObject, 10)+" bytes, S3Options.MaxObjectSize).")
}

// discard reads and drops the rest of the body of a request refused for
// its size, up to the cap again, so that a client still sending reads the
// answer rather than a reset connection (net/http hides whether it
// waits on Expect: 100-continue). A body larger still is left unread.
func (s *S3Server) discard(r *http.Request) {
	if r.ContentLength <= 2*s.maxObject {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 2*s.maxObject))
	}
}

// chunkedError maps a decoding error of an aws-chunked body to S3's.
func chunkedError(err error) *s3Error {
	var ce *chunkError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errChunkSignature):
		return errS3(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided: a chunk or trailer signature of the aws-chunked body does not verify.")
	case errors.As(err, &ce):
		return errS3(400, ce.code, ce.msg)
	}
	return errS3(400, "IncompleteBody", err.Error())
}
