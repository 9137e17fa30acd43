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

// route finds the handler of a request.
func (s *Server) route(r *http.Request) route {
	p := strings.TrimRight(r.URL.Path, "/")
	m := r.Method
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	notFound := route{op: "NotFound", err: errf(codeNotFound, "no route for %s %s", m, r.URL.Path)}
	badMethod := func(op string) route {
		return route{op: op, err: errf(codeUnimplemented, "method %s is not allowed on %s", m, r.URL.Path)}
	}
	// A custom method ("/{resource}:{verb}", google.api.http style): the
	// one the emulator serves is OperationService.Cancel.
	last := seg[len(seg)-1]
	if id, verb, custom := strings.Cut(last, ":"); custom {
		if len(seg) != 2 || seg[0] != "operations" || verb != "cancel" {
			return route{op: "NotImplemented", err: errf(codeUnimplemented, "the emulator does not implement the custom method %q of %s", ":"+verb, r.URL.Path)}
		}
		// GET is the proto's annotation (yandex/cloud/operation/
		// operation_service.proto), POST the API design guide's example;
		// which the gateway takes is UNCONFIRMED, so both are served.
		if m != http.MethodGet && m != http.MethodPost {
			return badMethod("OperationService/Cancel")
		}
		return route{op: "OperationService/Cancel", handler: func(q *request) response { return s.cancelOperation(q, id) }}
	}

	switch {
	case p == "/endpoints":
		if m != http.MethodGet {
			return badMethod("ApiEndpointService/List")
		}
		// page_size and page_token are deprecated fields of the request;
		// the emulator answers the whole list and implements neither.
		return route{op: "ApiEndpointService/List", handler: s.listEndpoints, noAuth: true}
	case len(seg) == 2 && seg[0] == "endpoints":
		if m != http.MethodGet {
			return badMethod("ApiEndpointService/Get")
		}
		id := seg[1]
		return route{op: "ApiEndpointService/Get", handler: func(q *request) response { return s.getEndpoint(q, id) }, noAuth: true}
	case p == "/iamtest/v1/apiKeyCheck":
		return route{op: "Emulator/CheckApiKey", handler: s.checkAPIKeyRoute, noAuth: true, query: []string{"scope"}}
	case len(seg) == 2 && seg[0] == "operations":
		if m != http.MethodGet {
			return badMethod("OperationService/Get")
		}
		id := seg[1]
		return route{op: "OperationService/Get", handler: func(q *request) response { return s.getOperation(q, id) }}
	case p == "/iam/v1/apiKeyScopes" && s.opts.ScopesPaths != ScopesLegacyOnly,
		p == "/iam/v1/apiKeys/scopes" && s.opts.ScopesPaths != ScopesCurrentOnly:
		if m != http.MethodGet {
			return badMethod("ApiKeyService/ListScopes")
		}
		return route{op: "ApiKeyService/ListScopes", handler: s.listScopes, query: pageQuery}
	case p == "/iam/aws-compatibility/v1/ephemeralAccessKeys":
		if m != http.MethodPost {
			return badMethod("TemporaryAccessKeyService/CreateEphemeral")
		}
		return route{op: "TemporaryAccessKeyService/CreateEphemeral", handler: s.createEphemeral, body: true}
	}

	var (
		service string
		res     resourceKind
		tail    string
		found   bool
	)
	for _, c := range []struct {
		prefix, service string
		kind            resourceKind
	}{
		{"/iam/v1/apiKeys", "ApiKeyService", kindAPIKey},
		{"/iam/aws-compatibility/v1/accessKeys", "AccessKeyService", kindAccessKey},
		{"/iam/v1/keys", "KeyService", kindKey},
	} {
		if p == c.prefix || strings.HasPrefix(p, c.prefix+"/") {
			service, res, tail, found = c.service, c.kind, strings.TrimPrefix(p, c.prefix), true
			break
		}
	}
	if !found {
		return notFound
	}
	var rest []string
	if tail != "" {
		rest = strings.Split(strings.TrimPrefix(tail, "/"), "/")
	}
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
		return badMethod(service)
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
		return badMethod(service)
	case 2:
		if rest[1] != "operations" {
			return notFound
		}
		if m != http.MethodGet {
			return badMethod(service + "/ListOperations")
		}
		id := rest[0]
		return route{op: service + "/ListOperations", handler: func(q *request) response { return s.listOperations(q, res, id) }, query: pageQuery}
	}
	return notFound
}
