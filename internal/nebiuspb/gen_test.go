package nebiuspb_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGenCheckRefusesAnotherProtoc: gen.sh --check compares with code made
// by one protoc version (the one in the generated headers); another
// protoc is a missing tool (exit 3) with a message naming both versions,
// not a stale tree, and gen.sh stops before installing anything.
func TestGenCheckRefusesAnotherProtoc(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	bin := t.TempDir()
	fake := "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'libprotoc 3.12.4'; exit 0; fi\necho 'fake protoc: not to be run' >&2\nexit 99\n"
	if err := os.WriteFile(filepath.Join(bin, "protoc"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	// go, on PATH, so that gen.sh would get as far as installing the
	// plugins (with GOFLAGS=-mod=mod refused offline) if it did not stop.
	path := bin + string(os.PathListSeparator) + os.Getenv("PATH")
	cmd := exec.Command(sh, "gen.sh", "--check")
	cmd.Env = append(os.Environ(), "PATH="+path, "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("gen.sh --check with protoc 3.12.4: %v, want exit status 3; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "3.12.4") || !strings.Contains(string(out), "3.21.12") {
		t.Errorf("the message does not name both versions:\n%s", out)
	}
	if strings.Contains(string(out), "fake protoc") {
		t.Errorf("gen.sh ran the wrong protoc:\n%s", out)
	}
}

// TestGenExpectsTheHeadersProtoc: the protoc version gen.sh expects is the
// one every committed generated file names.
func TestGenExpectsTheHeadersProtoc(t *testing.T) {
	script, err := os.ReadFile("gen.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PROTOC_VERSION=(\S+)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("gen.sh sets no PROTOC_VERSION")
	}
	want := "// \tprotoc        v" + string(m[1]) + "\n"
	files, _ := filepath.Glob("*/*.pb.go")
	if len(files) == 0 {
		t.Fatal("no generated files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "_grpc.pb.go") {
			continue // protoc-gen-go-grpc writes "- protoc v…"
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s was not made by protoc %s", f, m[1])
		}
	}
}
