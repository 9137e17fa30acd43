package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/atomicfile"
)

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

func toStored(role string, h *heldKey) storedKey {
	return storedKey{
		Role: role, ID: h.key.ID, AccessKeyID: h.key.AccessKeyID,
		Secret: h.key.Secret.Reveal(), SessionToken: h.key.SessionToken.Reveal(),
		Owner: h.key.Owner, Description: h.key.Description, CreatedAt: h.key.CreatedAt, ExpiresAt: h.key.ExpiresAt,
		ObtainedAt: h.obtained, ServedUntil: h.servedUntil,
	}
}

func (p *ManagedProvider) fromStored(k storedKey) *heldKey {
	desc := k.Description
	if desc == "" {
		desc = p.pol.Description // a version 1 file: the bare mark
	}
	return &heldKey{
		key: iam.AccessKey{
			Provider: p.km.Provider(), ID: k.ID, AccessKeyID: k.AccessKeyID,
			Secret: iam.NewSecret(k.Secret), SessionToken: iam.NewSecret(k.SessionToken),
			Owner: k.Owner, Description: desc, State: iam.StateActive,
			CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt,
		},
		obtained:    k.ObtainedAt,
		servedUntil: k.ServedUntil,
	}
}

func (p *ManagedProvider) retireeFromStored(k storedKey) *retiree {
	return &retiree{key: stripSecret(p.fromStored(k).key), at: k.RetireAt, servedUntil: k.ServedUntil, foreign: k.Foreign, rejected: k.Rejected}
}

// persist writes the held keys to the state file, if one is configured.
// With a state file it is called with the lock held, after syncState.
func (p *ManagedProvider) persist() error {
	if p.opts.StateFile == "" {
		return nil
	}
	r := &p.r
	account := p.account
	if account == "" {
		account = r.fileAccount // a sharer's identity, if it had one
	}
	sf := &stateFile{Version: stateFileVersion, Provider: string(p.km.Provider()), Description: p.pol.Description,
		Account: account, Instance: r.instance, Owner: r.owner, Generation: r.fileGen + 1,
		SavedAt: p.clock.Now().UTC(), Keys: []storedKey{}}
	if r.current != nil {
		sf.Keys = append(sf.Keys, toStored("current", r.current))
	}
	if r.next != nil {
		sf.Keys = append(sf.Keys, toStored("next", r.next))
	}
	// Keys on their way out are kept (without secrets) so that a restarted
	// process still gives them their grace period instead of taking them
	// for leftovers, and sharers honour each other's Expirations.
	for _, x := range r.retiring {
		sf.Keys = append(sf.Keys, storedKey{Role: "retiring", ID: x.key.ID, AccessKeyID: x.key.AccessKeyID, Owner: x.key.Owner,
			Description: x.key.Description, ExpiresAt: x.key.ExpiresAt, RetireAt: x.at, ServedUntil: x.servedUntil,
			Foreign: x.foreign, Rejected: x.rejected})
	}
	if err := writeStateFile(p.opts.StateFile, sf); err != nil {
		r.persistFailed = true
		return err
	}
	r.fileGen = sf.Generation
	r.fileAccount = account
	r.instanceUnsaved = false
	r.persistFailed = false
	r.dirty = false
	return nil
}

