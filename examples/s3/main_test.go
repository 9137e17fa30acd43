package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
)

func TestRunEachCloud(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []iam.Provider{iam.Nebius, iam.Yandex, iam.Outscale} {
		t.Run(string(c), func(t *testing.T) {
			var out bytes.Buffer
			if err := run(ctx, &out, c); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "put and got s3://iamkit-example-"+string(c)+"/hello.txt") {
				t.Fatalf("output: %s", out.String())
			}
		})
	}
	if err := run(ctx, &bytes.Buffer{}, "aws"); err == nil || !strings.Contains(err.Error(), "unknown cloud") {
		t.Fatalf("unknown cloud: %v", err)
	}
}
