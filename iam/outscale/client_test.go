package outscale_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

func TestCallsAgainstEmulator(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	ctx := context.Background()

	// CreateAccessKey: date-only and date-time expiries, tag.
	created, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{ExpirationDate: outscale.NewDay(2063, 4, 5), Tag: "Group1"})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	k := created
	if len(k.AccessKeyID) != 20 || k.SecretKey.Len() != 40 || k.State != iam.StateActive || k.Tag != "Group1" {
		t.Fatalf("created key = %+v", k)
	}
	if got := k.ExpirationDate.Time(); !got.Equal(time.Date(2063, 4, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ExpirationDate = %v", got)
	}
	if !k.CreationDate.Time().Equal(t0) {
		t.Errorf("CreationDate = %v", k.CreationDate.Time())
	}
	exp2 := outscale.NewDate(t0.Add(90 * time.Minute))
	second, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{ExpirationDate: exp2})
	if err != nil {
		t.Fatalf("CreateAccessKey date-time: %v", err)
	}
	if !second.ExpirationDate.Time().Equal(exp2.Time()) {
		t.Errorf("ExpirationDate = %v, want %v", second.ExpirationDate.Time(), exp2.Time())
	}
	if s3, ok := srv.Registry.S3Key(k.AccessKeyID); !ok || !s3.Active || !s3.Secret.Equal(k.SecretKey) {
		t.Errorf("key not registered for S3: %+v %v", s3, ok)
	}

	// ReadAccessKeys with each filter.
	all, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
	if err != nil || len(all) != 3 { // root bootstrap key + 2
		t.Fatalf("ReadAccessKeys = %+v, %v", all, err)
	}
	byTag, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{Tag: "Group1"})
	if err != nil || len(byTag) != 1 || byTag[0].AccessKeyID != k.AccessKeyID {
		t.Fatalf("ReadAccessKeys by tag = %+v, %v", byTag, err)
	}
	byID, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{Filters: &outscale.FiltersAccessKeys{AccessKeyIDs: []string{second.AccessKeyID}}})
	if err != nil || len(byID) != 1 {
		t.Fatalf("ReadAccessKeys by id = %+v, %v", byID, err)
	}

	// UpdateAccessKey.
	up, err := c.AccessKeys().Update(ctx, outscale.UpdateAccessKeyRequest{ID: k.AccessKeyID, State: iam.StateInactive, ExpirationDate: k.ExpirationDate, Tag: "Group2"})
	if err != nil || up.State != iam.StateInactive || up.Tag != "Group2" {
		t.Fatalf("UpdateAccessKey = %+v, %v", up, err)
	}
	if s3, _ := srv.Registry.S3Key(k.AccessKeyID); s3.Active {
		t.Error("registry still has the deactivated key active")
	}
	inactive, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{Filters: &outscale.FiltersAccessKeys{States: []iam.State{iam.StateInactive}}})
	if err != nil || len(inactive) != 1 {
		t.Fatalf("ReadAccessKeys by state = %+v, %v", inactive, err)
	}
	cleared, err := c.AccessKeys().Update(ctx, outscale.UpdateAccessKeyRequest{ID: k.AccessKeyID, ClearExpirationDate: true, ClearTag: true})
	if err != nil || !cleared.ExpirationDate.IsZero() || cleared.Tag != "" {
		t.Fatalf("UpdateAccessKey clear = %+v, %v", cleared, err)
	}

	// DeleteAccessKey.
	if err := c.AccessKeys().Delete(ctx, k.AccessKeyID); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	if _, ok := srv.Registry.S3Key(k.AccessKeyID); ok {
		t.Error("deleted key still registered")
	}
	if err := c.AccessKeys().Delete(ctx, k.AccessKeyID); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}

	// API access policy.
	pol, err := c.APIAccessPolicy().Update(ctx, outscale.UpdateAPIAccessPolicyRequest{MaxAccessKeyExpirationSeconds: 3600})
	if err != nil || pol.MaxAccessKeyExpirationSeconds != 3600 {
		t.Fatalf("UpdateAPIAccessPolicy = %+v, %v", pol, err)
	}
	rp, err := c.APIAccessPolicy().Get(ctx)
	if err != nil || rp.MaxAccessKeyExpirationSeconds != 3600 || rp.RequireTrustedEnv {
		t.Fatalf("ReadAPIAccessPolicy = %+v, %v", rp, err)
	}

	// CheckAuthentication.
	if _, err := c.CheckAuthentication(ctx, outscale.CheckAuthenticationRequest{Login: srv.Root.Login, Password: srv.Root.Password}); err != nil {
		t.Errorf("CheckAuthentication: %v", err)
	}
	_, err = c.CheckAuthentication(ctx, outscale.CheckAuthenticationRequest{Login: srv.Root.Login, Password: iam.NewSecret("wrong-password-123")})
	if !errors.Is(err, iam.ErrUnauthenticated) || strings.Contains(err.Error(), "wrong-password-123") {
		t.Errorf("CheckAuthentication wrong password: %v", err)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	if _, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if n := srv.KeyCount(""); n != 1 {
		t.Errorf("DryRun create made a key: %d keys", n)
	}
	if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{DryRun: true}); err != nil {
		t.Error(err)
	}
	if _, err := c.AccessKeys().Update(ctx, outscale.UpdateAccessKeyRequest{ID: srv.Root.AccessKey, State: iam.StateInactive, DryRun: true}); err != nil {
		t.Error(err)
	}
	if _, err := c.APIAccessPolicy().Update(ctx, outscale.UpdateAPIAccessPolicyRequest{MaxAccessKeyExpirationSeconds: 60, DryRun: true}); err != nil {
		t.Error(err)
	}
	if _, err := c.CheckAuthentication(ctx, outscale.CheckAuthenticationRequest{Login: "x", Password: iam.NewSecret("y"), DryRun: true}); err != nil {
		t.Error(err)
	}
	k, ok := srv.Key(srv.Root.AccessKey)
	if !ok || k.State != "ACTIVE" {
		t.Errorf("DryRun changed the root key: %+v %v", k, ok)
	}
	rp, _ := c.APIAccessPolicy().Get(ctx)
	if rp.MaxAccessKeyExpirationSeconds != 0 {
		t.Error("DryRun changed the policy")
	}
}

