package yandexauth_test

import (
	"testing"

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
