package yandextest

import (
	"net/http"
	"strings"
)

type route struct {
	op      string
	handler func(*request) response
	noAuth  bool
	err     *apiError
	// query lists the query parameters the call takes (camelCase names of
	// the request message's fields), body whether it takes a JSON body.
	query []string
	body  bool
}

// The query parameters of the list calls (ListApiKeysRequest,
// ListAccessKeysRequest, ListKeysRequest, List…OperationsRequest,
// ListApiKeyScopesRequest; yandex-cloud/cloudapi).
var (
	pageQuery    = []string{"pageSize", "pageToken"}
	listQuery    = []string{"serviceAccountId", "pageSize", "pageToken"}
	listKeyQuery = []string{"serviceAccountId", "pageSize", "pageToken", "format"}
)

// routing is a request being routed: its path without a trailing slash,
// its method and the path's segments.
type routing struct {
	r   *http.Request
	p   string
	m   string
	seg []string
}

func (rt routing) notFound() route {
	return route{op: "NotFound", err: errf(codeNotFound, "no route for %s %s", rt.m, rt.r.URL.Path)}
}

func (rt routing) badMethod(op string) route {
	return route{op: op, err: errf(codeUnimplemented, "method %s is not allowed on %s", rt.m, rt.r.URL.Path)}
}

// route finds the handler of a request: a custom method, one of the
// fixed paths, or a call on one of the three key resources.
func (s *Server) route(r *http.Request) route {
	p := strings.TrimRight(r.URL.Path, "/")
	rt := routing{r: r, p: p, m: r.Method, seg: strings.Split(strings.TrimPrefix(p, "/"), "/")}
	if out, ok := s.customMethodRoute(rt); ok {
		return out
	}
	if out, ok := s.fixedRoute(rt); ok {
		return out
	}
	return s.resourceRoute(rt)
}

// customMethodRoute routes a custom method ("/{resource}:{verb}",
// google.api.http style): the one the emulator serves is
// OperationService.Cancel.
func (s *Server) customMethodRoute(rt routing) (route, bool) {
	seg, m := rt.seg, rt.m
	id, verb, custom := strings.Cut(seg[len(seg)-1], ":")
	if !custom {
		return route{}, false
	}
	if len(seg) != 2 || seg[0] != "operations" || verb != "cancel" {
		return route{op: "NotImplemented", err: errf(codeUnimplemented, "the emulator does not implement the custom method %q of %s", ":"+verb, rt.r.URL.Path)}, true
	}
	// GET is the proto's annotation (yandex/cloud/operation/
	// operation_service.proto), POST the API design guide's example;
	// which the gateway takes is UNCONFIRMED, so both are served.
	if m != http.MethodGet && m != http.MethodPost {
		return rt.badMethod("OperationService/Cancel"), true
	}
	return route{op: "OperationService/Cancel", handler: func(q *request) response { return s.cancelOperation(q, id) }}, true
}

