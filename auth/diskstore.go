package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/atomicfile"
)

// DiskStore is a [TokenStore] in one JSON file, so that short-lived
// processes (CLIs, credential helpers) reuse a token instead of exchanging
// a new one on every start. Tokens are keyed (by key ID, typically).
//
// The file is written with mode 0600 and replaced atomically (write to a
// temporary file in the same directory, then rename). A file that cannot be
// read or parsed is treated as empty and rewritten on the next save: a
// cache file is never a reason to fail; so is a file larger than 1 MiB,
// which is not read at all. Expired tokens are dropped when the file is
// rewritten.
//
// A DiskStore is safe for concurrent use within a process; across processes
// the last writer wins, which costs at most an extra token exchange.
type DiskStore struct {
	path  string
	clock iam.Clock
	mu    sync.Mutex
}

// diskFile is the on-disk shape: {"tokens":{"<key>":{...}}}.
type diskFile struct {
	Tokens map[string]diskToken `json:"tokens"`
}

type diskToken struct {
	Token     string    `json:"token"`
	Type      string    `json:"type,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// DiskStoreOptions configures [NewDiskStore]. Every field is optional.
type DiskStoreOptions struct {
	// Clock decides which stored tokens have expired. Default: the system
	// clock.
	Clock iam.Clock
}

// setDefaults fills the fields left zero.
func (o *DiskStoreOptions) setDefaults() {
	if o.Clock == nil {
		o.Clock = realClock()
	}
}

// validate reports an unusable field; every DiskStoreOptions is usable.
func (o *DiskStoreOptions) validate() error { return nil }

// NewDiskStore returns a store in the file at path (created on the first
// save, with its directory, mode 0700). Nil option functions are skipped.
func NewDiskStore(path string, optFns ...func(*DiskStoreOptions)) (*DiskStore, error) {
	if path == "" {
		return nil, errors.New("auth: NewDiskStore: path is empty")
	}
	var o DiskStoreOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &DiskStore{path: path, clock: o.Clock}, nil
}

// DefaultDiskStorePath returns the default token cache file,
// <user cache dir>/iamkit/tokens.json.
func DefaultDiskStorePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("auth: no user cache directory: %w", err)
	}
	return filepath.Join(dir, "iamkit", "tokens.json"), nil
}

// Path returns the file's path.
func (s *DiskStore) Path() string { return s.path }

// Load returns the unexpired token stored under key.
func (s *DiskStore) Load(key string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.read()
	t, ok := f.Tokens[key]
	if !ok || t.Token == "" || !s.clock.Now().Before(t.ExpiresAt) {
		return Token{}, false
	}
	return Token{Value: iam.NewSecret(t.Token), Type: t.Type, Expiry: t.ExpiresAt}, true
}

// Save stores tok under key, replacing the file atomically.
func (s *DiskStore) Save(key string, tok Token) error {
	if tok.Expiry.IsZero() {
		return errors.New("auth: DiskStore: refusing to persist a token without expiry")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.read()
	now := s.clock.Now()
	for k, t := range f.Tokens {
		if !now.Before(t.ExpiresAt) {
			delete(f.Tokens, k)
		}
	}
	f.Tokens[key] = diskToken{Token: tok.Value.Reveal(), Type: tok.Type, ExpiresAt: tok.Expiry.Round(0).UTC()}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: DiskStore %s: %w", s.path, err)
	}
	return writeFileAtomic(s.path, data)
}

// maxTokenFileBytes bounds the token file, as the key and state files are
// bounded: a larger file is treated as empty.
const maxTokenFileBytes = 1 << 20

func (s *DiskStore) read() diskFile {
	f := diskFile{Tokens: map[string]diskToken{}}
	file, err := os.Open(s.path)
	if err != nil {
		return f
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxTokenFileBytes+1))
	if err != nil || len(data) > maxTokenFileBytes {
		return f
	}
	if json.Unmarshal(data, &f) != nil || f.Tokens == nil {
		return diskFile{Tokens: map[string]diskToken{}}
	}
	return f
}

// writeFileAtomic writes data to path with mode 0600 through a temporary
// file and a rename (see internal/atomicfile), making its directory
// (mode 0700) first if needed.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("auth: creating %s: %w", dir, err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("auth: writing %s: %w", path, err)
	}
	return nil
}
