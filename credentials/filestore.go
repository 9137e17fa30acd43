package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/atomicfile"
	"github.com/iamkit/iamkit/internal/clock"
)

// FileStore is the state file as a [StateStore]: a JSON file (mode 0600,
// replaced atomically) that holds the keys with their secrets in
// plaintext, and a lock file next to it (path + ".lock", an flock) that
// lets one process at a time change it. The processes of one machine
// that use the same file share its keys. It is what
// ManagedOptions.StateFile makes; use it directly to read a state file
// (to migrate it to another store, for example).
//
// A corrupt file is renamed aside (path + ".corrupt-<time>") on Load; a
// file discarded because none of its keys exists any more is kept
// without its secrets (path + ".stale-<time>").
type FileStore struct {
	path string
	clk  iam.Clock
}

// NewFileStore returns the state file at path as a [StateStore].
func NewFileStore(path string) *FileStore { return &FileStore{path: path, clk: clock.Or(nil)} }

// Path returns the state file's path.
func (s *FileStore) Path() string { return s.path }

// String returns "state file <path>".
func (s *FileStore) String() string { return "state file " + s.path }

// Open takes the provider's clock, on which the lock is polled.
func (s *FileStore) Open(_ context.Context, scope StoreScope) error {
	s.clk = clock.Or(scope.Clock)
	return nil
}

// Close does nothing: the file needs no background work.
func (s *FileStore) Close() error { return nil }

// Changes returns nil: the file is loaded every 30 s to see whether it
// changed.
func (s *FileStore) Changes() <-chan struct{} { return nil }

// Load reads the file. A corrupt file is set aside (Snapshot.SetAside)
// and a missing one is an empty Snapshot. The Revision is the file's
// generation (a count of its writes).
func (s *FileStore) Load(context.Context) (Snapshot, error) {
	sf, err := readStateFile(s.path)
	var ce *corruptStateError
	switch {
	case errors.As(err, &ce):
		dst, rerr := setAside(s.path, s.clk.Now())
		if rerr != nil {
			return Snapshot{}, fmt.Errorf("%w; moving it aside failed: %v", err, rerr)
		}
		return Snapshot{SetAside: &SetAsideError{Path: dst, Err: err}}, nil
	case err != nil:
		return Snapshot{}, err
	case sf == nil:
		return Snapshot{}, nil
	case sf.MigratedTo != "":
		return Snapshot{}, sf.migratedError(s.path)
	}
	return Snapshot{State: sf.toState(), Revision: int64(sf.Generation), Rewrite: sf.Version != stateFileVersion}, nil
}

// Lock takes the lock file (flock on Unix), waiting until ctx ends; while
// another process holds it, it tries again every 20 ms on the provider's
// clock.
func (s *FileStore) Lock(ctx context.Context) (StoreLock, error) {
	u, err := lockFile(ctx, s.clk, s.path+".lock")
	if err != nil {
		return StoreLock{}, err
	}
	return StoreLock{Term: 1, Unlock: u}, nil
}

// Save writes st as the file's generation rev+1. It reports
// ErrStateConflict if the file holds another generation than rev.
func (s *FileStore) Save(_ context.Context, st *StoredState, rev int64) (int64, error) {
	if cur, err := readStateFile(s.path); err == nil && cur != nil {
		switch {
		case cur.MigratedTo != "":
			return 0, cur.migratedError(s.path)
		case int64(cur.Generation) != rev:
			return 0, fmt.Errorf("%w: %s is at generation %d, not %d", ErrStateConflict, s, cur.Generation, rev)
		}
	}
	sf := fromState(st)
	sf.Generation = uint64(rev) + 1
	if err := writeStateFile(s.path, sf); err != nil {
		return 0, err
	}
	return int64(sf.Generation), nil
}

