package auth_test

import "golang.org/x/oauth2"

// tokenOnly exposes only Token(), hiding every other method of a source.
type tokenOnly struct{ src oauth2.TokenSource }

func (t tokenOnly) Token() (*oauth2.Token, error) { return t.src.Token() }
