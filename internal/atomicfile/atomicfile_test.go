package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// leftovers returns the names in dir other than keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		found := false
		for _, k := range keep {
			found = found || e.Name() == k
		}
		if !found {
			out = append(out, e.Name())
		}
	}
	return out
}

func checkFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("%s = %q, %v; want %q", path, got, err, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != Mode {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), Mode)
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "one")
	// A file that was readable by others is replaced by a private one.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "two")
	if extra := leftovers(t, dir, "state.json"); len(extra) != 0 {
		t.Errorf("temporary files left behind: %v", extra)
	}
}

func TestWriteFailureLeavesTargetAndNoTemp(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails after the temporary
	// file was written.
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "inside"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, []byte("data")); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		t.Errorf("target changed: %v, %v", fi, err)
	}
	if extra := leftovers(t, dir, "target"); len(extra) != 0 {
		t.Errorf("temporary files left behind: %v", extra)
	}
	// A missing directory is the caller's to make.
	err := Write(filepath.Join(dir, "no", "such", "file"), []byte("x"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Write into a missing directory: %v, want fs.ErrNotExist", err)
	}
}

func TestWriteNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	if err := WriteNew(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "first")
	err := WriteNew(path, []byte("second"))
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("WriteNew over an existing file: %v, want fs.ErrExist naming %s", err, path)
	}
	checkFile(t, path, "first")
	if extra := leftovers(t, dir, "credentials.json"); len(extra) != 0 {
		t.Errorf("temporary files left behind: %v", extra)
	}
}

// TestWriteNewRace: of many concurrent WriteNew calls on one path exactly
// one succeeds, and the file holds its data whole.
func TestWriteNewRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	const n = 16
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []string
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := strings.Repeat(string(rune('a'+i)), 4096)
			if err := WriteNew(path, []byte(data)); err == nil {
				mu.Lock()
				wins = append(wins, data)
				mu.Unlock()
			} else if !errors.Is(err, fs.ErrExist) {
				t.Errorf("WriteNew: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d writers succeeded, want 1", len(wins))
	}
	checkFile(t, path, wins[0])
	if extra := leftovers(t, dir, "key.json"); len(extra) != 0 {
		t.Errorf("temporary files left behind: %v", extra)
	}
}
