package yandexauth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

// TestConstructorsSkipNilOptions: a nil option function is skipped, never
// called (issue 12: NewSigner panicked).
func TestConstructorsSkipNilOptions(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	for name, f := range map[string]func() error{
		"NewSigner": func() error {
			_, err := yandexauth.NewSigner(key, nil, func(*yandexauth.SignerOptions) {}, nil)
			return err
		},
		"NewExchanger": func() error {
			s, err := yandexauth.NewSigner(key)
			if err != nil {
				return err
			}
			_, err = yandexauth.NewExchanger(s, nil, func(*yandexauth.ExchangerOptions) {}, nil)
			return err
		},
		"ServiceAccount": func() error {
			c, err := yandexauth.ServiceAccount(key, nil, func(*auth.ServiceAccountOptions) {}, nil)
			if err == nil {
				c.Close()
			}
			return err
		},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s with a nil option function panicked: %v", name, r)
				}
			}()
			if err := f(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
}

// TestServiceAccountOptionsErrorsNameTheField: ServiceAccount refuses an
// unusable auth.ServiceAccountOptions field with an error that names it as
// the caller set it.
func TestServiceAccountOptionsErrorsNameTheField(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	for field, set := range map[string]func(*auth.ServiceAccountOptions){
		"JWTTTL":          func(o *auth.ServiceAccountOptions) { o.JWTTTL = -time.Second },
		"JWTTTL ":         func(o *auth.ServiceAccountOptions) { o.JWTTTL = 2 * time.Hour },
		"Endpoint":        func(o *auth.ServiceAccountOptions) { o.Endpoint = "ftp://x" },
		"Cache.BaseDelay": func(o *auth.ServiceAccountOptions) { o.Cache.BaseDelay = -time.Second },
		"Cache.Jitter":    func(o *auth.ServiceAccountOptions) { o.Cache.Jitter = 0.9 },
	} {
		c, err := yandexauth.ServiceAccount(key, set)
		if err == nil {
			c.Close()
		}
		f := strings.TrimSpace(field)
		where := "ServiceAccountOptions"
		if strings.HasPrefix(f, "Cache.") {
			where, f = "ServiceAccountOptions.Cache", strings.TrimPrefix(f, "Cache.")
		}
		if err == nil || !strings.Contains(err.Error(), where) || !strings.Contains(err.Error(), f) {
			t.Errorf("%s: err = %v, want it to name ServiceAccountOptions.%s", field, err, field)
		}
	}
}