// persistNow persists and logs a failure (serving goes on).
func (p *ManagedProvider) persistNow() {
	if err := p.persist(); err != nil {
		p.log.Warn("managed key: writing the state file failed", "error", err.Error())
	}
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

// loadState reads the keys a previous run (or a process sharing the file)
// left in the state file. They are served at once only when the file was
// written for the KeyManager's AccountIdentity; otherwise (another
// account's file, a version 1 file, a manager without an identity) nothing
// is served until reconcile has found them in the account's listing. A
// corrupt file is set aside.
func (p *ManagedProvider) loadState(now time.Time) {
	r := &p.r
	r.instance = p.opts.Instance
	if p.opts.StateFile == "" {
		if r.instance == "" {
			r.instance = randomInstance()
		}
		r.confirmed = true
		return
	}
	if r.instance == "" {
		// A new file (or one that records none) gets a random name, written
		// to the file under the lock before the first create (createKey);
		// a name recorded in the file replaces it below.
		r.instance = randomInstance()
		r.instanceUnsaved = true
	}
	r.confirmed = true
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
	p.takeInstance(sf)
	r.owner = sf.Owner
	r.fileGen = sf.Generation
	r.fileAccount = sf.Account
	r.fileVersion = sf.Version
	for _, k := range sf.Keys {
		if k.Role == "retiring" {
			r.retiring = append(r.retiring, p.retireeFromStored(k))
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
	r.confirmed = p.account != "" && sf.Account == p.account
	if r.current == nil {
		return
	}
	if d := r.current.deadAt(p.safety); !d.IsZero() && !now.Before(d) {
		// Expired while we were away: its successor is created, and it
		// is retired.
		return
	}
	if r.confirmed {
		p.emit(Event{Kind: EventKeyAdopted, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	} else {
		r.adoptPending = true
	}
}

// takeInstance adopts the instance a state file records, unless
// ManagedOptions.Instance names one: the processes that share a file share
// its instance, and the first one to write it chose it.
func (p *ManagedProvider) takeInstance(sf *stateFile) {
	r := &p.r
	if p.opts.Instance == "" && sf.Instance != "" {
		r.instance = sf.Instance
		r.instanceUnsaved = false
	}
}

// lockState takes the state-file lock for the rest of the step (if there
// is a state file and the step does not hold it yet) and merges what
// other processes sharing the file wrote. Every change to what the file
// records is made under it. A lock that cannot be taken for any reason but
// Close is fatal (the state file's directory is not writable, …).
func (p *ManagedProvider) lockState(ctx context.Context, now time.Time) error {
	r := &p.r
	if p.opts.StateFile == "" || r.unlock != nil {
		return nil
	}
	u, err := lockFile(ctx, p.clock, p.opts.StateFile+".lock")
	if err != nil {
		if ctx.Err() == nil {
			r.fatal = &fatalError{fmt.Errorf("credentials: locking the state file: %w", err)}
		}
		return err
	}
	r.unlock = u
	p.syncState(now)
	return nil
}

// releaseState writes what changed (unless abandon) and releases the lock.
func (p *ManagedProvider) releaseState(abandon bool) {
	r := &p.r
	if r.unlock == nil {
		return
	}
	if r.dirty && !abandon {
		p.persistNow()
	}
	r.unlock()
	r.unlock = nil
}

// syncState merges what other processes sharing the state file wrote since
// this one last read or wrote it (called with the lock held): a key they
// switched to or created, the keys they are retiring, and the latest
// Expirations they handed out.
func (p *ManagedProvider) syncState(now time.Time) {
	r := &p.r
	sf, err := readStateFile(p.opts.StateFile)
	var ce *corruptStateError
	switch {
	case errors.As(err, &ce):
		if dst, rerr := setAside(p.opts.StateFile, now); rerr == nil {
			p.emit(Event{Kind: EventStateFileSetAside, Err: err, Path: dst})
		}
		r.dirty = true
		return
	case err != nil:
		p.log.Warn("managed key: reading the state file failed", "error", err.Error())
		return
	case sf == nil:
		r.dirty = true // removed: write it again
		return
	}
	if err := p.checkOwnership(sf); err != nil {
		r.fatal = err
		return
	}
	p.takeInstance(sf)
	if sf.Generation == r.fileGen && !r.persistFailed {
		return
	}
	p.merge(sf, now)
	r.fileGen = sf.Generation
	r.fileVersion = sf.Version
}

// merge takes a newer state file's view (see syncState).
func (p *ManagedProvider) merge(sf *stateFile, now time.Time) {
	r := &p.r
	inFile := map[string]storedKey{}
	var fc, fn *storedKey
	for i, k := range sf.Keys {
		inFile[k.ID] = k
		switch k.Role {
		case "current":
			fc = &sf.Keys[i]
		case "next":
			fn = &sf.Keys[i]
		}
	}
	// The latest Expirations handed out.
	for _, h := range []*heldKey{r.current, r.next} {
		if h != nil {
			h.servedUntil = laterOf(h.servedUntil, inFile[h.key.ID].ServedUntil)
		}
	}
	if r.owner == "" {
		r.owner = sf.Owner
	}
	r.fileAccount = sf.Account
	alive := func(k *storedKey) bool {
		d := p.fromStored(*k).deadAt(p.safety)
		return d.IsZero() || now.Before(d)
	}

	adopted := false
	var replaced *heldKey
	// A key a sharer switched to.
	if fc != nil && (r.current == nil || fc.ID != r.current.key.ID) {
		known := r.next != nil && r.next.key.ID == fc.ID
		if (known || r.current == nil || fc.ObtainedAt.After(r.current.obtained)) && alive(fc) {
			replaced = r.current
			if known {
				r.current, r.next = r.next, nil
			} else {
				r.current = p.fromStored(*fc)
				adopted = true
				p.emit(Event{Kind: EventKeyAdopted, KeyID: fc.ID, AccessKeyID: fc.AccessKeyID})
			}
			r.early = false
			if replaced != nil {
				r.rotations++
				p.emit(Event{Kind: EventKeySwitched, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
			}
		}
	}
	// A key a sharer created and will switch to.
	if fn != nil && r.next == nil && !p.holds(fn.ID) && alive(fn) {
		r.next = p.fromStored(*fn)
		r.nextUsableAt = r.next.obtained.Add(p.pol.SwitchDelay)
		adopted = true
		p.emit(Event{Kind: EventKeyAdopted, KeyID: fn.ID, AccessKeyID: fn.AccessKeyID})
	}

	// Keys on their way out: those a sharer finished are dropped, those it
	// retires are taken over with its times.
	kept := r.retiring[:0]
	for _, x := range r.retiring {
		k, ok := inFile[x.key.ID]
		if !ok && !r.persistFailed {
			continue // a sharer finished retiring it
		}
		x.servedUntil = laterOf(x.servedUntil, k.ServedUntil)
		kept = append(kept, x)
	}
	for i := len(kept); i < len(r.retiring); i++ {
		r.retiring[i] = nil
	}
	r.retiring = kept
	for _, k := range sf.Keys {
		if k.Role == "retiring" && !p.holds(k.ID) {
			r.retiring = append(r.retiring, p.retireeFromStored(k))
		}
	}
	if replaced != nil && !p.holds(replaced.key.ID) {
		r.retiring = append(r.retiring, &retiree{key: stripSecret(replaced.key), at: now.Add(p.pol.Grace), servedUntil: replaced.servedUntil})
	}

	if adopted && (p.account == "" || sf.Account != p.account) {
		// Written by a process of another identity: confirm by listing
		// before serving.
		r.confirmed = false
		r.reconciled = false
		r.nextReconcileAt = now
	}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// setAsideStale moves the state file aside when none of its keys exists in
// the account (called by reconcile, under the lock): it is kept, without
// its secrets (the keys are gone, or belong to an account that does not
// let us see them), as StateFile + ".stale-<time>".
func (p *ManagedProvider) setAsideStale(now time.Time, missing []string) {
	r := &p.r
	owner := r.owner
	r.owner = ""
	r.fileAccount = ""
	err := fmt.Errorf("credentials: state file %s: its keys (%s) are not in this %s account: they were deleted, or the file belongs to another account (%q)",
		p.opts.StateFile, strings.Join(missing, ", "), p.km.Provider(), owner)
	dst := fmt.Sprintf("%s.stale-%s", p.opts.StateFile, now.UTC().Format("20060102T150405.000000000Z"))
	sf, rerr := readStateFile(p.opts.StateFile)
	if rerr != nil || sf == nil {
		return
	}
	for i := range sf.Keys {
		sf.Keys[i].Secret, sf.Keys[i].SessionToken = "", ""
	}
	if werr := writeStateFile(dst, sf); werr != nil {
		p.log.Warn("managed key: setting the stale state file aside failed", "error", werr.Error())
		return
	}
	if rerr := os.Remove(p.opts.StateFile); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		p.log.Warn("managed key: removing the stale state file failed", "error", rerr.Error())
	}
	r.dirty = true
	r.lastErr = err
	p.emit(Event{Kind: EventStateFileSetAside, Err: err, Path: dst})
}
