package redact

import (
	"regexp"

	"github.com/iamkit/iamkit/iam"
)

// credentialValue matches an Authorization value of a known scheme: the
// scheme, the space (or "%20", "+") after it, and the credential up to the
// next space, comma, semicolon or quote.
var credentialValue = regexp.MustCompile(`(?i)\b(bearer|basic|digest|negotiate|api-key|aws4-hmac-sha256|osc4-hmac-sha256|aws4-ecdsa-p256-sha256)((?:[ \t+]|%20)+)[^\s,;"'&]+`)

// signatureParam matches a SigV4 (or OSC4) parameter whose value proves a
// credential: the signature, a session token.
var signatureParam = regexp.MustCompile(`(?i)\b((?:x-amz-|x-osc-)?(?:signature|security-token))=[^\s,;"'&]+`)

// Credentials scrubs credential-looking values out of free text that no
// list of known secrets covers (an error's text, for a trace): a JSON Web
// Token, a Yandex Cloud IAM token, the credential of an Authorization
// value ("Bearer x", "Basic x", the Credential part of
// "AWS4-HMAC-SHA256 Credential=…"), a SigV4 signature or session token
// parameter, and a base64 word that decodes to login:password. Each
// becomes "REDACTED"; the scheme or parameter name stays, so that the text
// still says what was there. Unlike [RequestID] it keeps the rest of the
// text (ordinary words such as "token refresh" are left alone) and does
// not cut it.
func Credentials(s string) string {
	s = jwtPattern.ReplaceAllString(s, iam.Redacted)
	s = yandexIAMToken.ReplaceAllString(s, iam.Redacted)
	s = credentialValue.ReplaceAllString(s, "${1}${2}"+iam.Redacted)
	s = signatureParam.ReplaceAllString(s, "${1}="+iam.Redacted)
	return scrubBasicCredentials(s)
}