// fixedRoute routes the paths that are not a key resource: endpoints,
// operations, API-key scopes, ephemeral access keys and the emulator's
// own API-key check.
func (s *Server) fixedRoute(rt routing) (route, bool) {
	p, m, seg := rt.p, rt.m, rt.seg
	switch {
	case p == "/endpoints":
		if m != http.MethodGet {
			return rt.badMethod("ApiEndpointService/List"), true
		}
		// page_size and page_token are deprecated fields of the request;
		// the emulator answers the whole list and implements neither.
		return route{op: "ApiEndpointService/List", handler: s.listEndpoints, noAuth: true}, true
	case len(seg) == 2 && seg[0] == "endpoints":
		if m != http.MethodGet {
			return rt.badMethod("ApiEndpointService/Get"), true
		}
		id := seg[1]
		return route{op: "ApiEndpointService/Get", handler: func(q *request) response { return s.getEndpoint(q, id) }, noAuth: true}, true
	case p == "/iamtest/v1/apiKeyCheck":
		return route{op: "Emulator/CheckApiKey", handler: s.checkAPIKeyRoute, noAuth: true, query: []string{"scope"}}, true
	case len(seg) == 2 && seg[0] == "operations":
		if m != http.MethodGet {
			return rt.badMethod("OperationService/Get"), true
		}
		id := seg[1]
		return route{op: "OperationService/Get", handler: func(q *request) response { return s.getOperation(q, id) }}, true
	case p == "/iam/v1/apiKeyScopes" && s.opts.ScopesPaths != ScopesLegacyOnly,
		p == "/iam/v1/apiKeys/scopes" && s.opts.ScopesPaths != ScopesCurrentOnly:
		if m != http.MethodGet {
			return rt.badMethod("ApiKeyService/ListScopes"), true
		}
		return route{op: "ApiKeyService/ListScopes", handler: s.listScopes, query: pageQuery}, true
	case p == "/iam/aws-compatibility/v1/ephemeralAccessKeys":
		if m != http.MethodPost {
			return rt.badMethod("TemporaryAccessKeyService/CreateEphemeral"), true
		}
		return route{op: "TemporaryAccessKeyService/CreateEphemeral", handler: s.createEphemeral, body: true}, true
	}
	return route{}, false
}

// resourceRoutes are the three key resources: their path, service and
// kind.
var resourceRoutes = []struct {
	prefix, service string
	kind            resourceKind
}{
	{"/iam/v1/apiKeys", "ApiKeyService", kindAPIKey},
	{"/iam/aws-compatibility/v1/accessKeys", "AccessKeyService", kindAccessKey},
	{"/iam/v1/keys", "KeyService", kindKey},
}

// resourceRoute routes a call on a key resource: the collection (List,
// Create), one resource (Get, Update, Delete) or its operations.
func (s *Server) resourceRoute(rt routing) route {
	for _, c := range resourceRoutes {
		if rt.p == c.prefix || strings.HasPrefix(rt.p, c.prefix+"/") {
			var rest []string
			if tail := strings.TrimPrefix(rt.p, c.prefix); tail != "" {
				rest = strings.Split(strings.TrimPrefix(tail, "/"), "/")
			}
			return s.resourceCall(rt, c.service, c.kind, rest)
		}
	}
	return rt.notFound()
}

// resourceCall routes the call on resource kind res of service whose
// path below the collection is rest.
func (s *Server) resourceCall(rt routing, service string, res resourceKind, rest []string) route {
	m := rt.m
	switch len(rest) {
	case 0:
		switch m {
		case http.MethodGet:
			q := listQuery
			if res == kindKey {
				q = listKeyQuery
			}
			return route{op: service + "/List", handler: func(q *request) response { return s.list(q, res) }, query: q}
		case http.MethodPost:
			return route{op: service + "/Create", handler: func(q *request) response { return s.create(q, res) }, body: true}
		}
		return rt.badMethod(service)
	case 1:
		id := rest[0]
		switch m {
		case http.MethodGet:
			var q []string
			if res == kindKey {
				q = []string{"format"} // GetKeyRequest.format
			}
			return route{op: service + "/Get", handler: func(q *request) response { return s.get(q, res, id) }, query: q}
		case http.MethodPatch:
			return route{op: service + "/Update", handler: func(q *request) response { return s.update(q, res, id) }, body: true}
		case http.MethodDelete:
			return route{op: service + "/Delete", handler: func(q *request) response { return s.delete(q, res, id) }}
		}
		return rt.badMethod(service)
	case 2:
		if rest[1] != "operations" {
			return rt.notFound()
		}
		if m != http.MethodGet {
			return rt.badMethod(service + "/ListOperations")
		}
		id := rest[0]
		return route{op: service + "/ListOperations", handler: func(q *request) response { return s.listOperations(q, res, id) }, query: pageQuery}
	}
	return rt.notFound()
}
