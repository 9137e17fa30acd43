package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/oauth2"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// keyManagers returns each provider's real client against its emulator.
func keyManagers(t *testing.T) map[string]iam.KeyManager {
	t.Helper()
	out := map[string]iam.KeyManager{}

	nsrv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nsrv.Close)
	sa, err := nsrv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: nsrv.IssueToken(sa.ID, time.Hour)}), nsrv.ClientOptions(), func(o *nebius.Options) {
		o.ProjectID = sa.ProjectID
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if out["nebius"], err = nebius.NewKeyManager(nc, nebius.ServiceAccount(sa.ID)); err != nil {
		t.Fatal(err)
	}

	ysrv, err := yandextest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ysrv.Close)
	yc, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: ysrv.IssueToken(ysrv.ServiceAccountID(), time.Hour)}), ysrv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { yc.Close() })
	if out["yandex"], err = yandex.NewKeyManager(yc, ysrv.ServiceAccountID()); err != nil {
		t.Fatal(err)
	}

	osrv, err := outscaletest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(osrv.Close)
	oc, err := outscale.New(osrv.ClientOptions(osrv.Root))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oc.Close() })
	okm, err := outscale.NewKeyManager(oc)
	if err != nil {
		t.Fatal(err)
	}
	out["outscale"] = okm
	return out
}

// TestManagedRotationAgainstVersityGW: a real s3.Client (configured through
// config.WithCredentialsProvider, so the AWS SDK's credentials cache sits
// in front of the provider) keeps putting and getting objects on versitygw
// while the managed provider goes through at least two rotations. Every
// request must succeed.
func TestManagedRotationAgainstVersityGW(t *testing.T) {
	gw := startGateway(t)
	defer gw.stop()
	kms := keyManagers(t)
	for _, name := range []string{"nebius", "yandex", "outscale"} {
		t.Run(name, func(t *testing.T) { runRotation(t, gw, name, kms[name]) })
	}
}

func runRotation(t *testing.T, gw *gateway, name string, km iam.KeyManager) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	keys := &gatewayKeys{KeyManager: km, gw: gw, users: map[string]string{}}
	var (
		mu        sync.Mutex
		rotations int
		deleted   int
		failures  []string
	)
	changed := make(chan struct{}, 1)
	p, err := iamcreds.NewManagedProvider(keys, func(o *iamcreds.ManagedOptions) {
		// Real time: a key lives 6s and the next one is made 3s before
		// its end, so rotations come every 3s.
		o.Policy = iamcreds.Policy{Lifetime: 6 * time.Second, RotateBefore: 3 * time.Second, SwitchDelay: -1, Grace: 1500 * time.Millisecond, MaxKeys: 2, Description: "iamkit-e2e-" + name}
		o.BaseDelay, o.MaxDelay = 200*time.Millisecond, time.Second
		o.DeleteOnClose = true
		o.OnEvent = func(e iamcreds.Event) {
			mu.Lock()
			switch e.Kind {
			case iamcreds.EventKeySwitched:
				rotations++
			case iamcreds.EventKeyDeleted:
				deleted++
			case iamcreds.EventCreateFailed, iamcreds.EventDeleteFailed, iamcreds.EventListFailed:
				failures = append(failures, e.Kind.String()+": "+e.Err.Error())
			}
			mu.Unlock()
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if n := keys.userCount(); n != 0 {
			t.Errorf("%d versitygw users left after Close", n)
		}
	}()

	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(gwRegion),
		config.WithCredentialsProvider(p),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithRetryMaxAttempts(1), // a failed request counts; no retry hides it
	)
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(gw.URL)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	bucket := "iamkit-e2e-" + name
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	first, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var ok, failed atomic.Int64
	var errMu sync.Mutex
	var firstErrs []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d/obj-%d", w, i%20)
				body := fmt.Sprintf("%s %d %d", name, w, i)
				err := func() error {
					if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
						return fmt.Errorf("PutObject: %w", err)
					}
					ok.Add(1)
					out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					if err != nil {
						return fmt.Errorf("GetObject: %w", err)
					}
					b, err := io.ReadAll(out.Body)
					out.Body.Close()
					if err != nil || string(b) != body {
						return fmt.Errorf("GetObject body %q, %v; want %q", b, err, body)
					}
					ok.Add(1)
					return nil
				}()
				if err != nil {
					if errors.Is(err, context.Canceled) {
						return
					}
					failed.Add(1)
					errMu.Lock()
					if len(firstErrs) < 5 {
						firstErrs = append(firstErrs, err.Error())
					}
					errMu.Unlock()
				}
			}
		}()
	}

	// Run until two rotations are complete (their old keys deleted) and at
	// least 200 requests were made.
	for {
		mu.Lock()
		done := rotations >= 3 && deleted >= 2 // the first switch is the first key
		mu.Unlock()
		if done && ok.Load()+failed.Load() >= 200 {
			break
		}
		select {
		case <-changed:
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			mu.Lock()
			r, d := rotations, deleted
			mu.Unlock()
			t.Fatalf("gave up: %d switches, %d deletions, %d ok, %d failed", r, d, ok.Load(), failed.Load())
		}
	}
	close(stop)
	wg.Wait()

	st := p.Status()
	keys.mu.Lock()
	log := strings.Join(keys.log, ", ")
	keys.mu.Unlock()
	t.Logf("%s: %d requests ok, %d failed; status %+v; versitygw users: %s", name, ok.Load(), failed.Load(), st, log)
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed during rotation, e.g. %v", failed.Load(), ok.Load()+failed.Load(), firstErrs)
	}
	if st.Rotations < 2 {
		t.Fatalf("only %d rotations", st.Rotations)
	}
	mu.Lock()
	rotationFailures := append([]string(nil), failures...)
	mu.Unlock()
	if len(rotationFailures) != 0 {
		t.Fatalf("rotation failures: %v", rotationFailures)
	}

	// versitygw really checks: the first key, now deleted, is refused, and
	// so is the current key with a wrong secret.
	cur, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what  string
		creds aws.Credentials
	}{
		{"the deleted first key", first},
		{"the current key with a wrong secret", aws.Credentials{AccessKeyID: cur.AccessKeyID, SecretAccessKey: "wrong-" + cur.SecretAccessKey}},
	} {
		static := s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(gw.URL)
			o.UsePathStyle = true
			o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c.creds, nil })
		})
		if _, err := static.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}); err == nil {
			t.Fatalf("versitygw accepted %s", c.what)
		} else {
			t.Logf("%s: %v", c.what, err)
		}
	}
}