// Discard moves the file aside without its secrets, as path +
// ".stale-<time>", unless it holds another generation than rev.
func (s *FileStore) Discard(_ context.Context, _ error, rev int64) (string, error) {
	dst := fmt.Sprintf("%s.stale-%s", s.path, s.clk.Now().UTC().Format("20060102T150405.000000000Z"))
	sf, err := readStateFile(s.path)
	if err != nil || sf == nil {
		return "", err
	}
	if int64(sf.Generation) != rev {
		return "", fmt.Errorf("%w: %s is at generation %d, not %d", ErrStateConflict, s, sf.Generation, rev)
	}
	for i := range sf.Keys {
		sf.Keys[i].Secret, sf.Keys[i].SessionToken = "", ""
	}
	if err := writeStateFile(dst, sf); err != nil {
		return "", err
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dst, err
	}
	return dst, nil
}

var _ StateStore = (*FileStore)(nil)

// MigrateTo moves the keys of the state file to another store: under the
// file's lock (waiting, until ctx ends, for a provider that holds it to
// finish its step), it reads the file and hands its state to copyTo,
// which writes it to the other store and returns a description of where
// (its String, with no secret); once copyTo has succeeded it marks the
// file migrated there. A provider that later starts on the file (or one
// still running on it, at its next read) refuses to serve from it, with
// an error that matches [ErrStateFileMigrated] and names the file and
// the target. The file keeps its keys otherwise, for inspection; remove
// it once the processes run on the new store. Stop the processes that
// use the file before migrating it: one that runs on keeps serving the
// keys it holds until its next read, and rotates nothing after it.
//
// A file that does not exist, is corrupt, or was migrated already is an
// error (copyTo is not called).
func (s *FileStore) MigrateTo(ctx context.Context, copyTo func(ctx context.Context, st *StoredState) (target string, err error)) error {
	unlock, err := lockFile(ctx, s.clk, s.path+".lock")
	if err != nil {
		return fmt.Errorf("credentials: migrating %s: %w", s, err)
	}
	defer unlock()
	sf, err := readStateFile(s.path)
	switch {
	case err != nil:
		return fmt.Errorf("credentials: migrating: %w", err)
	case sf == nil:
		return fmt.Errorf("credentials: migrating: state file %s does not exist", s.path)
	case sf.MigratedTo != "":
		return sf.migratedError(s.path)
	}
	target, err := copyTo(ctx, sf.toState())
	if err != nil {
		return err
	}
	sf.MigratedTo, sf.MigratedAt = target, s.clk.Now().UTC()
	sf.Generation++ // sharers still running see a change
	if err := writeStateFile(s.path, sf); err != nil {
		return fmt.Errorf("credentials: the keys of %s were copied to %s, but marking the file migrated failed (stop the processes on it, and remove it): %w", s, target, err)
	}
	return nil
}

// ReadStateFile reads the state file at path without changing anything (a
// corrupt file is reported, not moved aside): for tools that copy a state
// file elsewhere. It returns (nil, nil) when the file does not exist.
func ReadStateFile(path string) (*StoredState, error) {
	sf, err := readStateFile(path)
	if err != nil || sf == nil {
		return nil, err
	}
	return sf.toState(), nil
}

// toState converts the file's form to a StoredState. A version 1 file's
// keys carry the bare Policy.Description as their mark (left empty here:
// the provider fills it in).
func (sf *stateFile) toState() *StoredState {
	st := &StoredState{Provider: iam.Provider(sf.Provider), Description: sf.Description, Account: sf.Account,
		Instance: sf.Instance, Owner: sf.Owner, SavedAt: sf.SavedAt}
	for _, k := range sf.Keys {
		st.Keys = append(st.Keys, StoredKey{
			Role: KeyRole(k.Role),
			Key: iam.AccessKey{Provider: iam.Provider(sf.Provider), ID: k.ID, AccessKeyID: k.AccessKeyID,
				Secret: iam.NewSecret(k.Secret), SessionToken: iam.NewSecret(k.SessionToken),
				Owner: k.Owner, Description: k.Description, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt},
			ObtainedAt: k.ObtainedAt, ServedUntil: k.ServedUntil, RetireAt: k.RetireAt,
			Deactivated: k.Deactivated, Foreign: k.Foreign, Rejected: k.Rejected,
		})
	}
	for _, x := range sf.Pending {
		st.Pending = append(st.Pending, PendingCreate{Mark: x.Mark, At: x.At})
	}
	return st
}