// TestSetStateKeepsExpiry runs against a pre-1.40 emulator, where an
// UpdateAccessKey without ExpirationDate drops the expiry.
func TestSetStateKeepsExpiry(t *testing.T) {
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.Legacy = true })
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	exp := t0.Add(time.Hour)
	mk := func() string {
		out, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{ExpirationDate: outscale.NewDate(exp)})
		if err != nil {
			t.Fatal(err)
		}
		return out.AccessKeyID
	}

	// The trap: a plain update of the state clears the expiry.
	naive := mk()
	if _, err := c.AccessKeys().Update(ctx, outscale.UpdateAccessKeyRequest{ID: naive, State: iam.StateInactive}); err != nil {
		t.Fatal(err)
	}
	if k, _ := srv.Key(naive); !k.ExpiresAt.IsZero() {
		t.Fatalf("legacy emulator kept the expiry (%v); the test would prove nothing", k.ExpiresAt)
	}

	// SetState re-sends it.
	id := mk()
	for _, st := range []iam.State{iam.StateInactive, iam.StateActive} {
		k, err := c.AccessKeys().SetState(ctx, id, st)
		if err != nil {
			t.Fatalf("SetState(%s): %v", st, err)
		}
		if k.State != st || !k.ExpirationDate.Time().Equal(exp) {
			t.Errorf("after SetState(%s): state %s, expiry %v; want %v", st, k.State, k.ExpirationDate.Time(), exp)
		}
		if info, _ := srv.Key(id); !info.ExpiresAt.Equal(exp) {
			t.Errorf("emulator expiry after SetState(%s) = %v", st, info.ExpiresAt)
		}
	}
	// UpdateKey (the KeyManager path) keeps it too.
	km := keyManager(t, c)
	got, err := km.UpdateKey(ctx, id, iam.UpdateKeyRequest{State: iam.StateInactive})
	if err != nil || !got.ExpiresAt.Equal(exp) || got.State != iam.StateInactive {
		t.Errorf("UpdateKey = %+v, %v", got, err)
	}
	// And the legacy server's required State is always sent.
	got, err = km.UpdateKey(ctx, id, iam.UpdateKeyRequest{ExpiresAt: exp.Add(-time.Minute)})
	if err != nil || got.State != iam.StateInactive || !got.ExpiresAt.Equal(exp.Add(-time.Minute)) {
		t.Errorf("UpdateKey expiry only = %+v, %v", got, err)
	}
}

