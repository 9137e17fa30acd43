package outscale_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestMintedKeysWorkOnS3 checks that a key created through the OUTSCALE
// emulator signs S3 requests to the S3 emulator (OOS), and stops working
// when deactivated.
func TestMintedKeysWorkOnS3(t *testing.T) {
	reg := iamtest.NewRegistry()
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.Registry = reg })
	s3, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg; o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	out, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	k := out
	listBuckets := func() int {
		req, _ := http.NewRequest(http.MethodGet, s3.URL+"/", nil)
		sum := sha256.Sum256(nil)
		h := hex.EncodeToString(sum[:])
		req.Header.Set("X-Amz-Content-Sha256", h)
		creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretKey.Reveal()}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, h, "s3", "eu-west-2", clk.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := listBuckets(); st != http.StatusOK {
		t.Fatalf("S3 with a fresh OUTSCALE key: %d", st)
	}
	if _, err := c.AccessKeys().SetState(ctx, k.AccessKeyID, iam.StateInactive); err != nil {
		t.Fatal(err)
	}
	if st := listBuckets(); st != http.StatusForbidden {
		t.Errorf("S3 with a deactivated key: %d, want 403", st)
	}
}