// fromState converts a StoredState to the file's form (the current
// version; Generation left for the caller).
func fromState(st *StoredState) *stateFile {
	sf := &stateFile{Version: stateFileVersion, Provider: string(st.Provider), Description: st.Description,
		Account: st.Account, Instance: st.Instance, Owner: st.Owner, SavedAt: st.SavedAt, Keys: []storedKey{}}
	for _, k := range st.Keys {
		sk := storedKey{Role: string(k.Role), ID: k.Key.ID, AccessKeyID: k.Key.AccessKeyID, Owner: k.Key.Owner,
			Description: k.Key.Description, ExpiresAt: k.Key.ExpiresAt, ObtainedAt: k.ObtainedAt,
			RetireAt: k.RetireAt, ServedUntil: k.ServedUntil, Foreign: k.Foreign, Rejected: k.Rejected, Deactivated: k.Deactivated}
		if k.Role != RoleRetiring {
			sk.Secret, sk.SessionToken = k.Key.Secret.Reveal(), k.Key.SessionToken.Reveal()
			sk.CreatedAt = k.Key.CreatedAt
		}
		sf.Keys = append(sf.Keys, sk)
	}
	for _, x := range st.Pending {
		sf.Pending = append(sf.Pending, storedPending{Mark: x.Mark, At: x.At})
	}
	return sf
}

// stateFileVersion is the format version the provider writes. Version 1
// (no account identity, instance, generation or served_until) is still
// read: its keys are confirmed by one listing before they are served, and
// the file is then rewritten as version 2.
const stateFileVersion = 2

// maxStateFileBytes bounds what is read from a state file.
const maxStateFileBytes = 1 << 20

// stateFile is the on-disk form of the keys a ManagedProvider holds. It
// contains secrets in plaintext and is written with mode 0600.
type stateFile struct {
	Version int `json:"version"`
	// Provider is the cloud; Description the family of marks
	// (Policy.Description).
	Provider    string `json:"provider"`
	Description string `json:"description"`
	// Account is the KeyManager's AccountIdentity when the file was
	// written ("" if it has none).
	Account string `json:"account,omitempty"`
	// Instance is the name in the marks of the keys the writer creates.
	Instance string `json:"instance,omitempty"`
	// Owner is the account that owns the keys, as the cloud reports it.
	Owner string `json:"owner,omitempty"`
	// Generation counts writes; processes sharing the file re-read it
	// when it changes.
	Generation uint64      `json:"generation,omitempty"`
	SavedAt    time.Time   `json:"saved_at"`
	Keys       []storedKey `json:"keys"`
	// Pending lists the creates sent whose key is not recorded yet.
	Pending []storedPending `json:"pending,omitempty"`
	// MigratedTo, when set, names the store the keys were migrated to
	// (FileStore.MigrateTo), at MigratedAt: the file is no longer served
	// from.
	MigratedTo string    `json:"migrated_to,omitempty"`
	MigratedAt time.Time `json:"migrated_at,omitzero"`
}

// migratedError is the error of a state file marked migrated.
func (sf *stateFile) migratedError(path string) error {
	return &stateFileMigratedError{fmt.Sprintf("credentials: state file %s was migrated to %s on %s, and a process on the file no longer serves it: give this process that store (ManagedOptions.Store) instead of the StateFile, or remove the file to start anew",
		path, sf.MigratedTo, sf.MigratedAt.UTC().Format(time.RFC3339))}
}

type stateFileMigratedError struct{ msg string }

func (e *stateFileMigratedError) Error() string { return e.msg }
func (e *stateFileMigratedError) Unwrap() error { return ErrStateFileMigrated }

