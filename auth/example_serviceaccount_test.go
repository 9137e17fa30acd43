package auth_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// A DiskStore lets short-lived processes reuse a token across runs.
func ExampleNewDiskStore() {
	dir, _ := os.MkdirTemp("", "iamkit-example")
	defer os.RemoveAll(dir)
	store, err := auth.NewDiskStore(filepath.Join(dir, "tokens.json"))
	if err != nil {
		panic(err)
	}
	_ = store.Save("my-key-id", auth.Token{Value: iam.NewSecret("t1.token"), Type: "Bearer", Expiry: time.Now().Add(time.Hour)})
	tok, ok := store.Load("my-key-id")
	fi, _ := os.Stat(store.Path())
	fmt.Println(ok, tok.Value, fi.Mode().Perm())
	// Output: true REDACTED -rw-------
}
