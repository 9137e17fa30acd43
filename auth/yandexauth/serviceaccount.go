package yandexauth

import (
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/source"
	"github.com/iamkit/iamkit/iam"
)

// ServiceAccount returns a token source for a Yandex Cloud service account:
// a [Signer] of key, an [Exchanger] and an [auth.Cache] that, as Yandex
// recommends, gets a new IAM token at least every hour. Close it when done.
// Nil option functions are skipped.
func ServiceAccount(key *auth.ServiceAccountKey, optFns ...func(*auth.ServiceAccountOptions)) (*auth.Cache, error) {
	o := source.Options(optFns)
	if err := source.Check("yandexauth", o, MaxJWTTTL); err != nil {
		return nil, err
	}
	signer, err := NewSigner(key, func(so *SignerOptions) {
		if o.JWTTTL != 0 {
			so.TTL = o.JWTTTL
		}
	})
	if err != nil {
		return nil, err
	}
	x, err := NewExchanger(signer, func(xo *ExchangerOptions) {
		xo.Endpoint, xo.HTTPClient, xo.Clock, xo.Logger = o.Endpoint, o.HTTPClient, o.Clock, o.Logger
		xo.TracerProvider, xo.MeterProvider, xo.PropagateTraceContext = o.TracerProvider, o.MeterProvider, o.PropagateTraceContext
	})
	if err != nil {
		return nil, err
	}
	if o.Cache.MaxRefreshAge == 0 {
		o.Cache.MaxRefreshAge = time.Hour
	}
	return source.ServiceAccountCache("yandexauth", x, iam.Yandex, key, o)
}
