package etcdstore

import (
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// Every field New refuses is named in its error, as Options.<Field>.
func TestOptionsErrorsNameTheField(t *testing.T) {
	sk := key(t, "k1", 1)
	for _, tc := range []struct {
		name string
		fn   func(*Options)
		want string
	}{
		{"blank endpoint", func(o *Options) { o.Endpoints = []string{"http://127.0.0.1:2379", " "} }, "Options.Endpoints[1]"},
		{"password without user", func(o *Options) { o.Password = iam.NewSecret("pw") }, "Options.Password"},
		{"negative dial timeout", func(o *Options) { o.DialTimeout = -time.Second }, "Options.DialTimeout"},
		{"negative request timeout", func(o *Options) { o.RequestTimeout = -time.Second }, "Options.RequestTimeout"},
		{"request timeout past the fence", func(o *Options) { o.RequestTimeout = 11 * time.Second }, "Options.RequestTimeout"},
		{"ack timeout without room", func(o *Options) { o.AckTimeout, o.RequestTimeout = 12*time.Second, 2*time.Second }, "Options.AckTimeout 12s must be at least Fence (10s) + 2 × RequestTimeout (2s)"},
		{"ack timeout equal to fence", func(o *Options) { o.AckTimeout = 10 * time.Second }, "Options.AckTimeout"},
		{"negative lease", func(o *Options) { o.LeaseTTL = -time.Second }, "Options.LeaseTTL"},
		{"negative fence", func(o *Options) { o.Fence = -time.Second }, "Options.Fence"},
		{"negative confirm", func(o *Options) { o.ConfirmEvery = -time.Second }, "Options.ConfirmEvery"},
		{"bad sealing key", func(o *Options) { o.SealingKeys = []SealingKey{sk, {ID: "k2", Key: iam.NewSecret("short")}} }, "Options.SealingKeys[1]"},
		{"sealing key twice", func(o *Options) { o.SealingKeys = []SealingKey{sk, sk} }, "Options.SealingKeys[1]"},
	} {
		_, err := New(func(o *Options) {
			o.Endpoints, o.SealingKeys = []string{"http://127.0.0.1:2379"}, []SealingKey{sk}
			tc.fn(o)
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
	// The defaults leave AckTimeout room for the fence and two requests.
	s, err := New(func(o *Options) { o.Endpoints, o.SealingKeys = []string{"http://e:2379"}, []SealingKey{sk} })
	if err != nil {
		t.Fatal(err)
	}
	if o := s.opts; o.AckTimeout < o.Fence+2*o.RequestTimeout {
		t.Fatalf("defaults: AckTimeout %v < Fence %v + 2 × RequestTimeout %v", o.AckTimeout, o.Fence, o.RequestTimeout)
	}
}
