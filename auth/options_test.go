package auth_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/iamkit/iamkit/auth"
)

// TestConstructorsSkipNilOptions: a nil option function is skipped, never
// called (issue 12: NewCache panicked).
func TestConstructorsSkipNilOptions(t *testing.T) {
	x := auth.ExchangerFunc(func(context.Context) (auth.Token, error) { return auth.Token{}, nil })
	for name, f := range map[string]func() error{
		"NewDiskStore": func() error {
			_, err := auth.NewDiskStore(filepath.Join(t.TempDir(), "tokens.json"), nil, func(*auth.DiskStoreOptions) {}, nil)
			return err
		},
		"NewCache": func() error {
			c, err := auth.NewCache(x, nil, func(*auth.CacheOptions) {}, nil)
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
