package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// scriptedSource hands out tokens[i] on its i-th call ("!" is a failure)
// and cannot drop a token, as a static source.
type scriptedSource struct {
	tokens      []string
	calls       int
	invalidated []string
}

func (s *scriptedSource) AccessToken(context.Context) (auth.Token, error) {
	if s.calls >= len(s.tokens) {
		return auth.Token{}, errors.New("no more tokens")
	}
	v := s.tokens[s.calls]
	s.calls++
	if v == "!" {
		return auth.Token{}, errors.New("exchange failed")
	}
	return auth.Token{Value: iam.NewSecret(v), Type: "Bearer"}, nil
}

func (s *scriptedSource) Token() (*oauth2.Token, error) {
	return nil, errors.New("Token() used although AccessToken is there")
}

// refreshingSource is a scriptedSource that can drop the token it is told
// was rejected, as a Cache.
type refreshingSource struct{ *scriptedSource }

func (s refreshingSource) InvalidateToken(tok auth.Token) bool {
	s.invalidated = append(s.invalidated, tok.Value.Reveal())
	return true
}

// TestRetryOnRejection: the one 401/UNAUTHENTICATED rule. A rejected token
// is reported to the source (that exact token); the attempt is repeated
// once with a fresh, different token, never with the rejected one, and
// never a third time.
func TestRetryOnRejection(t *testing.T) {
	for _, tt := range []struct {
		name      string
		tokens    []string
		noRefresh bool
		rejects   []bool   // what each attempt reports
		wantSent  []string // the tokens the attempts were given
		wantDrop  []string // the tokens reported as rejected
		wantErr   string
	}{
		{name: "accepted", tokens: []string{"t1"}, rejects: []bool{false}, wantSent: []string{"t1"}},
		{name: "rejected, fresh token accepted", tokens: []string{"t1", "t2"}, rejects: []bool{true, false},
			wantSent: []string{"t1", "t2"}, wantDrop: []string{"t1"}},
		{name: "rejected twice: no third attempt", tokens: []string{"t1", "t2", "t3"}, rejects: []bool{true, true, true},
			wantSent: []string{"t1", "t2"}, wantDrop: []string{"t1"}},
		{name: "the same token again is never resent", tokens: []string{"t1", "t1"}, rejects: []bool{true},
			wantSent: []string{"t1"}, wantDrop: []string{"t1"}},
		{name: "second token fails: the rejection stands", tokens: []string{"t1", "!"}, rejects: []bool{true},
			wantSent: []string{"t1"}, wantDrop: []string{"t1"}},
		{name: "second token empty", tokens: []string{"t1", ""}, rejects: []bool{true},
			wantSent: []string{"t1"}, wantDrop: []string{"t1"}},
		{name: "source cannot refresh", tokens: []string{"t1", "t2"}, noRefresh: true, rejects: []bool{true},
			wantSent: []string{"t1"}},
		{name: "first token fails", tokens: []string{"!"}, wantErr: "exchange failed"},
		{name: "first token empty", tokens: []string{""}, wantErr: "empty token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := &scriptedSource{tokens: tt.tokens}
			var src oauth2.TokenSource = refreshingSource{base}
			if tt.noRefresh {
				src = base
			}
			var sent []string
			err := auth.RetryOnRejection(t.Context(), src, func(tok auth.Token) bool {
				sent = append(sent, tok.Value.Reveal())
				return tt.rejects[len(sent)-1]
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !slices.Equal(sent, tt.wantSent) {
				t.Errorf("attempts were given %q, want %q", sent, tt.wantSent)
			}
			if !slices.Equal(base.invalidated, tt.wantDrop) {
				t.Errorf("reported as rejected %q, want %q", base.invalidated, tt.wantDrop)
			}
		})
	}
}