func TestResignedOnRetry(t *testing.T) {
	clk := &stepClock{FakeClock: iamtest.NewFakeClock(t0), step: 2 * time.Second}
	srv, _ := newEmulator(t, func(o *outscaletest.Options) { o.Clock = clk })
	c := rootClient(t, srv, clk)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "6", Match: "ReadAccessKeys"})  // 503
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "25", Match: "ReadAccessKeys"}) // 429
	if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatalf("ReadAccessKeys after throttling: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests, want 3: %+v", len(reqs), reqs)
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		if !r.Verified || r.Auth != "AWS4-HMAC-SHA256" || r.Region != "eu-west-2" || r.Service != "oapi" {
			t.Errorf("attempt %d: %+v, want a verified SigV4 signature for eu-west-2/oapi", i, r)
		}
		if seen[r.Date] {
			t.Errorf("attempt %d reuses X-Amz-Date %s", i, r.Date)
		}
		seen[r.Date] = true
	}
	if reqs[0].Status != 503 || reqs[1].Status != 429 || reqs[2].Status != 200 {
		t.Errorf("statuses %d %d %d", reqs[0].Status, reqs[1].Status, reqs[2].Status)
	}
}

func TestRealRegionSigned(t *testing.T) {
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.Region = "us-east-2"; o.StrictScope = true })
	c := rootClient(t, srv, clk, func(o *outscale.Options) { o.Region = "us-east-2" })
	if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.Region != "us-east-2" {
		t.Errorf("signed region %q", r.Region)
	}
	// A client signing for another region is refused by a strict server.
	other := rootClient(t, srv, clk, func(o *outscale.Options) { o.Region = "eu-west-2" })
	if _, err := other.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Errorf("wrong region: %v", err)
	}
}

func TestNoRetryOn401(t *testing.T) {
	srv, clk := newEmulator(t)
	const bad = "0000000000000000000000000000000000000000"
	c := newClient(t, srv, clk, srv.Root.AccessKey, iam.NewSecret(bad))
	_, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
	var e *iam.Error
	if !errors.As(err, &e) || !errors.Is(err, iam.ErrUnauthenticated) || e.HTTPStatus != 401 || e.Code != "1" {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Calls(""); n != 1 {
		t.Errorf("emulator saw %d requests, want exactly 1 (401 must not be retried)", n)
	}
	if strings.Contains(err.Error(), bad) {
		t.Error("secret in error text")
	}
}

func TestLockoutAfterFourBadSignatures(t *testing.T) {
	srv, clk := newEmulator(t)
	ctx := context.Background()
	bad := newClient(t, srv, clk, srv.Root.AccessKey, iam.NewSecret(strings.Repeat("x", 40)))
	good := rootClient(t, srv, clk)
	for i := range 4 {
		_, err := bad.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
		var e *iam.Error
		if !errors.As(err, &e) || e.Code != "1" {
			t.Fatalf("bad attempt %d: %v", i, err)
		}
	}
	_, err := good.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
	var e *iam.Error
	if !errors.As(err, &e) || e.Code != "13" || !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("during lockout: %v, want code 13", err)
	}
	clk.Advance(59 * time.Second)
	if _, err := good.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err == nil {
		t.Fatal("lock lifted before a minute")
	}
	clk.Advance(2 * time.Second)
	if _, err := good.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	if n := srv.Calls(""); n != 7 {
		t.Errorf("emulator saw %d requests, want 7 (no retries)", n)
	}
}

