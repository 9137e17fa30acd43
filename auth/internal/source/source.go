package source

import (
	"fmt"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/exchange"
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

// Check reports the first unusable field of o as the provider's
// ServiceAccount (pkg names it) takes it, naming the field:
// JWTTTL (at least 1s and at most maxTTL when set), Endpoint (when set).
// The Cache fields are checked by auth.NewCache ([ServiceAccountCache]).
func Check(pkg string, o auth.ServiceAccountOptions, maxTTL time.Duration) error {
	name := pkg + ": ServiceAccount: ServiceAccountOptions"
	switch {
	case o.JWTTTL != 0 && o.JWTTTL < time.Second:
		return fmt.Errorf("%s.JWTTTL %v is too short, it must be at least 1s", name, o.JWTTTL)
	case o.JWTTTL > maxTTL:
		return fmt.Errorf("%s.JWTTTL %v is too long, the cloud accepts at most %v", name, o.JWTTTL, maxTTL)
	}
	if o.Endpoint != "" {
		if err := exchange.Check(name, exchange.Settings{Endpoint: o.Endpoint}); err != nil {
			return err
		}
	}
	return nil
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
	c, err := auth.NewCache(x, func(c *auth.CacheOptions) { *c = co })
	if err != nil {
		return nil, fmt.Errorf("%s: ServiceAccount: ServiceAccountOptions.Cache: %w", pkg, err)
	}
	return c, nil
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
