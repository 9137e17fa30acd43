package outscale

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamkit/iamkit/iam"
)

// sigV4 signs requests with AWS Signature Version 4 (AWS4-HMAC-SHA256),
// through aws-sdk-go-v2's aws/signer/v4, which derives the signing key
// once per day, region and service and caches it. The secret stays an
// [iam.Secret] until each signature, so that no plaintext copy of it is
// reachable from a Client.
type sigV4 struct {
	accessKey string
	secretKey iam.Secret
	region    string
	service   string
	aws       *v4.Signer
}

// newSigV4 returns a signer for the scope <region>/<service>. The
// canonical URI is the request path: for a base URL whose path consists of
// unreserved characters only (every real endpoint), escaping it again
// changes nothing, so the signer is told to skip that work; other paths are
// escaped as SigV4 requires for services other than S3.
func newSigV4(accessKey string, secretKey iam.Secret, region, service, base string) *sigV4 {
	plain := plainPath(base)
	return &sigV4{
		accessKey: accessKey,
		secretKey: secretKey,
		region:    region,
		service:   service,
		aws:       v4.NewSigner(func(so *v4.SignerOptions) { so.DisableURIPathEscaping = plain }),
	}
}

// sign sets X-Amz-Date and Authorization on r for time now; payloadHash
// is the hex SHA-256 of the body.
func (s *sigV4) sign(r *http.Request, payloadHash string, now time.Time) error {
	creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: s.secretKey.Reveal()}
	return s.aws.SignHTTP(r.Context(), creds, r, payloadHash, s.service, s.region, now.UTC())
}
