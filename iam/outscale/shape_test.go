package outscale_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestNewIsSplit keeps New readable: the constructor reads as its steps
// (options, credentials, HTTP client, sub-clients), each step a function
// of its own, rather than one body doing all of them.
func TestNewIsSplit(t *testing.T) {
	const maxLines = 50
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, "client.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "New" {
			if n := fs.Position(fd.End()).Line - fs.Position(fd.Pos()).Line + 1; n > maxLines {
				t.Errorf("New is %d lines long; split it into steps of at most %d", n, maxLines)
			}
			return
		}
	}
	t.Fatal("no func New in client.go")
}
