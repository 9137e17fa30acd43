package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestsNeverSleep enforces the rule "time is injected; tests never
// sleep" on this package's tests: they wait on channels, the fake clock
// or, for a real goroutine to finish, by yielding the processor.
func TestTestsNeverSleep(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	sleep := "time." + "Sleep("
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, sleep) {
				t.Errorf("%s:%d sleeps: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
