package credentials

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadStateFile: the state-file reader never panics, and its errors
// never repeat the file's content (which may hold secrets).
func FuzzReadStateFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"provider":"nebius","description":"d","keys":[{"role":"current","id":"a","access_key_id":"b","secret":"s3cr3t-value"}]}`))
	f.Add([]byte(`{"version":1,"keys":[{"role":"retiring","id":"a","access_key_id":"b"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"keys":[{"secret":"s3cr3t-value"`))
	f.Add([]byte(`[]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := readStateFile(path)
		if err != nil && strings.Contains(string(data), "s3cr3t-value") && strings.Contains(err.Error(), "s3cr3t-value") {
			t.Fatalf("error repeats a secret: %v", err)
		}
	})
}
