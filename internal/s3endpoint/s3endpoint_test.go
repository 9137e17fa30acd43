package s3endpoint

import (
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		p                 iam.Provider
		region            string
		wantURL, wantSign string
	}{
		{iam.Nebius, "eu-north1", "https://storage.eu-north1.nebius.cloud", "eu-north1"},
		{iam.Nebius, "us-central1", "https://storage.us-central1.nebius.cloud", "us-central1"},
		{iam.Yandex, "", "https://storage.yandexcloud.net", "ru-central1"},
		{iam.Yandex, "ru-central1", "https://storage.yandexcloud.net", "ru-central1"},
		{iam.Outscale, "eu-west-2", "https://oos.eu-west-2.outscale.com", "eu-west-2"},
		{iam.Outscale, "cloudgouv-eu-west-1", "https://oos.cloudgouv-eu-west-1.outscale.com", "cloudgouv-eu-west-1"},
	} {
		u, r, err := Lookup(tc.p, tc.region)
		if err != nil || u != tc.wantURL || r != tc.wantSign {
			t.Errorf("Lookup(%s, %q) = %q, %q, %v; want %q, %q", tc.p, tc.region, u, r, err, tc.wantURL, tc.wantSign)
		}
	}
	for _, tc := range []struct {
		p      iam.Provider
		region string
		want   string
	}{
		{iam.Nebius, "", "Nebius object storage needs a region ID"},
		{iam.Nebius, "mars-north1", `no known Nebius object storage endpoint for region "mars-north1" (known: eu-north1,`},
		{iam.Yandex, "ru-central2", `Yandex object storage has no endpoint for region "ru-central2"`},
		{iam.Outscale, "", "OUTSCALE object storage (OOS) needs a region"},
		{iam.Outscale, "mars-1", `no known OUTSCALE OOS endpoint for region "mars-1"`},
		{iam.Provider("aws"), "us-east-1", `unknown provider "aws"`},
	} {
		u, r, err := Lookup(tc.p, tc.region)
		if err == nil || !strings.Contains(err.Error(), tc.want) || u != "" || r != "" {
			t.Errorf("Lookup(%s, %q) = %q, %q, %v; want an error containing %q", tc.p, tc.region, u, r, err, tc.want)
		}
	}
}
