package yandex

import (
	"context"
	"iter"
	"net/url"
	"strconv"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/paging"
)

// PageRequest selects one page of a list call; every list request embeds
// it.
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

// all iterates over every item of every page, starting at first (see
// internal/paging: it stops at the first error, which it yields with the
// zero T, and a server that repeats a page token ends the iteration with
// an error instead of looping).
func all[T any](ctx context.Context, op string, first PageRequest, page func(context.Context, PageRequest) (*Page[T], error)) iter.Seq2[T, error] {
	return paging.Items(ctx, iam.Yandex, op, first.PageToken, func(ctx context.Context, token string) ([]T, string, error) {
		req := first
		req.PageToken = token
		p, err := page(ctx, req)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
}

// nonNil drops the null entries a list answer may hold ([null] decodes to
// a nil pointer), so that every item an iterator or a page yields can be
// used.
func nonNil[T any](items []*T) []*T {
	out := items[:0]
	for _, it := range items {
		if it != nil {
			out = append(out, it)
		}
	}
	return out
}
