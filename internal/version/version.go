package version

import "strings"

// Version is the iamkit release this code is.
const Version = "0.1.0"

// Product is iamkit's product token, "iamkit/<version>": the User-Agent a
// client sends when the caller gives none.
const Product = "iamkit/" + Version

// UserAgent returns the User-Agent header value a client sends for the
// caller's own value ua (an Options.UserAgent, or a request's header): ua
// trimmed, preceded by [Product] unless it already contains it (anywhere:
// a caller may put its own product first); Product alone when ua is empty.
// Every iamkit client, REST (internal/httpx) and gRPC (iam/nebius), uses
// it: the rule of package iam, # User-Agent.
func UserAgent(ua string) string {
	switch ua = strings.TrimSpace(ua); {
	case ua == "":
		return Product
	case strings.Contains(ua, Product):
		return ua
	}
	return Product + " " + ua
}
