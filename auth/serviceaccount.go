package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// ServiceAccountOptions configures [NebiusServiceAccount] and
// [YandexServiceAccount]. Every field is optional.
type ServiceAccountOptions struct {
	// Endpoint overrides the token service URL (for example an iamtest
	// emulator's URL).
	Endpoint string
	// HTTPClient carries the token requests.
	HTTPClient *http.Client
	// Clock is the time source of the signer, the exchanger and the cache.
	Clock iam.Clock
	// Logger receives debug logs (never a token, JWT or key).
	Logger *slog.Logger
	// JWTTTL is the lifetime of the signed JWTs (Nebius default 60 s, at
	// most 5 min; Yandex default 10 min, at most 1 h).
	JWTTTL time.Duration
	// Store, when set, persists tokens across processes; the key is
	// "<provider>/<service account ID>/<key ID>".
	Store TokenStore
	// Cache tunes the cache (refresh fraction, backoff, …). Its Clock,
	// Logger, Store and StoreKey are filled from the fields above when
	// unset.
	Cache CacheOptions
}

// NebiusServiceAccount returns a token source for a Nebius service account:
// a [NebiusSigner] of key, a [NebiusExchanger] and a [Cache]. Close it when
// done.
func NebiusServiceAccount(key *ServiceAccountKey, optFns ...func(*ServiceAccountOptions)) (*Cache, error) {
	o := saOptions(optFns)
	signer, err := NewNebiusSigner(key, func(so *NebiusSignerOptions) {
		if o.JWTTTL != 0 {
			so.TTL = o.JWTTTL
		}
	})
	if err != nil {
		return nil, err
	}
	x := NewNebiusExchanger(signer, func(xo *NebiusExchangerOptions) {
		xo.Endpoint, xo.HTTPClient, xo.Clock, xo.Logger = o.Endpoint, o.HTTPClient, o.Clock, o.Logger
	})
	if err := x.Err(); err != nil {
		return nil, err
	}
	return newSACache(x, iam.Nebius, key, o)
}

// YandexServiceAccount returns a token source for a Yandex Cloud service
// account: a [YandexSigner] of key, a [YandexExchanger] and a [Cache] that,
// as Yandex recommends, gets a new IAM token at least every hour. Close it
// when done.
func YandexServiceAccount(key *ServiceAccountKey, optFns ...func(*ServiceAccountOptions)) (*Cache, error) {
	o := saOptions(optFns)
	signer, err := NewYandexSigner(key, func(so *YandexSignerOptions) {
		if o.JWTTTL != 0 {
			so.TTL = o.JWTTTL
		}
	})
	if err != nil {
		return nil, err
	}
	x := NewYandexExchanger(signer, func(xo *YandexExchangerOptions) {
		xo.Endpoint, xo.HTTPClient, xo.Clock, xo.Logger = o.Endpoint, o.HTTPClient, o.Clock, o.Logger
	})
	if err := x.Err(); err != nil {
		return nil, err
	}
	if o.Cache.MaxRefreshAge == 0 {
		o.Cache.MaxRefreshAge = time.Hour
	}
	return newSACache(x, iam.Yandex, key, o)
}

func saOptions(optFns []func(*ServiceAccountOptions)) ServiceAccountOptions {
	var o ServiceAccountOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return o
}

func newSACache(x Exchanger, p iam.Provider, key *ServiceAccountKey, o ServiceAccountOptions) (*Cache, error) {
	if key == nil {
		return nil, errors.New("auth: service account key is nil")
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
	if co.Store != nil && co.StoreKey == "" {
		co.StoreKey = fmt.Sprintf("%s/%s/%s", p, key.ServiceAccountID, key.KeyID)
	}
	return NewCache(x, func(c *CacheOptions) { *c = co })
}
