package observability_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// TestFullRotation checks the spans and metric points of a managed
// provider's life: the first reconcile and key, then one full rotation on
// a fake clock (create the next key, switch to it, retire the old one).
// Every rotation step is a span whose KeyManager calls are its children;
// the rotation is counted; the gauges follow the keys.
func TestFullRotation(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	r := newRec(t)
	g := newOutscaleKeyRig(t, r, clk)
	p, err := iamcreds.NewManagedProvider(g.km, func(o *iamcreds.ManagedOptions) {
		o.Clock = clk
		o.Policy.Lifetime = time.Hour // rotate after 45m; switch 10s later; retire 5m after that
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	first, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settle := func(d time.Duration) {
		t.Helper()
		clk.Advance(d)
		if err := p.Settle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	settle(0)
	ms := r.collect(t)
	op := "iamkit.provider=outscale"
	if n, _ := upDown(ms, "iamkit.credentials.keys", op); n != 1 {
		t.Errorf("iamkit.credentials.keys = %d with the first key, want 1", n)
	}
	wantSum(t, ms, 0, "iamkit.credentials.rotations", op)

	settle(45 * time.Minute) // the next key is created
	settle(10 * time.Second) // and switched to
	second, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessKeyID == first.AccessKeyID {
		t.Fatal("no rotation happened")
	}
	ms = r.collect(t)
	wantSum(t, ms, 1, "iamkit.credentials.rotations", op, "iamkit.result=ok")
	if n, _ := upDown(ms, "iamkit.credentials.keys", op); n != 2 {
		t.Errorf("iamkit.credentials.keys = %d after the switch, want 2 (new, and old in its grace)", n)
	}
	if v, ok := gaugeValue(ms, "iamkit.credentials.key.age", op); !ok || math.Abs(v-10) > 0.001 {
		t.Errorf("iamkit.credentials.key.age = %v (%v), want 10 (s since the new key was created)", v, ok)
	}
	if v, ok := gaugeValue(ms, "iamkit.credentials.key.expires_in", op); !ok || math.Abs(v-(3600-10)) > 1 {
		t.Errorf("iamkit.credentials.key.expires_in = %v (%v), want about 3590", v, ok)
	}

	settle(5 * time.Minute) // the old key is deactivated and deleted
	ms = r.collect(t)
	if n, _ := upDown(ms, "iamkit.credentials.keys", op); n != 1 {
		t.Errorf("iamkit.credentials.keys = %d after the retirement, want 1", n)
	}
	if st := p.Status(); st.Rotations != 1 || len(st.Retiring) != 0 {
		t.Fatalf("status %+v, want one rotation and nothing retiring", st)
	}

	steps := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range r.ended("") {
		if v, ok := attrs(s)["iamkit.rotation.step"]; ok {
			steps[v.AsString()] = append(steps[v.AsString()], s)
		}
	}
	for step, n := range map[string]int{"Reconcile": 1, "Create": 2, "Switch": 1, "Retire": 1} {
		if len(steps[step]) != n {
			t.Errorf("%d %s step spans, want %d; spans: %s", len(steps[step]), step, n, r.names())
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, s := range r.ended("") {
		if _, ok := attrs(s)["iamkit.rotation.step"]; ok {
			wantAttrs(t, s, map[string]any{"iamkit.provider": "outscale", "iamkit.result": "ok"})
			if s.Name() != "credentials.ManagedProvider/"+attrs(s)["iamkit.rotation.step"].AsString() {
				t.Errorf("step span named %q", s.Name())
			}
		}
	}
	wantEvents := func(s sdktrace.ReadOnlySpan, want ...string) {
		t.Helper()
		got := events(s)
		if len(got) != len(want) {
			t.Errorf("span %q events %q, want %q", s.Name(), got, want)
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("span %q events %q, want %q", s.Name(), got, want)
				return
			}
		}
	}
	wantEvents(steps["Reconcile"][0], "reconciled")
	wantEvents(steps["Create"][0], "key created", "key switched") // the first key is used at once
	wantEvents(steps["Create"][1], "key created")
	wantEvents(steps["Switch"][0], "key switched")
	wantEvents(steps["Retire"][0], "key deactivated", "key deleted")
	for _, e := range steps["Retire"][0].Events() {
		for _, kv := range e.Attributes {
			if kv.Key == "iamkit.access_key.id" && kv.Value.AsString() != first.AccessKeyID {
				t.Errorf("retire event %q names key %s, want the old key %s", e.Name, kv.Value.AsString(), first.AccessKeyID)
			}
		}
	}

	// The KeyManager's calls are children of the steps that made them
	// (ReadAccessKeys lists for the reconcile, and reads the old key's
	// expiry before it is deactivated).
	parentStep := map[string]string{
		"outscale ReadAccessKeys": "Reconcile Retire", "outscale ReadApiAccessPolicy": "Reconcile Create",
		"outscale CreateAccessKey": "Create", "outscale UpdateAccessKey": "Retire", "outscale DeleteAccessKey": "Retire",
	}
	byID := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range r.ended("") {
		byID[s.SpanContext().SpanID().String()] = s
	}
	for name, step := range parentStep {
		calls := r.ended(name)
		if len(calls) == 0 {
			t.Errorf("no %s span; spans: %s", name, r.names())
		}
		for _, c := range calls {
			parent, ok := byID[c.Parent().SpanID().String()]
			if !ok {
				t.Errorf("%s has no recorded parent", name)
				continue
			}
			if got := attrs(parent)["iamkit.rotation.step"].AsString(); got == "" || !strings.Contains(step, got) {
				t.Errorf("%s is a child of %q, want the %s step", name, parent.Name(), step)
			}
		}
	}

	// After Close the gauges are no longer observed.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	ms = r.collect(t)
	if _, ok := gaugeValue(ms, "iamkit.credentials.key.age", op); ok {
		t.Error("iamkit.credentials.key.age still observed after Close")
	}
}
