package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// stateDir is the directory of a credential-process state file, held for
// the whole run: concurrent runs that share it take turns, and a run that
// failed before anything was stored removes what it created (the
// library's lock file, the directories), so that a failing run leaves no
// file behind.
type stateDir struct {
	path string
	// created are the directories this run created, outermost first.
	created []string
	unlock  func()
}

// createDirs creates dir (mode 0700) and the missing directories above
// it, and returns the ones it created, outermost first.
func createDirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append([]string{d}, missing...)
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return missing, nil
}

// release ends the run's hold (stateFile "": no state file to clean up,
// only the directories). When the run failed and the state file
// holds no key (the run failed at once: the managed provider may still
// have written a file with an empty list), the state file, the lock file
// the provider created next to it and the directories this run created
// are removed, while the directory is still held, so that no other run is
// using them.
func (d *stateDir) release(failed bool, stateFile string) {
	// Only under the directory's lock (dirLocks): without it another run
	// may be using the files at this moment.
	if failed && dirLocks && stateFile != "" && holdsNoKey(stateFile) {
		if err := os.Remove(stateFile); err == nil || errors.Is(err, fs.ErrNotExist) {
			_ = os.Remove(stateFile + ".lock")
		}
	}
	if failed {
		for i := len(d.created) - 1; i >= 0; i-- {
			if os.Remove(d.created[i]) != nil { // not empty: something else lives there
				break
			}
		}
	}
	if d.unlock != nil {
		d.unlock()
		d.unlock = nil
	}
}

// holdsNoKey reports whether the state file is absent or records no key
// (its "keys" list is empty). A file that cannot be read or parsed is
// taken to hold keys: it is kept.
func holdsNoKey(stateFile string) bool {
	data, err := os.ReadFile(stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	var f struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	return json.Unmarshal(data, &f) == nil && f.Keys != nil && len(*f.Keys) == 0
}

// lockStateDir creates dir if needed and holds it until release; see
// lockDir for how.
func lockStateDir(ctx context.Context, dir string) (*stateDir, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for {
		created, err := createDirs(dir)
		if errors.Is(err, fs.ErrNotExist) {
			// A failing run removed a parent between the checks: again.
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		unlock, again, err := lockDir(ctx, dir)
		if err != nil {
			// Nothing of ours is stored: take back what was created.
			for i := len(created) - 1; i >= 0; i-- {
				if os.Remove(created[i]) != nil {
					break
				}
			}
			return nil, err
		}
		if again {
			continue
		}
		return &stateDir{path: dir, created: created, unlock: unlock}, nil
	}
}
