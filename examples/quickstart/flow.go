package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/iamkit/iamkit/auth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// world holds the emulators of a run (none with -real); close stops them.
type world struct {
	real    bool
	reg     *iamtest.Registry
	s3      *iamtest.S3Server
	closers []func()
}

func newWorld(cfg config) (*world, error) {
	w := &world{real: cfg.real}
	if cfg.real {
		return w, nil
	}
	w.reg = iamtest.NewRegistry()
	var err error
	if w.s3, err = iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = w.reg }); err != nil {
		return nil, err
	}
	w.onClose(w.s3.Close)
	return w, nil
}

func (w *world) onClose(f func()) { w.closers = append(w.closers, f) }

func (w *world) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// s3Options points an S3 client at the emulator, or at the cloud's real
// endpoint (s3client's default) with -real.
func (w *world) s3Options(o *s3client.Options) {
	if !w.real {
		w.s3.ClientOptions()(o)
	}
}

// tokenSteps exchanges a token through ts and then shows a cached call.
// exchanges, when known (emulators), counts the token service's exchanges.
func tokenSteps(ctx context.Context, rep *report, ts *auth.Cache, exchanges func() int) error {
	var tok auth.Token
	if err := rep.step("sign a JWT, exchange it for an access token", func() (string, error) {
		var err error
		tok, err = ts.AccessToken(ctx)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("token %v, valid for %s", tok.Value, time.Until(tok.Expiry).Round(time.Minute)), nil
	}); err != nil {
		return err
	}
	return rep.step("second call served from the cache", func() (string, error) {
		start := time.Now()
		again, err := ts.AccessToken(ctx)
		d := time.Since(start)
		if err != nil {
			return "", err
		}
		if !again.Value.Equal(tok.Value) {
			return "", errors.New("got a different token: the cache did not serve it")
		}
		detail := fmt.Sprintf("same token in %s", d)
		if exchanges != nil {
			if n := exchanges(); n != 1 {
				return "", fmt.Errorf("the token service saw %d exchanges, want 1", n)
			}
			detail += ", 1 exchange in all"
		}
		return detail, nil
	})
}

// keyFlow is what the access-key steps need of a cloud.
type keyFlow struct {
	provider iam.Provider
	region   string // object storage region
	// km manages the keys of the account (for the managed provider).
	km iam.KeyManager
	// create makes a key with the typed client; describe prints it.
	create func(ctx context.Context) (iam.AccessKey, string, error)
	// list finds the key with the typed client; it returns a detail line.
	list func(ctx context.Context, k iam.AccessKey) (string, error)
	// remove deletes the key with the typed client.
	remove func(ctx context.Context, k iam.AccessKey) error
}

// managedDescription marks the keys the quickstart's managed provider owns.
const managedDescription = "iamkit-quickstart-managed"

