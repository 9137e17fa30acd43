package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Mode is the permission of every file this package writes: owner read
// and write only.
const Mode fs.FileMode = 0o600

// Write writes data to path with mode 0600, creating the file or
// atomically replacing it. The directory must exist. An error is the
// operating system's (an *fs.PathError or *os.LinkError naming the file).
func Write(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// WriteNew is [Write] that never replaces an existing file: when path
// exists it returns an error for which errors.Is(err, fs.ErrExist) holds
// and leaves the file as it was. Where the file system has hard links the
// check and the creation are one step, so that of two concurrent
// WriteNew calls only one succeeds.
func WriteNew(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after a link: the name only; after a rename: no-op
	if err := os.Link(tmp, path); err == nil {
		syncDir(filepath.Dir(path))
		return nil
	} else if errors.Is(err, fs.ErrExist) {
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	}
	// No hard links here (some network and FAT file systems): check, then
	// rename.
	if _, err := os.Lstat(path); err == nil {
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// writeTemp writes data to a new temporary file next to path, with mode
// 0600 and flushed to disk, and returns its name. On failure nothing is
// left behind.
func writeTemp(path string, data []byte) (name string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name = f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(name)
		}
	}()
	// CreateTemp makes the file 0600 already on Unix; Chmod says so where
	// the system keeps other defaults. A system without modes (wasip1,
	// plan9) reports ErrUnsupported: the file is then as private as the
	// system makes it.
	if err := f.Chmod(Mode); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return name, nil
}

// syncDir flushes a directory's entries (the rename) to disk, where the
// system allows opening a directory for that; a failure is ignored: the
// file's content is already on disk.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
