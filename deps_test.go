package iamkit_test

import (
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
