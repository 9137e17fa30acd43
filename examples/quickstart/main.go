// Command quickstart walks iamkit's main job end to end and prints a short
// report: for each cloud it gets a service-account key, signs a short-lived
// JWT, exchanges it for an access token through the cache, and shows the
// second call served from the cache.
//
// By default everything runs on the embedded emulators (package
// iam/iamtest) on loopback: no account, no network, no file left behind.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -cloud yandex
//
// With -real it talks to the real clouds instead, using your credentials
// files (-nebius-credentials, -yandex-key).
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

type config struct {
	cloud             string
	real              bool
	nebiusCredentials string
	yandexKey         string
	timeout           time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.cloud, "cloud", "all", "which cloud to run: nebius, yandex or all")
	flag.BoolVar(&cfg.real, "real", false, "talk to the real clouds instead of the embedded emulators")
	flag.StringVar(&cfg.nebiusCredentials, "nebius-credentials", "", "with -real: Nebius service-account credentials JSON")
	flag.StringVar(&cfg.yandexKey, "yandex-key", "", "with -real: Yandex authorized key.json")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "overall time limit")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run executes the chosen clouds' steps and returns an error if any failed.
func run(ctx context.Context, cfg config, w io.Writer) error {
	clouds := map[string]func(context.Context, config, *report) error{
		"nebius": nebiusSteps,
		"yandex": yandexSteps,
	}
	order := []string{"nebius", "yandex"}
	if cfg.cloud != "all" {
		if _, ok := clouds[cfg.cloud]; !ok {
			return fmt.Errorf("unknown -cloud %q (want nebius, yandex or all)", cfg.cloud)
		}
		order = []string{cfg.cloud}
	}
	mode := "the embedded emulators (no account needed)"
	if cfg.real {
		mode = "the REAL clouds"
	}
	fmt.Fprintf(w, "iamkit quickstart — on %s\n", mode)
	rep := &report{w: w}
	for _, name := range order {
		if err := clouds[name](ctx, cfg, rep); err != nil {
			rep.fail(err)
		}
	}
	fmt.Fprintf(w, "\n%d steps, %d passed, %d failed\n", rep.passed+rep.failed, rep.passed, rep.failed)
	if rep.failed > 0 {
		return fmt.Errorf("%d step(s) failed", rep.failed)
	}
	return nil
}

// report prints steps as they finish: ✓ or ✗, the duration, and a detail.
type report struct {
	w              io.Writer
	passed, failed int
}

func (r *report) section(title string) { fmt.Fprintf(r.w, "\n%s\n", title) }

// step runs fn and prints its outcome; it returns fn's error.
func (r *report) step(name string, fn func() (string, error)) error {
	start := time.Now()
	detail, err := fn()
	d := time.Since(start)
	if err != nil {
		r.failed++
		fmt.Fprintf(r.w, "  ✗ %-44s %9s  %v\n", name, round(d), err)
		return err
	}
	r.passed++
	fmt.Fprintf(r.w, "  ✓ %-44s %9s  %s\n", name, round(d), detail)
	return nil
}

func (r *report) fail(err error) {
	if !errors.Is(err, errStepFailed) {
		r.failed++
		fmt.Fprintf(r.w, "  ✗ %v\n", err)
	}
}

var errStepFailed = errors.New("step failed")

func round(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return d.String()
	case d < time.Millisecond:
		return d.Round(100 * time.Nanosecond).String()
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}

// tokenSteps exchanges a token through ts and then shows a cached call.
func tokenSteps(ctx context.Context, rep *report, ts *auth.Cache, exchanges func() int) error {
	var tok auth.Token
	if err := rep.step("sign JWT, exchange it for an access token", func() (string, error) {
		var err error
		tok, err = ts.AccessToken(ctx)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("token %v, valid for %s", tok.Value, time.Until(tok.Expiry).Round(time.Minute)), nil
	}); err != nil {
		return errStepFailed
	}
	return stepErr(rep.step("second call served from the cache", func() (string, error) {
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
	}))
}

func stepErr(err error) error {
	if err != nil {
		return errStepFailed
	}
	return nil
}

