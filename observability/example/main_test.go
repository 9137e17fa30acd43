package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"testing"
	"time"
)

// TestExamplePrintsTracesAndMetrics runs the example and reads what it
// printed: a JSON object per span and one of metrics, holding the spans
// and metrics iamkit documents, with the flow's client spans in the
// program's trace, and nothing that looks like a credential.
func TestExamplePrintsTracesAndMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, true, true); err != nil {
		t.Fatalf("example: %v\n%s", err, out.String())
	}
	type span struct {
		Name        string
		SpanContext struct{ TraceID string }
		Parent      struct{ SpanID string }
	}
	spans := map[string][]span{}
	metrics := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	for {
		var v map[string]json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the output is not a stream of JSON objects: %v", err)
		}
		switch {
		case v["SpanContext"] != nil:
			var s span
			b, _ := json.Marshal(v)
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			spans[s.Name] = append(spans[s.Name], s)
		case v["ScopeMetrics"] != nil:
			var rm struct {
				ScopeMetrics []struct {
					Metrics []struct{ Name string }
				}
			}
			b, _ := json.Marshal(v)
			if err := json.Unmarshal(b, &rm); err != nil {
				t.Fatal(err)
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					metrics[m.Name] = true
				}
			}
		default:
			t.Fatalf("unexpected object in the output: %v", v)
		}
	}
	for _, name := range []string{
		"quickstart", "auth.Cache/Refresh", "nebius TokenExchange", "yandex TokenExchange",
		"nebius AccessKeyService/Create", "nebius AccessKeyService/Delete",
		"yandex AccessKeyService/Create", "yandex AccessKeyService/Delete",
		"outscale CreateAccessKey", "outscale DeleteAccessKey",
		"credentials.ManagedProvider/Reconcile", "credentials.ManagedProvider/Create",
		"credentials.ManagedProvider/Switch", "credentials.ManagedProvider/Retire",
	} {
		if len(spans[name]) == 0 {
			t.Errorf("no span %q printed", name)
		}
	}
	if n := len(spans["auth.Cache/Refresh"]); n != 2 {
		t.Errorf("%d token refreshes printed, want 2 (the second token of each cloud is a cache hit)", n)
	}
	root := spans["quickstart"]
	if len(root) == 1 {
		for _, name := range []string{"nebius AccessKeyService/Create", "outscale CreateAccessKey", "auth.Cache/Refresh"} {
			for _, s := range spans[name] {
				if s.SpanContext.TraceID != root[0].SpanContext.TraceID {
					t.Errorf("span %q is not in the quickstart's trace", name)
				}
			}
		}
	}
	for _, name := range []string{
		"iamkit.api.calls", "iamkit.api.call.duration", "iamkit.token.refreshes", "iamkit.token.refresh.duration",
		"iamkit.token.expires_in", "iamkit.token.cache.waits", "iamkit.credentials.keys", "iamkit.credentials.key.age",
		"iamkit.credentials.key.expires_in", "iamkit.credentials.rotations",
	} {
		if !metrics[name] {
			t.Errorf("metric %s not printed", name)
		}
	}
	for _, p := range []*regexp.Regexp{
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.`), regexp.MustCompile(`PRIVATE KEY`),
		regexp.MustCompile(`(?i)signature=[0-9a-f]{16}`), regexp.MustCompile(`(?i)bearer [A-Za-z0-9]`),
	} {
		if m := p.Find(out.Bytes()); m != nil {
			t.Errorf("the output holds %q", m)
		}
	}
}
