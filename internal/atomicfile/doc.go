// Package atomicfile writes files that hold secrets (token caches, the
// managed provider's state, key files, credentials files): mode 0600, and
// replaced atomically, so that a reader (or a process that starts after a
// crash) sees either the old content or the new one, never a part.
//
// A file is written to a temporary file in the same directory (named
// ".<name>.tmp-<random>", created with mode 0600), flushed to disk
// (fsync), then renamed over the target; the directory is then flushed
// too where the system allows it, so that the rename survives a crash. On
// any failure the temporary file is removed and the target is left as it
// was.
//
// Minimal use:
//
//	if err := atomicfile.Write(path, data); err != nil { … }    // create or replace
//	if err := atomicfile.WriteNew(path, data); err != nil { … } // fs.ErrExist if path exists
//
// # Concurrency
//
// Concurrent writers of one path do not corrupt it: the last rename wins.
// Callers that must not lose an update serialize their writers (a lock
// file, a mutex).
package atomicfile
