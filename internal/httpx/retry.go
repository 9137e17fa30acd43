package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iamkit/iamkit/internal/backoff"
	"github.com/iamkit/iamkit/internal/dialerr"
)

// shouldRetry applies policy p to the outcome of one attempt. It never
// retries a 401 (repeated bad credentials lock some accounts) nor any other
// 4xx but 429.
func shouldRetry(p RetryPolicy, resp *http.Response, err error) bool {
	if p == RetryNever {
		return false
	}
	if err != nil {
		if isPermanentTransportError(err) {
			return false
		}
		if dialerr.Is(err) {
			return true // never reached the server (DNS included): not processed
		}
		return p == RetryIdempotent
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return p == RetryIdempotent
	}
	return false
}

// isPermanentTransportError reports errors that another attempt would
// repeat: certificate failures, a plain-HTTP answer to TLS
// (http.ErrSchemeMismatch), bad schemes, redirect loops.
func isPermanentTransportError(err error) bool {
	var (
		certVerify *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostname   x509.HostnameError
		invalid    x509.CertificateInvalidError
		record     tls.RecordHeaderError
	)
	if errors.As(err, &certVerify) || errors.As(err, &unknownCA) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) || errors.Is(err, http.ErrSchemeMismatch) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"unsupported protocol scheme", "stopped after", "invalid header", "certificate is not trusted"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// backoff returns the wait before retry n (n = 1 for the first retry): a
// server's Retry-After on 429/503, capped at MaxRetryAfter, else full
// jitter in [0, min(BaseDelay·2^(n-1), MaxDelay)] (see internal/backoff).
func (c *Client) backoff(n int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return min(d, c.o.MaxRetryAfter)
		}
	}
	return backoff.Full(c.o.BaseDelay, c.o.MaxDelay, n)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
// A date in the past means no wait. Garbage and negative numbers are
// ignored (ok false).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64((1<<63-1)/int64(time.Second)) {
			return time.Duration(1<<63 - 1), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}
