package outscaletest_test

import (
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
)

// TestOptionsFieldsValidated: New refuses every field it cannot honour
// with an error naming the field, the listen address by the family's one
// loopback rule (internal/loopback), in the family's words.
func TestOptionsFieldsValidated(t *testing.T) {
	for want, fn := range map[string]func(*outscaletest.Options){
		`option Addr: host "0.0.0.0" is not a loopback address (localhost, 127.0.0.0/8 or ::1)`: func(o *outscaletest.Options) { o.Addr = "0.0.0.0:0" },
		`option Addr: address "127.0.0.1": want host:port`:                                      func(o *outscaletest.Options) { o.Addr = "127.0.0.1" },
		"option MaxKeysPerUser -1 is negative":                                                  func(o *outscaletest.Options) { o.MaxKeysPerUser = -1 },
		"option MaxAccessKeyExpirationSeconds -1 is negative":                                   func(o *outscaletest.Options) { o.MaxAccessKeyExpirationSeconds = -1 },
		`option Region "EU west"`:                                                               func(o *outscaletest.Options) { o.Region = "EU west" },
		`option Login "a:b"`:                                                                    func(o *outscaletest.Options) { o.Login = "a:b" },
	} {
		srv, err := outscaletest.New(fn)
		if err == nil {
			srv.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "outscaletest: "+want) {
			t.Errorf("want an error containing %q, got %v", "outscaletest: "+want, err)
		}
	}
}
