package s3endpoint

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamkit/iamkit/iam"
)

// Regions known to have object storage. The Nebius and OUTSCALE lists are
// UNCONFIRMED beyond their documented examples; a region missing here is
// still reachable by passing its URL explicitly (s3client.Options.Endpoint).
var (
	nebiusRegions   = []string{"eu-north1", "eu-north2", "eu-west1", "us-central1", "me-west1", "uk-south1"}
	outscaleRegions = []string{"eu-west-2", "us-east-2", "us-west-1", "cloudgouv-eu-west-1", "ap-northeast-1"}
)

// YandexRegion is the only signing region Yandex Object Storage accepts.
const YandexRegion = "ru-central1"

// Lookup returns the object-storage endpoint URL and signing region of a
// cloud's region:
//
//   - Nebius: https://storage.<region>.nebius.cloud, signed for the region
//     ID itself (e.g. eu-north1); region is required.
//   - Yandex: https://storage.yandexcloud.net, signed for ru-central1;
//     region may be empty or "ru-central1".
//   - OUTSCALE: https://oos.<region>.outscale.com, signed for the OUTSCALE
//     region (e.g. eu-west-2); region is required.
//
// A region without a known endpoint is an error that lists the known ones.
// Errors carry no package prefix: the caller adds its own.
func Lookup(provider iam.Provider, region string) (url, signingRegion string, err error) {
	switch provider {
	case iam.Nebius:
		if region == "" {
			return "", "", errors.New("Nebius object storage needs a region ID (e.g. eu-north1)")
		}
		if !slices.Contains(nebiusRegions, region) {
			return "", "", fmt.Errorf("no known Nebius object storage endpoint for region %q (known: %s); pass the endpoint URL explicitly", region, strings.Join(nebiusRegions, ", "))
		}
		return "https://storage." + region + ".nebius.cloud", region, nil
	case iam.Yandex:
		if region != "" && region != YandexRegion {
			return "", "", fmt.Errorf("Yandex object storage has no endpoint for region %q: it is signed for %q only", region, YandexRegion)
		}
		return "https://storage.yandexcloud.net", YandexRegion, nil
	case iam.Outscale:
		if region == "" {
			return "", "", errors.New("OUTSCALE object storage (OOS) needs a region (e.g. eu-west-2)")
		}
		if !slices.Contains(outscaleRegions, region) {
			return "", "", fmt.Errorf("no known OUTSCALE OOS endpoint for region %q (known: %s); pass the endpoint URL explicitly", region, strings.Join(outscaleRegions, ", "))
		}
		return "https://oos." + region + ".outscale.com", region, nil
	}
	return "", "", fmt.Errorf("unknown provider %q (want nebius, yandex or outscale)", provider)
}
