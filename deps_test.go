package iamkit_test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyNebiusLinksGRPC checks that a program using iamkit without
// Nebius does not link gRPC: only iam/nebius (and its emulator) may. The
// Nebius token source (auth/nebiusauth) exchanges over HTTP and links no
// gRPC either.
func TestOnlyNebiusLinksGRPC(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	for _, pkg := range []string{"./auth", "./auth/nebiusauth", "./auth/yandexauth", "./iam", "./iam/yandex", "./iam/outscale", "./credentials", "./credentials/s3client"} {
		cmd := exec.Command(goBin, "list", "-deps", pkg)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "google.golang.org/grpc") {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}

// TestImportDirection checks the layers that the package documentation
// (doc.go) describes: each library package imports iamkit packages only
// from the layers under it. A rule lists, for a package, the iamkit
// packages its build may depend on (directly or not), as path prefixes.
func TestImportDirection(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	const mod = "github.com/iamkit/iamkit/"
	rules := map[string][]string{
		"internal/safeprint":       {},
		"iam":                      {"internal/safeprint"},
		"internal/clock":           {"iam", "internal/safeprint"},
		"internal/httpx":           {"iam", "internal/"},
		"internal/telemetry":       {"iam", "internal/redact", "internal/safeprint", "internal/version"},
		"auth":                     {"iam", "internal/"},
		"auth/nebiusauth":          {"auth", "iam", "internal/"},
		"auth/yandexauth":          {"auth", "iam", "internal/"},
		"iam/nebius":               {"auth", "auth/nebiusauth", "iam", "internal/"},
		"iam/yandex":               {"auth", "auth/yandexauth", "iam", "internal/"},
		"iam/outscale":             {"auth", "iam", "internal/"},
		"credentials":              {"iam", "internal/"},
		"credentials/s3client":     {"iam", "internal/"},
		"iam/iamtest":              {"auth", "credentials/s3client", "iam", "internal/"},
		"iam/iamtest/nebiustest":   {"iam/iamtest", "iam/nebius", "auth", "auth/nebiusauth", "credentials/s3client", "iam", "internal/"},
		"iam/iamtest/yandextest":   {"iam/iamtest", "iam/yandex", "auth", "auth/yandexauth", "credentials/s3client", "iam", "internal/"},
		"iam/iamtest/outscaletest": {"iam/iamtest", "iam/outscale", "auth", "credentials/s3client", "iam", "internal/"},
	}
	for pkg, prefixes := range rules {
		cmd := exec.Command(goBin, "list", "-deps", "./"+pkg)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			rel, ok := strings.CutPrefix(dep, mod)
			if !ok || rel == pkg || strings.HasPrefix(rel, pkg+"/internal/") {
				continue
			}
			if !layerAllows(rel, prefixes) {
				t.Errorf("%s depends on %s, which is not under it (allowed: %v)", pkg, rel, prefixes)
			}
		}
	}
}

// layerAllows reports whether rel is one of the allowed packages: a prefix
// ending in "/" allows everything under it, any other names one package
// (and its internal packages).
func layerAllows(rel string, allowed []string) bool {
	for _, a := range allowed {
		switch {
		case strings.HasSuffix(a, "/") && strings.HasPrefix(rel, a):
			return true
		case rel == a || strings.HasPrefix(rel, a+"/internal/"):
			return true
		}
	}
	return false
}

// TestLibraryHasNoOpenTelemetrySDK checks that the library depends on the
// OpenTelemetry API only: its go.mod lists no SDK, exporter or contrib
// module, only the API modules and the small modules they require, and no
// library package links an SDK package. The SDK lives in the nested
// module observability/ (and bench/), where the tests and the example that
// need it are.
func TestLibraryHasNoOpenTelemetrySDK(t *testing.T) {
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The API modules, and the modules they bring: otel/log (the global
	// logger provider of package otel) and auto/sdk (the hook of
	// OpenTelemetry's eBPF auto-instrumentation in otel's global tracer
	// provider, a no-op unless that agent attaches).
	allowed := map[string]bool{
		"go.opentelemetry.io/otel":        true,
		"go.opentelemetry.io/otel/trace":  true,
		"go.opentelemetry.io/otel/metric": true,
		"go.opentelemetry.io/otel/log":    true,
		"go.opentelemetry.io/auto/sdk":    true,
	}
	sc := bufio.NewScanner(f)
	seen := 0
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "go.opentelemetry.io/") {
			continue
		}
		seen++
		if !allowed[fields[0]] {
			t.Errorf("go.mod lists %s %s: the library may depend on the OpenTelemetry API modules only (the SDK and exporters go in a nested module)", fields[0], fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("go.mod lists no go.opentelemetry.io module: did the file move?")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "./...")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./...: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "go.opentelemetry.io/otel/sdk") || strings.HasPrefix(dep, "go.opentelemetry.io/otel/exporters") {
			t.Errorf("the library links %s", dep)
		}
	}
}
