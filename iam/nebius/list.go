package nebius

// Page is one page of a list: ListPage and ListByAccountPage return it,
// and List and ListByAccount iterate over the pages for the caller.
type Page[T any] struct {
	// Items are the resources of the page.
	Items []T
	// NextPageToken fetches the next page; empty on the last page.
	NextPageToken string
}

// ListRequest asks for one page (ListPage) or all pages (List) of the keys
// in a container.
type ListRequest struct {
	// ParentID is the container (project) to list; default: the client's
	// ProjectID.
	ParentID string
	// PageSize is the page size asked of the service; 0 means its default
	// (10), a negative value is refused.
	PageSize int
	// PageToken is the token of the page to fetch (ListPage only; List
	// starts here, too).
	PageToken string
	// Filter is passed to the service as is.
	Filter string
}

// ListByAccountRequest asks for the keys of an account.
type ListByAccountRequest struct {
	// Account owns the keys; required.
	Account Account
	// PageSize is the page size asked of the service; 0 means its default,
	// a negative value is refused.
	PageSize int
	// PageToken is the token of the page to fetch.
	PageToken string
	// Filter is passed to the service as is.
	Filter string
}

// parentID returns the container a call acts on: the one the request
// names, or else the client's ProjectID.
func (c *Client) parentID(op, requested string) (string, error) {
	if requested != "" {
		return requested, nil
	}
	if c.opts.ProjectID != "" {
		return c.opts.ProjectID, nil
	}
	return "", invalidArg(op, "ParentID is empty and the client has no ProjectID")
}

// checkPageSize refuses a negative page size before any call.
func checkPageSize(op string, size int) error {
	if size < 0 {
		return invalidArg(op, "PageSize is negative")
	}
	return nil
}
