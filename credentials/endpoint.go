package credentials

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamkit/iamkit/iam"
)

// Endpoint is where a cloud's S3-compatible object storage listens and the
// region its SigV4 signatures are scoped to.
type Endpoint struct {
	// URL is the base endpoint, e.g. "https://storage.eu-north1.nebius.cloud".
	URL string
	// Region is the SigV4 signing region, e.g. "eu-north1" or "ru-central1".
	Region string
}

// Regions known to have object storage. The Nebius and OUTSCALE lists are
// UNCONFIRMED beyond their documented examples; a region missing here is
// still reachable by passing its URL explicitly (s3client.Options.Endpoint).
var (
	nebiusRegions   = []string{"eu-north1", "eu-north2", "eu-west1", "us-central1", "me-west1", "uk-south1"}
	outscaleRegions = []string{"eu-west-2", "us-east-2", "us-west-1", "cloudgouv-eu-west-1", "ap-northeast-1"}
)

// YandexRegion is the only signing region Yandex Object Storage accepts.
const YandexRegion = "ru-central1"

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
// A region without a known endpoint is an error that lists the known ones.
func S3Endpoint(provider iam.Provider, region string) (Endpoint, error) {
	switch provider {
	case iam.Nebius:
		if region == "" {
			return Endpoint{}, errors.New("credentials: Nebius object storage needs a region ID (e.g. eu-north1)")
		}
		if !slices.Contains(nebiusRegions, region) {
			return Endpoint{}, fmt.Errorf("credentials: no known Nebius object storage endpoint for region %q (known: %s); pass the endpoint URL explicitly", region, strings.Join(nebiusRegions, ", "))
		}
		return Endpoint{URL: "https://storage." + region + ".nebius.cloud", Region: region}, nil
	case iam.Yandex:
		if region != "" && region != YandexRegion {
			return Endpoint{}, fmt.Errorf("credentials: Yandex object storage has no endpoint for region %q: it is signed for %q only", region, YandexRegion)
		}
		return Endpoint{URL: "https://storage.yandexcloud.net", Region: YandexRegion}, nil
	case iam.Outscale:
		if region == "" {
			return Endpoint{}, errors.New("credentials: OUTSCALE object storage (OOS) needs a region (e.g. eu-west-2)")
		}
		if !slices.Contains(outscaleRegions, region) {
			return Endpoint{}, fmt.Errorf("credentials: no known OUTSCALE OOS endpoint for region %q (known: %s); pass the endpoint URL explicitly", region, strings.Join(outscaleRegions, ", "))
		}
		return Endpoint{URL: "https://oos." + region + ".outscale.com", Region: region}, nil
	}
	return Endpoint{}, fmt.Errorf("credentials: unknown provider %q (want nebius, yandex or outscale)", provider)
}
