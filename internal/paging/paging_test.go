package paging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
)

// pages serves a fixed chain of pages: pages[token] is the items and the
// next token of the page at token. It records the tokens asked for.
type pages struct {
	chain map[string]struct {
		items []int
		next  string
	}
	asked []string
	fail  map[string]bool // the tokens whose fetch fails
}

func (p *pages) fetch(_ context.Context, token string) ([]int, string, error) {
	p.asked = append(p.asked, token)
	if p.fail[token] {
		return nil, "", errors.New("boom at " + token)
	}
	pg, ok := p.chain[token]
	if !ok {
		return nil, "", fmt.Errorf("no page %q", token)
	}
	return pg.items, pg.next, nil
}

func chain(links ...any) *pages {
	p := &pages{chain: map[string]struct {
		items []int
		next  string
	}{}}
	for i := 0; i < len(links); i += 3 {
		p.chain[links[i].(string)] = struct {
			items []int
			next  string
		}{links[i+1].([]int), links[i+2].(string)}
	}
	return p
}

func collect(seq func(func(int, error) bool)) ([]int, error) {
	var out []int
	for it, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

func TestItemsAllPages(t *testing.T) {
	p := chain("", []int{1, 2}, "b", "b", []int{}, "c", "c", []int{3}, "")
	got, err := collect(Items(t.Context(), iam.Yandex, "Op", "", p.fetch))
	if err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("items = %v, %v; want [1 2 3]", got, err)
	}
	if !slices.Equal(p.asked, []string{"", "b", "c"}) {
		t.Errorf("asked %q", p.asked)
	}
}

func TestItemsStartsAtToken(t *testing.T) {
	p := chain("b", []int{7}, "c", "c", []int{8}, "")
	got, err := collect(Items(t.Context(), iam.Nebius, "Op", "b", p.fetch))
	if err != nil || !slices.Equal(got, []int{7, 8}) {
		t.Fatalf("items = %v, %v", got, err)
	}
}

// TestItemsRepeatedToken: every way a service can repeat a token (the one
// it was given, the starting one, an older one) ends the listing with an
// error after the items it did serve.
func TestItemsRepeatedToken(t *testing.T) {
	for name, tt := range map[string]struct {
		p     *pages
		start string
		want  []int
	}{
		"same token again":   {chain("", []int{1}, "a", "a", []int{2}, "a"), "", []int{1, 2}},
		"back to the start":  {chain("s", []int{1}, "a", "a", []int{2}, "s"), "s", []int{1, 2}},
		"cycle of three":     {chain("", []int{1}, "a", "a", []int{2}, "b", "b", []int{3}, "a"), "", []int{1, 2, 3}},
		"first page, itself": {chain("x", []int{1}, "x"), "x", []int{1}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := collect(Items(t.Context(), iam.Yandex, "ApiKeyService/List", tt.start, tt.p.fetch))
			var ie *iam.Error
			if !errors.As(err, &ie) || ie.Provider != iam.Yandex || ie.Op != "ApiKeyService/List" ||
				!strings.Contains(ie.Message, "repeated a page token") {
				t.Fatalf("err = %#v, want the repeated-token *iam.Error", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("items before the error = %v, want %v", got, tt.want)
			}
			if len(tt.p.asked) != len(tt.p.chain) {
				t.Errorf("fetched %q: a page was fetched twice", tt.p.asked)
			}
		})
	}
}

func TestItemsFetchError(t *testing.T) {
	p := chain("", []int{1}, "a", "a", []int{2}, "")
	p.fail = map[string]bool{"a": true}
	got, err := collect(Items(t.Context(), iam.Nebius, "Op", "", p.fetch))
	if err == nil || err.Error() != "boom at a" || !slices.Equal(got, []int{1}) {
		t.Fatalf("items = %v, err = %v; want [1] and the fetch error", got, err)
	}
}

func TestItemsStopEarly(t *testing.T) {
	p := chain("", []int{1, 2}, "a", "a", []int{3}, "")
	for it, err := range Items(t.Context(), iam.Nebius, "Op", "", p.fetch) {
		if err != nil || it != 1 {
			t.Fatalf("got %d, %v", it, err)
		}
		break
	}
	if !slices.Equal(p.asked, []string{""}) {
		t.Errorf("asked %q after stopping on the first item, want only the first page", p.asked)
	}
}
