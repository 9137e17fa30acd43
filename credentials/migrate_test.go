package credentials

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// A state file migrated to another store (FileStore.MigrateTo) is marked
// so: a provider that starts on it refuses to serve, naming the file and
// where the keys went, and one still running on it stops at its next
// read and writes nothing more; copyTo runs under the file's lock.
func TestStateFileMigratedIsRefused(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	running := newHarness(t, r, clk, withFile)
	k := running.start()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var copied *StoredState
	err := NewFileStore(path).MigrateTo(ctx, func(ctx context.Context, st *StoredState) (string, error) {
		// Under the file's lock: nobody else takes it meanwhile.
		short, scancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer scancel()
		if l, err := NewFileStore(path).Lock(short); err == nil {
			l.Unlock()
			return "", errors.New("copyTo runs without the file's lock")
		}
		copied = st
		return "test store T", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if copied == nil || len(copied.Keys) != 1 || copied.Keys[0].Key.AccessKeyID != k.AccessKeyID || copied.Keys[0].Key.Secret.Reveal() != k.SecretAccessKey {
		t.Fatalf("copyTo got %+v", copied)
	}
	want := func(who string, err error) {
		t.Helper()
		if !errors.Is(err, ErrStateFileMigrated) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "test store T") {
			t.Fatalf("%s: %v; want an error naming the file and the store it was migrated to", who, err)
		}
	}
	late, err := NewManagedProvider(r.km, withFile, func(o *ManagedOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	_, err = late.Retrieve(ctx)
	want("a provider started on the migrated file", err)

	running.advance(stateFilePoll)
	_, err = running.p.Retrieve(ctx)
	want("the provider running on the file, at its next read", err)
	if _, err := NewFileStore(path).Save(ctx, copied, 99); !errors.Is(err, ErrStateFileMigrated) {
		t.Fatalf("a write to the migrated file: %v", err)
	}
	err = NewFileStore(path).MigrateTo(ctx, func(context.Context, *StoredState) (string, error) {
		t.Fatal("copyTo called for a migrated file")
		return "", nil
	})
	want("migrating it again", err)
}
