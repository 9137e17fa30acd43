package auth

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// errEmptyToken is returned when a token source hands out a token without
// a value.
var errEmptyToken = errors.New("auth: token source returned an empty token")

// RetryOnRejection is the one "401 → invalidate → retry once" rule of
// iamkit, for any protocol: [Transport] (HTTP), the Yandex REST client and
// the Nebius gRPC client use it.
//
// It gets a token from src (through [TokenFrom], so ctx bounds the wait)
// and calls attempt with it; attempt sends the request with that token
// and reports whether the server rejected the token (HTTP 401, gRPC
// UNAUTHENTICATED). After a rejection RetryOnRejection reports that exact
// token to src ([InvalidateToken]: a token that another caller has
// already replaced is not dropped again) and, when src can refresh, gets a
// token again and calls attempt once more with it — unless that token is
// the rejected one (a source that cannot refresh, or that refreshed to the
// same value): rejected credentials are never sent twice. There is no
// third attempt.
//
// attempt keeps its own results (the response, the error) in variables of
// its caller; the last call's are the outcome. RetryOnRejection returns an
// error only when it could not get the first token (or got an empty one):
// then attempt was not called. A failure to get the second token leaves
// the first attempt's outcome (the rejection) as the result.
func RetryOnRejection(ctx context.Context, src oauth2.TokenSource, attempt func(tok Token) (rejected bool)) error {
	tok, err := TokenFrom(ctx, src)
	if err != nil {
		return err
	}
	if tok.Value.IsZero() {
		return errEmptyToken
	}
	if !attempt(tok) || !InvalidateToken(src, tok) {
		return nil
	}
	fresh, err := TokenFrom(ctx, src)
	if err != nil || fresh.Value.IsZero() || fresh.Value.Equal(tok.Value) {
		return nil
	}
	attempt(fresh)
	return nil
}
