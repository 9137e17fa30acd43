package paging

import (
	"context"
	"iter"

	"github.com/iamkit/iamkit/iam"
)

// Fetch fetches the page at token ("" for the first page) and returns its
// items and the token of the next page ("" on the last page).
type Fetch[T any] func(ctx context.Context, token string) (items []T, next string, err error)

// Items returns an iterator over the items of every page, starting at the
// page of token, fetching each page when the previous one has been
// yielded. It stops at the first error, which it yields with the zero T,
// and when the caller stops ranging. A next-page token that this listing
// has already used ends the iteration with an *iam.Error of provider and
// op: a service that hands back a token it was given, or cycles through
// a few, would otherwise be listed forever.
func Items[T any](ctx context.Context, provider iam.Provider, op, token string, fetch Fetch[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]struct{}{token: {}}
		for {
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if _, dup := seen[next]; dup {
				yield(zero, &iam.Error{Provider: provider, Op: op,
					Message: "the service repeated a page token; stopping to avoid an endless listing"})
				return
			}
			seen[next] = struct{}{}
			token = next
		}
	}
}
