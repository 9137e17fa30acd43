package yandex

import (
	"context"
	"iter"
	"net/url"
	"strconv"

	"github.com/iamkit/iamkit/iam"
)

// PageRequest selects one page of a list call.
type PageRequest struct {
	// PageSize is the maximum number of items per page, 0–1000; 0 means
	// the API's default (100).
	PageSize int
	// PageToken is the NextPageToken of the previous page; empty for the
	// first page.
	PageToken string
}

// Page is one page of a list call.
type Page[T any] struct {
	// Items are the page's items.
	Items []T
	// NextPageToken fetches the next page; empty on the last page.
	NextPageToken string
}

func (p PageRequest) query(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if p.PageSize > 0 {
		q.Set("pageSize", strconv.Itoa(p.PageSize))
	}
	if p.PageToken != "" {
		q.Set("pageToken", p.PageToken)
	}
	return q
}

// withQuery appends a non-empty query to a URL.
func withQuery(u string, q url.Values) string {
	if len(q) == 0 {
		return u
	}
	return u + "?" + q.Encode()
}

// maxPages bounds an iteration, in case a server keeps answering with new
// page tokens forever.
const maxPages = 100000

// all iterates over every item of every page, starting at first. It stops
// at the first error, which it yields with the zero T. A server that
// repeats a page token ends the iteration with an error instead of looping.
func all[T any](ctx context.Context, op string, first PageRequest, page func(context.Context, PageRequest) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		req := first
		seen := map[string]bool{}
		for range maxPages {
			p, err := page(ctx, req)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if p.NextPageToken == "" {
				return
			}
			if seen[p.NextPageToken] || p.NextPageToken == req.PageToken {
				yield(zero, &iam.Error{Provider: iam.Yandex, Op: op,
					Message: "the server repeated a page token; stopping to avoid an endless listing"})
				return
			}
			seen[p.NextPageToken] = true
			req.PageToken = p.NextPageToken
		}
		yield(zero, &iam.Error{Provider: iam.Yandex, Op: op, Message: "too many pages"})
	}
}

// collect gathers an iterator's items into a slice.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for it, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}
