package yandex

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/redact"
)

// Endpoints are the service addresses read from the endpoint list; see
// [DiscoverEndpoints].
type Endpoints struct {
	// IAM is the IAM base URL (endpoint "iam").
	IAM string
	// Operation is the operation service base URL (endpoint "operation").
	Operation string
	// All maps every endpoint ID to its base URL.
	All map[string]string
}

// Apply sets the discovered endpoints as options of [New]:
//
//	eps, err := yandex.DiscoverEndpoints(ctx, "")
//	…
//	client, err := yandex.New(ts, eps.Apply)
func (e *Endpoints) Apply(o *Options) {
	if e == nil {
		return
	}
	if e.IAM != "" {
		o.Endpoint = e.IAM
	}
	if e.Operation != "" {
		o.OperationEndpoint = e.Operation
	}
}

// DiscoveryOptions configure [DiscoverEndpoints]. Zero values mean the
// defaults.
type DiscoveryOptions struct {
	// HTTPClient carries the request. Default: a client of the call's own,
	// whose idle connections are closed when the call returns. A redirect
	// to another host is not followed, also when HTTPClient follows
	// redirects.
	HTTPClient *http.Client
	// Clock is what the waits between attempts run on (the backoff, a
	// server's Retry-After). Default: the system clock.
	Clock iam.Clock
	// MaxAttempts is the number of attempts, the first included (default
	// 4). Throttling, 5xx answers and transport errors are retried.
	MaxAttempts int
	// Logger receives a debug record per attempt; never a body. Default:
	// discard.
	Logger *slog.Logger
}

// validate reports the first unusable field.
func (o *DiscoveryOptions) validate() error {
	if o.MaxAttempts < 0 {
		return fmt.Errorf("MaxAttempts %d is negative", o.MaxAttempts)
	}
	return nil
}

// DiscoverEndpoints reads the endpoint list (GET
// https://api.cloud.yandex.net/endpoints, or discoveryURL when not empty;
// the call needs no token). Addresses ("iam.api.cloud.yandex.net:443")
// become base URLs with the discovery URL's scheme; port 443 is dropped for
// https. Nil option functions are skipped.
func DiscoverEndpoints(ctx context.Context, discoveryURL string, optFns ...func(*DiscoveryOptions)) (*Endpoints, error) {
	const op = "ApiEndpointService/List"
	var o DiscoveryOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, invalidArg(op, "DiscoveryOptions: "+err.Error())
	}
	if discoveryURL == "" {
		discoveryURL = DefaultDiscoveryURL
	}
	u, err := url.Parse(discoveryURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, invalidArg(op, fmt.Sprintf("discovery URL %q is not an absolute http(s) URL", truncateForError(discoveryURL)))
	}
	c := httpx.New(func(ho *httpx.Options) {
		ho.HTTPClient, ho.Clock, ho.MaxAttempts, ho.Logger = o.HTTPClient, o.Clock, o.MaxAttempts, o.Logger
	})
	defer c.CloseIdleConnections() // a pool of its own when HTTPClient is nil
	resp, err := c.Do(ctx, &httpx.Request{Op: op, Method: http.MethodGet, URL: discoveryURL,
		Header: http.Header{"Accept": {"application/json"}}, Retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, &iam.Error{Provider: iam.Yandex, Op: op, Kind: iam.ErrUnavailable, Message: "request failed", Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(op, resp, nil)
	}
	var list struct {
		Endpoints []struct {
			ID      string `json:"id"`
			Address string `json:"address"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return nil, &iam.Error{Provider: iam.Yandex, Op: op, HTTPStatus: resp.StatusCode,
			Message: "decoding endpoint list: " + redact.Truncate(jsonErrorText(err), 200)}
	}
	eps := &Endpoints{All: map[string]string{}}
	for _, e := range list.Endpoints {
		base := addressURL(u.Scheme, e.Address)
		if e.ID == "" || base == "" {
			continue
		}
		eps.All[e.ID] = base
	}
	eps.IAM = eps.All["iam"]
	eps.Operation = eps.All["operation"]
	if eps.IAM == "" {
		return nil, &iam.Error{Provider: iam.Yandex, Op: op, Kind: iam.ErrNotFound,
			Message: "endpoint list has no \"iam\" endpoint"}
	}
	return eps, nil
}

func addressURL(scheme, addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	if strings.Contains(addr, "://") {
		return strings.TrimRight(addr, "/")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr
	}
	if scheme == "https" && port == "443" {
		return "https://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
