// Package exchange is the machinery the Nebius and Yandex token exchangers
// (auth/nebiusauth, auth/yandexauth) share: option checks, the request with
// its retries (a retry never presents a JWT past half its lifetime), error
// text that never carries a JWT or a token, and the assembly of a
// service-account token cache.
//
// A [Config] is immutable after [NewConfig] and safe for concurrent use.
package exchange
