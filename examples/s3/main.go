// Command s3 puts an object into each cloud's object storage and reads it
// back, with credentials from a iamcreds.ManagedProvider that creates
// (and on exit deletes) its own access key. It runs on iamkit's
// in-process emulators: the key services of Nebius, Yandex Cloud and
// OUTSCALE, and an S3 endpoint that verifies SigV4 against the keys they
// mint.
//
//	go run ./examples/s3                 # all three clouds
//	go run ./examples/s3 -cloud outscale # one of them
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/oauth2"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

func main() {
	cloud := flag.String("cloud", "all", "nebius, yandex, outscale or all")
	flag.Parse()
	clouds := []iam.Provider{iam.Nebius, iam.Yandex, iam.Outscale}
	if *cloud != "all" {
		clouds = []iam.Provider{iam.Provider(*cloud)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range clouds {
		if err := run(ctx, os.Stdout, c); err != nil {
			fmt.Fprintf(os.Stderr, "s3 example (%s): %v\n", c, err)
			os.Exit(1)
		}
	}
}

// regions are the signing regions each cloud's object storage uses.
var regions = map[iam.Provider]string{iam.Nebius: "eu-north1", iam.Yandex: "ru-central1", iam.Outscale: "eu-west-2"}

// run does the whole flow for one cloud on its emulators.
func run(ctx context.Context, w io.Writer, cloud iam.Provider) (err error) {
	region, ok := regions[cloud]
	if !ok {
		return fmt.Errorf("unknown cloud %q (want nebius, yandex or outscale)", cloud)
	}
	reg := iamtest.NewRegistry()
	storage, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg; o.Region = region })
	if err != nil {
		return err
	}
	defer storage.Close()
	km, closeKM, err := keyManager(cloud, reg)
	if err != nil {
		return err
	}
	defer closeKM()

	// The managed provider creates a key on first use, would rotate it
	// before it expires, and deletes it on Close (DeleteOnClose).
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy = iamcreds.Policy{Lifetime: 24 * time.Hour, RotateBefore: 2 * time.Hour, Description: "iamkit-example-s3"}
		o.DeleteOnClose = true
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.Shutdown(ctx)) }()

	// On the real cloud, drop the emulator's option: s3client picks
	// storage.<region>.nebius.cloud, storage.yandexcloud.net or
	// oos.<region>.outscale.com.
	client, err := s3client.New(cloud, region, p, storage.ClientOptions())
	if err != nil {
		return err
	}
	bucket, key, body := "iamkit-example-"+string(cloud), "hello.txt", "hello from iamkit on "+string(cloud)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("CreateBucket: %w", err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		return fmt.Errorf("PutObject: %w", err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("GetObject: %w", err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		return err
	}
	if string(got) != body {
		return fmt.Errorf("GetObject returned %q, want %q", got, body)
	}
	st := p.Status()
	fmt.Fprintf(w, "%-8s put and got s3://%s/%s (%d bytes) signed with managed key %s for region %s\n", cloud, bucket, key, len(got), st.Current, region)
	return nil
}

// keyManager starts the cloud's key emulator and returns the cloud's real
// client for it, as an iam.KeyManager.
func keyManager(cloud iam.Provider, reg *iamtest.Registry) (iam.KeyManager, func(), error) {
	switch cloud {
	case iam.Nebius:
		srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
		if err != nil {
			return nil, nil, err
		}
		sa, err := srv.NewServiceAccount("")
		if err != nil {
			srv.Close()
			return nil, nil, err
		}
		// A token as the token exchange would issue (see examples/nebius
		// for the exchange itself).
		tokens := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(sa.ID, time.Hour)})
		c, err := nebius.New(tokens, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
		if err != nil {
			srv.Close()
			return nil, nil, err
		}
		km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(sa.ID))
		if err != nil {
			c.Close()
			srv.Close()
			return nil, nil, err
		}
		return km, func() { c.Close(); srv.Close() }, nil
	case iam.Yandex:
		srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
		if err != nil {
			return nil, nil, err
		}
		tokens := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), time.Hour)})
		c, err := yandex.New(tokens, srv.ClientOptions())
		if err != nil {
			srv.Close()
			return nil, nil, err
		}
		km, err := yandex.NewKeyManager(c, srv.ServiceAccountID())
		if err != nil {
			c.Close()
			srv.Close()
			return nil, nil, err
		}
		return km, func() { c.Close(); srv.Close() }, nil
	case iam.Outscale:
		srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Registry = reg })
		if err != nil {
			return nil, nil, err
		}
		c, err := outscale.New(srv.ClientOptions(srv.Root))
		if err != nil {
			srv.Close()
			return nil, nil, err
		}
		km, err := outscale.NewKeyManager(c)
		if err != nil {
			c.Close()
			srv.Close()
			return nil, nil, err
		}
		return km, func() { c.Close(); srv.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown cloud %q", cloud)
}
