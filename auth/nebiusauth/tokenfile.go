package nebiusauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// DefaultTokenFileCheckInterval is how often a [TokenFile] looks at its
// file for a change by default.
const DefaultTokenFileCheckInterval = 10 * time.Second

// maxTokenFileBytes bounds a token file: access tokens are a few KiB.
const maxTokenFileBytes = 64 << 10

// TokenFileOptions configure [TokenFileSource]. Every field is optional.
type TokenFileOptions struct {
	// CheckInterval is how long a token read from the file is served
	// before the file is looked at again (default
	// [DefaultTokenFileCheckInterval]); the file is read again only when
	// it changed. A negative value is refused.
	CheckInterval time.Duration
	// Clock is the time source of the checks. Default: the system clock.
	Clock iam.Clock
	// Logger receives debug records of re-reads; never a token. Default:
	// discard.
	Logger *slog.Logger
}

// TokenFile is a token source that serves the access token held in a file,
// as the Nebius profile key "token-file" names it (and the file
// /mnt/cloud-metadata/token on Nebius VMs). [TokenFileSource] makes one.
//
// The file is read as gosdk reads it: its content trimmed of surrounding
// white space is the token; an empty file, or a token with a newline (or
// any white space) inside, is an error. A token from a file has no known
// expiry.
//
// The file is looked at again once CheckInterval has passed on the clock
// since the last look, and right after [TokenFile.Invalidate] (which the
// iamkit clients call when a server rejects the token): when its size,
// modification time or identity (a file replaced by a rename, as a
// Kubernetes volume rotates it) changed, it is read again. So a user who
// logs in again, or a sidecar that rotates the token, is seen within
// CheckInterval, or at once after a rejection. When a re-read fails (the
// file is gone, empty or unreadable for a moment), the token read last
// keeps being served and the file is read again at the next look; only a
// source that never read a token returns the error.
//
// Serving the token costs one atomic load and one clock read between
// looks. A TokenFile is an oauth2.TokenSource, an auth.ContextTokenSource
// and an auth.Invalidator; it is safe for concurrent use and holds no
// goroutine. Printing it shows its path, never the token.
type TokenFile struct {
	path     string
	interval time.Duration
	clock    iam.Clock
	logger   *slog.Logger

	cur   atomic.Pointer[tokenFileState]
	force atomic.Bool // Invalidate was called: look at the next call
	mu    sync.Mutex  // one look at a time
}

// tokenFileState is what one look found.
type tokenFileState struct {
	tok       auth.Token
	oauth     *safeprint.Sealed[oauth2.Token]
	info      os.FileInfo // of the read that gave tok; nil after a failed re-read
	nextCheck time.Time
}

// TokenFileSource returns a source of the token in the file at path. It
// reads the file once: a file that cannot be read, is empty or holds more
// than one line is an error naming the path (matching fs.ErrNotExist for a
// missing file). Nil option functions are skipped.
func TokenFileSource(path string, optFns ...func(*TokenFileOptions)) (*TokenFile, error) {
	var o TokenFileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("nebiusauth: TokenFileSource: path is empty")
	}
	if o.CheckInterval < 0 {
		return nil, fmt.Errorf("nebiusauth: TokenFileSource: CheckInterval %v is negative", o.CheckInterval)
	}
	if o.CheckInterval == 0 {
		o.CheckInterval = DefaultTokenFileCheckInterval
	}
	f := &TokenFile{path: path, interval: o.CheckInterval, clock: clock.Or(o.Clock), logger: o.Logger}
	if f.logger == nil {
		f.logger = slog.New(slog.DiscardHandler)
	}
	st, err := f.read(f.clock.Now())
	if err != nil {
		return nil, err
	}
	f.cur.Store(st)
	return f, nil
}

// Path returns the file's path.
func (f *TokenFile) Path() string { return f.path }

// AccessToken returns the file's token (ctx is only checked for
// cancellation).
func (f *TokenFile) AccessToken(ctx context.Context) (auth.Token, error) {
	if err := ctx.Err(); err != nil {
		return auth.Token{}, err
	}
	return f.state().tok, nil
}

