package nebius_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTestsNeverSleep: the tests of the Nebius client and its emulator wait
// on the injected clock and on channels, never with time.Sleep (the rule
// "time is injected").
func TestTestsNeverSleep(t *testing.T) {
	sleep := regexp.MustCompile(`\btime\.Sleep\(`)
	for _, dir := range []string{".", "../iamtest/nebiustest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no test files (%v)", dir, err)
		}
		for _, f := range files {
			if filepath.Base(f) == "nosleep_test.go" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if sleep.MatchString(line) {
					t.Errorf("%s:%d sleeps: %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}
