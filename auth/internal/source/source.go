package source

import (
	"fmt"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// Options applies optFns, skipping nil ones, to zero ServiceAccountOptions.
func Options(optFns []func(*auth.ServiceAccountOptions)) auth.ServiceAccountOptions {
	var o auth.ServiceAccountOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return o
}

// ServiceAccountCache returns the cache of the tokens x exchanges for key,
// configured by o: its Clock, Logger, Store, TracerProvider and
// MeterProvider fill the cache options left unset, and a Store's key is
// "<provider>/<service account ID>/<key ID>".
// pkg names the caller's package in errors.
func ServiceAccountCache(pkg string, x auth.Exchanger, p iam.Provider, key *auth.ServiceAccountKey, o auth.ServiceAccountOptions) (*auth.Cache, error) {
	if key == nil {
		return nil, fmt.Errorf("%s: service account key is nil", pkg)
	}
	co := o.Cache
	if co.Clock == nil {
		co.Clock = o.Clock
	}
	if co.Logger == nil {
		co.Logger = o.Logger
	}
	if co.Store == nil {
		co.Store = o.Store
	}
	if co.TracerProvider == nil {
		co.TracerProvider = o.TracerProvider
	}
	if co.MeterProvider == nil {
		co.MeterProvider = o.MeterProvider
	}
	if co.Store != nil && co.StoreKey == "" {
		co.StoreKey = fmt.Sprintf("%s/%s/%s", p, key.ServiceAccountID, key.KeyID)
	}
	return auth.NewCache(x, func(c *auth.CacheOptions) { *c = co })
}

// FromEnv returns a static source for the token in the environment
// variable name as getenv reads it, trimmed; pkg names the caller's
// package in errors.
func FromEnv(pkg, name string, getenv func(string) string) (*auth.StaticTokenSource, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return nil, fmt.Errorf("%s: environment variable %s is not set", pkg, name)
	}
	s, err := auth.NewStaticTokenSource(iam.NewSecret(v), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", pkg, name, err)
	}
	return s, nil
}
