// Package paging turns a page fetcher of a paged list call (Nebius
// AccessKeyService/List, Yandex ApiKeyService/List, …) into an iterator
// over every item of every page, with iamkit's one loop protection: a
// next-page token that the listing has already used (the token it started
// at, or the token of a page it fetched) is an error, not another round.
//
// Minimal use:
//
//	return paging.Items(ctx, iam.Nebius, "AccessKeyService/List", req.PageToken,
//		func(ctx context.Context, token string) ([]*AccessKey, string, error) {
//			p, err := a.ListPage(ctx, withToken(req, token))
//			if err != nil {
//				return nil, "", err
//			}
//			return p.Items, p.NextPageToken, nil
//		})
//
// # Concurrency
//
// The iterator fetches pages on the goroutine that ranges over it, one
// at a time, as it goes; it holds nothing between two iterations.
package paging
