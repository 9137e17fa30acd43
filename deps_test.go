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
