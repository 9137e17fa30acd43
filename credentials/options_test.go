package credentials

import (
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// Every field NewManagedProvider refuses is named in its error, as
// ManagedOptions.<Field> or ManagedOptions.Policy.<Field>.
func TestManagedOptionsErrorsNameTheField(t *testing.T) {
	km := newYandexRig(t, iamtest.NewFakeClock(time.Now())).km
	for _, tc := range []struct {
		name string
		fn   func(*ManagedOptions)
		want string
	}{
		{"negative lifetime", func(o *ManagedOptions) { o.Policy.Lifetime = -time.Hour }, "Policy.Lifetime"},
		{"negative rotate before", func(o *ManagedOptions) { o.Policy.RotateBefore = -time.Hour }, "Policy.RotateBefore"},
		{"rotate before too long", func(o *ManagedOptions) { o.Policy.Lifetime, o.Policy.RotateBefore = time.Hour, time.Hour }, "Policy.RotateBefore"},
		{"no room for grace", func(o *ManagedOptions) {
			o.Policy.Lifetime, o.Policy.RotateBefore, o.Policy.Grace = time.Hour, time.Minute, 5*time.Minute
		}, "Policy.RotateBefore"},
		{"one key", func(o *ManagedOptions) { o.Policy.MaxKeys = 1 }, "Policy.MaxKeys"},
		{"negative max keys", func(o *ManagedOptions) { o.Policy.MaxKeys = -2 }, "Policy.MaxKeys"},
		{"bad description", func(o *ManagedOptions) { o.Policy.Description = "a\nb" }, "Policy.Description"},
		{"negative base delay", func(o *ManagedOptions) { o.BaseDelay = -time.Second }, "ManagedOptions.BaseDelay"},
		{"negative max delay", func(o *ManagedOptions) { o.MaxDelay = -time.Second }, "ManagedOptions.MaxDelay"},
		{"max below base", func(o *ManagedOptions) { o.BaseDelay, o.MaxDelay = time.Minute, time.Second }, "ManagedOptions.MaxDelay"},
		{"negative call timeout", func(o *ManagedOptions) { o.CallTimeout = -1 }, "ManagedOptions.CallTimeout"},
		{"bad instance", func(o *ManagedOptions) { o.Instance = "a b" }, "ManagedOptions.Instance"},
		{"file and store", func(o *ManagedOptions) { o.StateFile, o.Store = "x.json", NewFileStore("y.json") }, "ManagedOptions.StateFile"},
		{"blank state file", func(o *ManagedOptions) { o.StateFile = "  " }, "ManagedOptions.StateFile"},
		{"follow without a store", func(o *ManagedOptions) { o.FollowOnly = true }, "ManagedOptions.FollowOnly"},
		{"follow and delete", func(o *ManagedOptions) { o.FollowOnly, o.StateFile, o.DeleteOnClose = true, "x.json", true }, "ManagedOptions.DeleteOnClose"},
		{"fleet and delete", func(o *ManagedOptions) { o.Store, o.DeleteOnClose = fakeFleet{NewFileStore("x.json")}, true }, "ManagedOptions.DeleteOnClose"},
	} {
		_, err := NewManagedProvider(km, tc.fn)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}
