package credentials

import (
	"fmt"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/s3endpoint"
)

// Endpoint is where a cloud's S3-compatible object storage listens and the
// region its SigV4 signatures are scoped to.
type Endpoint struct {
	// URL is the base endpoint, e.g. "https://storage.eu-north1.nebius.cloud".
	URL string
	// Region is the SigV4 signing region, e.g. "eu-north1" or "ru-central1".
	Region string
}

// YandexRegion is the only signing region Yandex Object Storage accepts.
const YandexRegion = s3endpoint.YandexRegion

// S3Endpoint returns the object-storage endpoint and signing region of a
// cloud:
//
//   - Nebius: https://storage.<region>.nebius.cloud, signed for the region
//     ID itself (e.g. eu-north1); region is required.
//   - Yandex: https://storage.yandexcloud.net, signed for ru-central1;
//     region may be empty or "ru-central1".
//   - OUTSCALE: https://oos.<region>.outscale.com, signed for the OUTSCALE
//     region (e.g. eu-west-2); region is required.
//
// A region without a known endpoint is an error that lists the known ones;
// such a region is still reachable by passing its URL explicitly
// (s3client.Options.Endpoint). The Nebius and OUTSCALE region lists are
// UNCONFIRMED beyond their documented examples.
func S3Endpoint(provider iam.Provider, region string) (Endpoint, error) {
	url, signing, err := s3endpoint.Lookup(provider, region)
	if err != nil {
		return Endpoint{}, fmt.Errorf("credentials: %w", err)
	}
	return Endpoint{URL: url, Region: signing}, nil
}
