package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// stateFileVersion is the format version of the state file.
const stateFileVersion = 1

// maxStateFileBytes bounds what is read from a state file.
const maxStateFileBytes = 1 << 20

// stateFile is the on-disk form of the keys a ManagedProvider holds. It
// contains secrets in plaintext and is written with mode 0600.
type stateFile struct {
	Version     int         `json:"version"`
	Provider    string      `json:"provider"`
	Description string      `json:"description"`
	Owner       string      `json:"owner,omitempty"`
	SavedAt     time.Time   `json:"saved_at"`
	Keys        []storedKey `json:"keys"`
}

type storedKey struct {
	Role         string    `json:"role"` // "current", "next" or "retiring"
	ID           string    `json:"id"`
	AccessKeyID  string    `json:"access_key_id"`
	Secret       string    `json:"secret,omitempty"`
	SessionToken string    `json:"session_token,omitempty"`
	Owner        string    `json:"owner,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	ObtainedAt   time.Time `json:"obtained_at"`
	// RetireAt is when a retiring key (kept without its secret) is due to
	// be deactivated and deleted.
	RetireAt time.Time `json:"retire_at,omitzero"`
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
	if sf.Version != stateFileVersion {
		return nil, &corruptStateError{path: path, why: fmt.Sprintf("unsupported version %d (want %d)", sf.Version, stateFileVersion)}
	}
	for i, k := range sf.Keys {
		switch {
		case k.ID == "" || k.AccessKeyID == "":
			return nil, &corruptStateError{path: path, why: fmt.Sprintf("keys[%d] lacks id or access_key_id", i)}
		case k.Role == "retiring":
		case k.Role != "current" && k.Role != "next":
			return nil, &corruptStateError{path: path, why: fmt.Sprintf("keys[%d] has role %q, want current, next or retiring", i, k.Role)}
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
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("credentials: writing state file: %w", err)
	}
	return nil
}

func toStored(role string, h *heldKey) storedKey {
	return storedKey{
		Role: role, ID: h.key.ID, AccessKeyID: h.key.AccessKeyID,
		Secret: h.key.Secret.Reveal(), SessionToken: h.key.SessionToken.Reveal(),
		Owner: h.key.Owner, CreatedAt: h.key.CreatedAt, ExpiresAt: h.key.ExpiresAt, ObtainedAt: h.obtained,
	}
}

func (p *ManagedProvider) fromStored(k storedKey) *heldKey {
	return &heldKey{
		key: iam.AccessKey{
			Provider: p.km.Provider(), ID: k.ID, AccessKeyID: k.AccessKeyID,
			Secret: iam.NewSecret(k.Secret), SessionToken: iam.NewSecret(k.SessionToken),
			Owner: k.Owner, Description: p.pol.Description, State: iam.StateActive,
			CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt,
		},
		obtained: k.ObtainedAt,
	}
}

// persist writes the held keys to the state file, if one is configured.
func (p *ManagedProvider) persist() error {
	if p.opts.StateFile == "" {
		return nil
	}
	r := &p.r
	sf := &stateFile{Version: stateFileVersion, Provider: string(p.km.Provider()), Description: p.pol.Description, Owner: r.owner, SavedAt: p.clock.Now().UTC(), Keys: []storedKey{}}
	if r.current != nil {
		sf.Keys = append(sf.Keys, toStored("current", r.current))
	}
	if r.next != nil {
		sf.Keys = append(sf.Keys, toStored("next", r.next))
	}
	// Keys on their way out are kept (without secrets) so that a restarted
	// process still gives them their grace period instead of taking them
	// for leftovers.
	for _, x := range r.retiring {
		sf.Keys = append(sf.Keys, storedKey{Role: "retiring", ID: x.key.ID, AccessKeyID: x.key.AccessKeyID, Owner: x.key.Owner, ExpiresAt: x.key.ExpiresAt, RetireAt: x.at})
	}
	return writeStateFile(p.opts.StateFile, sf)
}

// checkOwnership refuses a state file written for another cloud or for keys
// with another mark.
func (p *ManagedProvider) checkOwnership(sf *stateFile) error {
	if sf.Provider != string(p.km.Provider()) {
		return &fatalError{fmt.Errorf("credentials: state file %s belongs to provider %q, not %q; use another StateFile", p.opts.StateFile, sf.Provider, p.km.Provider())}
	}
	if sf.Description != p.pol.Description {
		return &fatalError{fmt.Errorf("credentials: state file %s holds keys marked %q, not %q (Policy.Description); use another StateFile", p.opts.StateFile, sf.Description, p.pol.Description)}
	}
	return nil
}

// loadState reads the keys a previous run left in the state file and
// serves the current one at once (reconcile checks it against the cloud
// afterwards). A corrupt file is set aside.
func (p *ManagedProvider) loadState(now time.Time) {
	if p.opts.StateFile == "" {
		return
	}
	r := &p.r
	sf, err := readStateFile(p.opts.StateFile)
	var ce *corruptStateError
	switch {
	case errors.As(err, &ce):
		dst, rerr := setAside(p.opts.StateFile, now)
		if rerr != nil {
			r.fatal = &fatalError{fmt.Errorf("%w; moving it aside failed: %v", err, rerr)}
			return
		}
		r.lastErr = err
		p.emit(Event{Kind: EventStateFileSetAside, Err: err, Path: dst})
		return
	case err != nil:
		r.fatal = &fatalError{err}
		return
	case sf == nil:
		return
	}
	if err := p.checkOwnership(sf); err != nil {
		r.fatal = err
		return
	}
	r.owner = sf.Owner
	for _, k := range sf.Keys {
		if k.Role == "retiring" {
			r.retiring = append(r.retiring, &retiree{key: stripSecret(p.fromStored(k).key), at: k.RetireAt})
			continue
		}
		h := p.fromStored(k)
		if k.Role == "current" {
			r.current = h
		} else {
			r.next = h
			r.nextUsableAt = h.obtained.Add(p.pol.SwitchDelay)
		}
	}
	if r.current == nil && r.next != nil {
		r.current, r.next = r.next, nil
	}
	if r.current != nil {
		if d := r.current.deadAt(p.safety); !d.IsZero() && !now.Before(d) {
			// Expired while we were away; reconcile retires it.
			return
		}
		p.publish(r.current, p.changesAt())
		p.emit(Event{Kind: EventKeyAdopted, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	}
}

// setAsideStale renames the state file when none of its keys exists in
// the account (called by reconcile, under the lock), so that a file of
// another account is never overwritten; it is never deleted.
func (p *ManagedProvider) setAsideStale(now time.Time, missing []string) {
	r := &p.r
	owner := r.owner
	r.owner = ""
	err := fmt.Errorf("credentials: state file %s: its keys (%s) are not in this %s account: they were deleted, or the file belongs to another account (%q)",
		p.opts.StateFile, strings.Join(missing, ", "), p.km.Provider(), owner)
	dst := fmt.Sprintf("%s.stale-%s", p.opts.StateFile, now.UTC().Format("20060102T150405.000000000Z"))
	if rerr := os.Rename(p.opts.StateFile, dst); rerr != nil {
		if errors.Is(rerr, fs.ErrNotExist) {
			return
		}
		p.log.Warn("managed key: moving the stale state file aside failed", "error", rerr.Error())
		return
	}
	r.lastErr = err
	p.emit(Event{Kind: EventStateFileSetAside, Err: err, Path: dst})
}

// adoptFromFile takes over what another process sharing the state file
// did since we read it: a newer key it created (instead of creating one
// more), and the keys it is retiring (so that they are not taken for
// leftovers). Called with the lock held; it reports whether a usable key
// was adopted.
func (p *ManagedProvider) adoptFromFile(now time.Time) bool {
	sf, err := readStateFile(p.opts.StateFile)
	if err != nil || sf == nil || p.checkOwnership(sf) != nil {
		return false
	}
	r := &p.r
	for _, k := range sf.Keys {
		if k.Role == "retiring" && !p.holds(k.ID) {
			r.retiring = append(r.retiring, &retiree{key: stripSecret(p.fromStored(k).key), at: k.RetireAt})
		}
	}
	for _, k := range sf.Keys {
		if k.Role == "retiring" || p.holds(k.ID) || (r.current != nil && !k.ObtainedAt.After(r.current.obtained)) {
			continue
		}
		h := p.fromStored(k)
		if d := h.deadAt(p.safety); !d.IsZero() && !now.Before(d) {
			continue
		}
		p.emit(Event{Kind: EventKeyAdopted, KeyID: k.ID, AccessKeyID: k.AccessKeyID})
		if r.current == nil {
			r.current = h
			p.publish(r.current, p.changesAt())
			return true
		}
		r.next = h
		r.nextUsableAt = h.obtained.Add(p.pol.SwitchDelay)
		p.publish(r.current, p.changesAt())
		return true
	}
	return false
}