func TestBasicAuth(t *testing.T) {
	srv, clk := newEmulator(t)
	ctx := context.Background()
	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.Login, o.Password = srv.Root.Login, srv.Root.Password
		o.Clock = clk
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); return err },
		func() error { _, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{}); return err },
		func() error {
			_, err := c.APIAccessPolicy().Get(ctx)
			return err
		},
		func() error {
			_, err := c.APIAccessPolicy().Update(ctx, outscale.UpdateAPIAccessPolicyRequest{})
			return err
		},
		func() error {
			_, err := c.AccessKeys().SetState(ctx, srv.Root.AccessKey, iam.StateActive)
			return err
		},
	} {
		if err := call(); err != nil {
			t.Errorf("Basic call: %v", err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Auth != "Basic" || !r.Verified || r.Date != t0.Format("20060102T150405Z") {
			t.Errorf("request %+v: want Basic with X-Osc-Date", r)
		}
	}
	// CheckAuthentication does not allow Basic: refused before sending.
	srv.ResetRequests()
	_, err = c.CheckAuthentication(ctx, outscale.CheckAuthenticationRequest{Login: "a", Password: iam.NewSecret("b")})
	if !errors.Is(err, iam.ErrInvalidArgument) || srv.Calls("") != 0 {
		t.Errorf("CheckAuthentication with Basic: %v (%d requests)", err, srv.Calls(""))
	}
	// The emulator refuses it too, with code 9.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/CheckAuthentication", strings.NewReader(`{}`))
	req.SetBasicAuth(srv.Root.Login, srv.Root.Password.Reveal())
	req.Header.Set("X-Osc-Date", t0.Format("20060102T150405Z"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(buf.String(), `"Code":"9"`) {
		t.Errorf("emulator Basic on CheckAuthentication: %d %s", resp.StatusCode, buf.String())
	}
	// Basic without X-Osc-Date is refused.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/ReadAccessKeys", strings.NewReader(`{}`))
	req.SetBasicAuth(srv.Root.Login, srv.Root.Password.Reveal())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("Basic without X-Osc-Date: %d", resp.StatusCode)
	}
	// A wrong password is Unauthenticated and never echoed.
	w, _ := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.Login, o.Password = srv.Root.Login, iam.NewSecret("not-the-password")
		o.Clock = clk
	})
	_, err = w.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
	if !errors.Is(err, iam.ErrUnauthenticated) || strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	srv, clk := newEmulator(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := rootClient(t, srv, clk, func(o *outscale.Options) { o.Logger = logger })
	ctx := context.Background()
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "24"})
	out, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckAuthentication(ctx, outscale.CheckAuthenticationRequest{Login: srv.Root.Login, Password: iam.NewSecret("canary-password-42")})
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	if logs.Len() == 0 {
		t.Fatal("no debug logs captured; the test would prove nothing")
	}
	for _, secret := range []string{srv.Root.SecretKey.Reveal(), out.SecretKey.Reveal(), "canary-password-42", "Signature="} {
		if strings.Contains(logs.String(), secret) || strings.Contains(err.Error(), secret) {
			t.Errorf("secret %q leaked into logs or errors", secret[:4])
		}
	}
	for _, s := range []string{
		slogText(out),
	} {
		if strings.Contains(s, out.SecretKey.Reveal()) {
			t.Error("printing the created key shows its secret")
		}
	}
}

func slogText(v any) string {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("k", "v", v)
	return b.String()
}

func TestClientPrintsNoSecret(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	b, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.Login, o.Password = "me@example.com", iam.NewSecret("canary-password-42")
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), slogText(c),
		fmt.Sprintf("%+v", b), fmt.Sprintf("%#v", b), slogText(b)} {
		if strings.Contains(s, srv.Root.SecretKey.Reveal()) || strings.Contains(s, "canary-password-42") || strings.Contains(s, "Basic ") {
			t.Errorf("client printout shows a secret: %s", s)
		}
	}
}