func nebiusSteps(ctx context.Context, cfg config, rep *report) error {
	rep.section("Nebius AI Cloud")
	var (
		key       *auth.ServiceAccountKey
		opts      []func(*auth.ServiceAccountOptions)
		exchanges func() int
	)
	if cfg.real {
		if cfg.nebiusCredentials == "" {
			return errors.New("-real needs -nebius-credentials")
		}
		if err := rep.step("load credentials JSON", func() (string, error) {
			var err error
			key, err = auth.LoadNebiusCredentialsFile(cfg.nebiusCredentials)
			return fmt.Sprint(key), err
		}); err != nil {
			return errStepFailed
		}
	} else {
		emu := iamtest.NewNebiusTokenServer()
		defer emu.Close()
		exchanges = emu.Exchanges
		opts = append(opts, func(o *auth.ServiceAccountOptions) { o.Endpoint = emu.URL })
		var credentials []byte
		if err := rep.step("generate a service-account key pair", func() (string, error) {
			var err error
			credentials, err = newNebiusCredentials(emu.Registry)
			return "public key uploaded to the emulator", err
		}); err != nil {
			return errStepFailed
		}
		if err := rep.step("load the credentials JSON", func() (string, error) {
			var err error
			key, err = auth.ParseNebiusCredentials(credentials, "credentials.json")
			return fmt.Sprintf("key %s of %s", key.KeyID, key.ServiceAccountID), err
		}); err != nil {
			return errStepFailed
		}
	}
	ts, err := auth.NebiusServiceAccount(key, opts...)
	if err != nil {
		return err
	}
	defer ts.Close()
	return tokenSteps(ctx, rep, ts, exchanges)
}

func yandexSteps(ctx context.Context, cfg config, rep *report) error {
	rep.section("Yandex Cloud")
	var (
		key       *auth.ServiceAccountKey
		opts      []func(*auth.ServiceAccountOptions)
		exchanges func() int
	)
	if cfg.real {
		if cfg.yandexKey == "" {
			return errors.New("-real needs -yandex-key")
		}
		if err := rep.step("load key.json", func() (string, error) {
			var err error
			key, err = auth.LoadYandexKeyFile(cfg.yandexKey)
			return fmt.Sprint(key), err
		}); err != nil {
			return errStepFailed
		}
	} else {
		emu := iamtest.NewYandexTokenServer()
		defer emu.Close()
		exchanges = emu.Exchanges
		opts = append(opts, func(o *auth.ServiceAccountOptions) { o.Endpoint = emu.URL })
		var keyJSON []byte
		if err := rep.step("create an authorized key", func() (string, error) {
			var err error
			keyJSON, err = newYandexKeyJSON(emu.Registry)
			return "public key registered with the emulator", err
		}); err != nil {
			return errStepFailed
		}
		if err := rep.step("load key.json", func() (string, error) {
			var err error
			key, err = auth.ParseYandexKey(keyJSON, "key.json")
			return fmt.Sprintf("key %s of %s", key.KeyID, key.ServiceAccountID), err
		}); err != nil {
			return errStepFailed
		}
	}
	ts, err := auth.YandexServiceAccount(key, opts...)
	if err != nil {
		return err
	}
	defer ts.Close()
	return tokenSteps(ctx, rep, ts, exchanges)
}

// newNebiusCredentials makes what "nebius iam auth-public-key generate"
// makes: a key pair whose public half is registered (here, with the
// emulator) and a credentials JSON holding the private half.
func newNebiusCredentials(reg *iamtest.Registry) ([]byte, error) {
	k, pemKey, err := newRSAKey()
	if err != nil {
		return nil, err
	}
	const kid, sa = "publickey-e00quickstart", "serviceaccount-e00quickstart"
	reg.PutPublicKey(iamtest.PublicKey{KeyID: kid, ServiceAccountID: sa, Key: &k.PublicKey})
	return json.Marshal(map[string]any{"subject-credentials": map[string]string{
		"type": "JWT", "alg": "RS256", "private-key": pemKey, "kid": kid, "iss": sa, "sub": sa,
	}})
}

// newYandexKeyJSON makes a key.json in the format "yc iam key create" writes.
func newYandexKeyJSON(reg *iamtest.Registry) ([]byte, error) {
	k, pemKey, err := newRSAKey()
	if err != nil {
		return nil, err
	}
	const id, sa = "ajequickstartkey0001", "ajequickstartsa00001"
	reg.PutPublicKey(iamtest.PublicKey{KeyID: id, ServiceAccountID: sa, Key: &k.PublicKey})
	return json.Marshal(map[string]string{
		"id": id, "service_account_id": sa, "created_at": time.Now().UTC().Format(time.RFC3339Nano),
		"key_algorithm": "RSA_2048",
		"private_key":   "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <" + id + ">\n" + pemKey,
	})
}

func newRSAKey() (*rsa.PrivateKey, string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, "", err
	}
	return k, strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))) + "\n", nil
}
