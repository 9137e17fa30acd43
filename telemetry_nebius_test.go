package iamkit_test

import (
	"slices"
	"testing"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/telemetry/telemetrytest"
)

// TestNebiusExchangedTokensTakeTheirTelemetry checks that the token
// sources of nebius.ImpersonatedTokens and FederatedTokens give their
// cache the caller's TracerProvider and MeterProvider, as
// ServiceAccountTokens does, and that their exchangers name their cloud,
// so that the cache's metrics carry iamkit.provider=nebius.
func TestNebiusExchangedTokensTakeTheirTelemetry(t *testing.T) {
	actor := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})
	for name, open := range map[string]func(func(*nebius.Options)) (*nebius.TokenSource, error){
		"ImpersonatedTokens": func(fn func(*nebius.Options)) (*nebius.TokenSource, error) {
			return nebius.ImpersonatedTokens(actor, "serviceaccount-e00test", fn)
		},
		"FederatedTokens": func(fn func(*nebius.Options)) (*nebius.TokenSource, error) {
			return nebius.FederatedTokens("serviceaccount-e00test", "/nonexistent/token", fn)
		},
	} {
		rec := &telemetrytest.Recorder{}
		ts, err := open(func(o *nebius.Options) {
			o.TracerProvider, o.MeterProvider = rec.TracerProvider(), rec.MeterProvider()
		})
		if err != nil {
			t.Fatal(err)
		}
		ts.Close()
		const scope = "github.com/iamkit/iamkit/auth"
		if tracers, meters := rec.Tracers(), rec.Meters(); !slices.Contains(tracers, scope) || !slices.Contains(meters, scope) {
			t.Errorf("%s: the cache took no tracer or meter of scope %s from the options (tracers %q, meters %q)", name, scope, tracers, meters)
		}
	}
	x, err := nebius.NewTokenExchanger()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for name, ex := range map[string]any{
		"Impersonate":          x.Impersonate(actor, "serviceaccount-e00test"),
		"FederatedCredentials": x.FederatedCredentials("serviceaccount-e00test", "/nonexistent/token"),
	} {
		p, ok := ex.(interface{ Provider() iam.Provider })
		if !ok || p.Provider() != iam.Nebius {
			t.Errorf("the exchanger of TokenExchanger.%s does not name its provider (nebius)", name)
		}
	}
}
