package nebius

import (
	"testing"

	"github.com/iamkit/iamkit/internal/version"
)

// TestUserAgentRule: Options.UserAgent follows the rule of package iam, the
// same function as the REST clients (internal/version.UserAgent): iamkit's
// product token first, unless the caller's value already contains it
// anywhere.
func TestUserAgentRule(t *testing.T) {
	p := "iamkit/" + version.Version
	for in, want := range map[string]string{
		"":                       p,
		"  ":                     p,
		"myapp/1.2":              p + " myapp/1.2",
		p + " myapp/1.2":         p + " myapp/1.2",
		"myapp/1.2 " + p:         "myapp/1.2 " + p,
		" wrapper/3 " + p + " x": "wrapper/3 " + p + " x",
	} {
		o := Options{UserAgent: in}
		o.setDefaults()
		if o.UserAgent != want {
			t.Errorf("UserAgent %q sends %q, want %q", in, o.UserAgent, want)
		}
	}
}