// Token returns the token as an *oauth2.Token; it must not be modified.
func (f *TokenFile) Token() (*oauth2.Token, error) { return f.state().oauth.Get(), nil }

// Invalidate makes the next call look at the file at once.
func (f *TokenFile) Invalidate() { f.force.Store(true) }

// state returns the state to serve, looking at the file when it is time.
func (f *TokenFile) state() *tokenFileState {
	st := f.cur.Load()
	now := f.clock.Now()
	if now.Before(st.nextCheck) && !f.force.Load() {
		return st
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st = f.cur.Load()
	if now.Before(st.nextCheck) && !f.force.Load() {
		return st // another caller looked meanwhile
	}
	f.force.Store(false)
	next := f.look(st, now)
	f.cur.Store(next)
	return next
}

// look stats the file and reads it when it changed since st was read.
func (f *TokenFile) look(st *tokenFileState, now time.Time) *tokenFileState {
	keep := *st
	keep.nextCheck = now.Add(f.interval)
	fi, err := os.Stat(f.path)
	if err == nil && st.info != nil && sameFile(st.info, fi) {
		return &keep
	}
	fresh, err := f.read(now)
	if err != nil {
		// Serve the token read last; read again at the next look.
		f.logger.Debug("nebiusauth: token file re-read failed; serving the token read last", "path", f.path, "err", err)
		keep.info = nil
		return &keep
	}
	if !fresh.tok.Value.Equal(st.tok.Value) {
		f.logger.Debug("nebiusauth: token file changed; new token read", "path", f.path)
	}
	return fresh
}

// sameFile reports whether b is the file a was, unchanged: the same file
// (device and inode), size and modification time.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// read reads the file and checks the token.
func (f *TokenFile) read(now time.Time) (*tokenFileState, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("nebiusauth: token file %s: "+format, append([]any{f.path}, args...)...)
	}
	file, err := os.Open(f.path)
	if err != nil {
		return nil, fail("%w", unwrapPath(err))
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, fail("%w", unwrapPath(err))
	}
	if fi.IsDir() {
		return nil, fail("is a directory")
	}
	data, err := io.ReadAll(io.LimitReader(file, maxTokenFileBytes+1))
	if err != nil {
		return nil, fail("%w", unwrapPath(err))
	}
	if len(data) > maxTokenFileBytes {
		return nil, fail("is larger than %d bytes, not a token file", maxTokenFileBytes)
	}
	v := strings.TrimSpace(string(data))
	switch {
	case v == "":
		return nil, fail("is empty")
	case strings.ContainsAny(v, "\r\n"):
		// gosdk: "invalid token file: … contains newline".
		return nil, fail("contains a newline: it must hold one token")
	case strings.ContainsAny(v, " \t"):
		return nil, fail("contains white space: it must hold one token")
	}
	tok := auth.Token{Value: iam.NewSecret(v), Type: "Bearer"}
	return &tokenFileState{
		tok:       tok,
		oauth:     safeprint.Seal(&oauth2.Token{AccessToken: v, TokenType: "Bearer"}),
		info:      fi,
		nextCheck: now.Add(f.interval),
	}, nil
}

// unwrapPath drops an *fs.PathError, whose text repeats the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Close does nothing (a TokenFile holds no goroutine) and returns nil.
func (f *TokenFile) Close() error { return nil }

// String describes the source by its path; never the token.
func (f *TokenFile) String() string { return "nebiusauth.TokenFile{" + f.path + "}" }

// GoString is String, for %#v.
func (f *TokenFile) GoString() string { return "&" + f.String() }

// Format prints String under every verb (GoString for %#v).
func (f *TokenFile) Format(s fmt.State, verb rune) {
	safeprint.FormatString(s, verb, f.String(), f.GoString())
}

// LogValue makes slog print the path only.
func (f *TokenFile) LogValue() slog.Value { return slog.GroupValue(slog.String("path", f.path)) }

var (
	_ oauth2.TokenSource      = (*TokenFile)(nil)
	_ auth.ContextTokenSource = (*TokenFile)(nil)
	_ auth.Invalidator        = (*TokenFile)(nil)
)