// keySteps runs steps 3 to 6: typed create and list, S3 with the key, a
// managed provider rotating once, and deleting everything.
func keySteps(ctx context.Context, rep *report, w *world, f keyFlow) (err error) {
	var key iam.AccessKey
	if err := rep.step("create an access key (typed client)", func() (string, error) {
		var detail string
		var err error
		key, detail, err = f.create(ctx)
		return detail, err
	}); err != nil {
		return err
	}
	created := true
	bucket := fmt.Sprintf("iamkit-quickstart-%s-%d", f.provider, time.Now().UnixNano()%1_000_000)
	var s3c *s3.Client
	// Whatever happens, delete what this run created.
	defer func() {
		cleanup := context.WithoutCancel(ctx)
		if s3c != nil {
			_ = deleteBucket(cleanup, s3c, bucket)
		}
		if created {
			_ = f.remove(cleanup, key)
		}
	}()

	if err := rep.step("list access keys (typed client)", func() (string, error) { return f.list(ctx, key) }); err != nil {
		return err
	}

	if err := rep.step("S3 put + get with the key (static provider)", func() (string, error) {
		static, err := iamcreds.NewStaticProvider(key)
		if err != nil {
			return "", err
		}
		s3c, err = s3client.New(f.provider, f.region, static, w.s3Options)
		if err != nil {
			return "", err
		}
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			return "", fmt.Errorf("create bucket: %w", err)
		}
		return putGet(ctx, s3c, bucket, "hello.txt", "signed with "+key.AccessKeyID)
	}); err != nil {
		return err
	}

	mp, err := iamcreds.NewManagedProvider(f.km, func(o *iamcreds.ManagedOptions) {
		o.Policy = iamcreds.Policy{Lifetime: 24 * time.Hour, RotateBefore: 2 * time.Hour, Grace: time.Minute, Description: managedDescription}
		o.DeleteOnClose = true
	})
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			_ = mp.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	managed, err := s3client.New(f.provider, f.region, mp, w.s3Options)
	if err != nil {
		return err
	}
	var first aws.Credentials
	if err := rep.step("managed provider: creates its key, S3 put + get", func() (string, error) {
		var err error
		if first, err = mp.Retrieve(ctx); err != nil {
			return "", err
		}
		detail, err := putGet(ctx, managed, bucket, "managed.txt", "signed with "+first.AccessKeyID)
		return fmt.Sprintf("key %s; %s", first.AccessKeyID, detail), err
	}); err != nil {
		return err
	}
	if err := rep.step("rotate once: new key, S3 put + get", func() (string, error) {
		if err := mp.Rotate(ctx); err != nil {
			return "", err
		}
		next, err := mp.Retrieve(ctx)
		if err != nil {
			return "", err
		}
		if next.AccessKeyID == first.AccessKeyID {
			return "", errors.New("the key did not change")
		}
		if _, err := putGet(ctx, managed, bucket, "rotated.txt", "signed with "+next.AccessKeyID); err != nil {
			return "", err
		}
		if !w.real && w.s3.Stats().ByAccessKey[next.AccessKeyID] < 2 {
			return "", fmt.Errorf("the S3 emulator saw no put + get signed with %s", next.AccessKeyID)
		}
		return fmt.Sprintf("%s → %s (old key retiring)", first.AccessKeyID, next.AccessKeyID), nil
	}); err != nil {
		return err
	}

	return rep.step("delete everything this run created", func() (string, error) {
		if err := deleteBucket(ctx, s3c, bucket); err != nil {
			return "", err
		}
		s3c = nil
		if err := f.remove(ctx, key); err != nil {
			return "", fmt.Errorf("delete %s: %w", key.ID, err)
		}
		created = false
		closed = true
		if err := mp.Shutdown(ctx); err != nil {
			return "", fmt.Errorf("managed provider: %w", err)
		}
		left, err := f.km.ListKeys(ctx)
		if err != nil {
			return "", err
		}
		var ours []string
		for _, k := range left {
			if k.ID == key.ID || k.Description == managedDescription {
				ours = append(ours, k.AccessKeyID)
			}
		}
		if len(ours) > 0 {
			return "", fmt.Errorf("keys still there: %s", strings.Join(ours, ", "))
		}
		return "bucket, 1 typed key, 2 managed keys: gone", nil
	})
}

// putGet writes an object and reads it back.
func putGet(ctx context.Context, c *s3.Client, bucket, key, body string) (string, error) {
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		return "", fmt.Errorf("put %s: %w", key, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", fmt.Errorf("get %s: %w", key, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(got, []byte(body)) {
		return "", fmt.Errorf("read back %q, want %q", got, body)
	}
	return fmt.Sprintf("s3://%s/%s round-tripped", bucket, key), nil
}

// deleteBucket removes the bucket's objects and the bucket.
func deleteBucket(ctx context.Context, c *s3.Client, bucket string) error {
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket" {
			return nil
		}
		return fmt.Errorf("list bucket: %w", err)
	}
	for _, o := range list.Contents {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key}); err != nil {
			return fmt.Errorf("delete object: %w", err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	return nil
}
