package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

// runEmulated starts the cloud's key emulator and an S3 emulator, runs the
// helper twice against them with one cache file (the second run must reuse
// the first run's key, as repeated invocations do), checks the printed
// credentials against the S3 emulator, and prints the JSON.
func runEmulated(ctx context.Context, cfg Config, pol iamcreds.Policy, log *slog.Logger, stdout, stderr io.Writer) error {
	if cfg.Cloud == "" {
		cfg.Cloud = "nebius"
	}
	reg := iamtest.NewRegistry()
	storage, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg })
	if err != nil {
		return err
	}
	defer storage.Close()
	km, closeKM, err := emulatedKeyManager(iam.Provider(cfg.Cloud), reg)
	if err != nil {
		return err
	}
	defer closeKM()
	cache := cfg.Cache
	if cache == "" {
		dir, err := os.MkdirTemp("", "iamkit-credential-process-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cache = filepath.Join(dir, "cache.json")
	}

	first, err := retrieve(ctx, km, cache, cfg.Instance, pol, log)
	if err != nil {
		return err
	}
	second, err := retrieve(ctx, km, cache, cfg.Instance, pol, log)
	if err != nil {
		return err
	}
	if second.AccessKeyID != first.AccessKeyID {
		return fmt.Errorf("the second run created key %s instead of reusing %s from the cache", second.AccessKeyID, first.AccessKeyID)
	}

	// The printed credentials sign S3 requests that the emulator accepts.
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: second.AccessKeyID, SecretAccessKey: second.SecretAccessKey, SessionToken: second.SessionToken}, nil
	})
	region := map[string]string{"nebius": "eu-north1", "yandex": "ru-central1", "outscale": "eu-west-2"}[cfg.Cloud]
	client, err := s3client.New(iam.Provider(cfg.Cloud), region, creds, storage.ClientOptions())
	if err != nil {
		return err
	}
	if _, err := client.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		return fmt.Errorf("the S3 emulator refused the printed credentials: %w", err)
	}
	fmt.Fprintf(stderr, "emulate (%s): two runs shared key %s through %s; the S3 emulator accepts it\n", cfg.Cloud, second.AccessKeyID, cache)
	return json.NewEncoder(stdout).Encode(second)
}

// emulatedKeyManager starts a key emulator and returns the cloud's real
// client for it.
func emulatedKeyManager(cloud iam.Provider, reg *iamtest.Registry) (iam.KeyManager, func(), error) {
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
	return nil, nil, errors.New("-cloud: want nebius, yandex or outscale")
}