type storedPending struct {
	Mark string    `json:"mark"`
	At   time.Time `json:"at"`
}

type storedKey struct {
	Role         string `json:"role"` // "current", "next" or "retiring"
	ID           string `json:"id"`
	AccessKeyID  string `json:"access_key_id"`
	Secret       string `json:"secret,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
	Owner        string `json:"owner,omitempty"`
	// Description is the key's mark (empty in version 1 files: the bare
	// Policy.Description).
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	ObtainedAt  time.Time `json:"obtained_at"`
	// RetireAt is when a retiring key (kept without its secret) is due to
	// be deactivated and deleted.
	RetireAt time.Time `json:"retire_at,omitzero"`
	// ServedUntil is the latest Expiration any process sharing the file
	// handed out for the key: it is not retired before then (plus Grace).
	ServedUntil time.Time `json:"served_until,omitzero"`
	// Foreign marks a retiring key of another instance, removed because it
	// expired; it does not count towards MaxKeys.
	Foreign bool `json:"foreign,omitempty"`
	// Rejected marks a retiring key that object storage refused: nothing
	// handed out for it still works, so ServedUntil does not hold it.
	Rejected bool `json:"rejected,omitempty"`
	// Deactivated marks a retiring key already deactivated.
	Deactivated bool `json:"deactivated,omitempty"`
}

// readStateFile reads and checks the state file. It returns (nil, nil) when
// the file does not exist, a *corruptStateError when it cannot be used.
func readStateFile(path string) (*stateFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("credentials: reading state file: %w", err)
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, maxStateFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("credentials: reading state file %s: %w", path, err)
	}
	n := len(buf)
	if n > maxStateFileBytes {
		return nil, &corruptStateError{path: path, why: "larger than 1 MiB"}
	}
	var sf stateFile
	if err := json.Unmarshal(buf[:n], &sf); err != nil {
		// The JSON error never contains values from the file beyond a
		// character offset and a type name, so no secret leaks through it.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &corruptStateError{path: path, why: fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)}
		}
		return nil, &corruptStateError{path: path, why: "unexpected JSON structure"}
	}
	if sf.Version != 1 && sf.Version != stateFileVersion {
		return nil, &corruptStateError{path: path, why: fmt.Sprintf("unsupported version %d (want 1 or %d)", sf.Version, stateFileVersion)}
	}
	for i, k := range sf.Keys {
		switch {
		case k.ID == "" || k.AccessKeyID == "":
			return nil, &corruptStateError{path: path, why: fmt.Sprintf("keys[%d] lacks id or access_key_id", i)}
		case k.Role == "retiring":
		case k.Role != "current" && k.Role != "next":
			// The role is not repeated: it could be anything, a secret too.
			return nil, &corruptStateError{path: path, why: fmt.Sprintf("keys[%d] has an unknown role (want current, next or retiring)", i)}
		case k.Secret == "":
			return nil, &corruptStateError{path: path, why: fmt.Sprintf("keys[%d] (%s) has no secret", i, k.Role)}
		}
	}
	return &sf, nil
}

type corruptStateError struct{ path, why string }

func (e *corruptStateError) Error() string {
	return fmt.Sprintf("credentials: state file %s is corrupt: %s", e.path, e.why)
}

// setAside renames a corrupt state file so that it can be inspected; it
// is never deleted.
func setAside(path string, now time.Time) (string, error) {
	dst := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405.000000000Z"))
	if err := os.Rename(path, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// writeStateFile replaces the state file atomically (temp file + rename),
// with mode 0600.
func writeStateFile(path string, sf *stateFile) error {
	b, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, b); err != nil {
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	return nil
}

// ErrStateFileMigrated is wrapped by the errors of a state file whose
// keys were migrated to another store (FileStore.MigrateTo, the etcd
// fleet's migration): a provider on the file refuses to serve from it.
var ErrStateFileMigrated = errors.New("credentials: the state file was migrated to another store")
