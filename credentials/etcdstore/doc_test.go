package etcdstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageIsDocumented checks this module as the root module's
// test checks iamkit's: every package has a doc.go with a package comment
// (a command, a package comment), and every exported name, field included,
// has a doc comment that starts with its name.
func TestEveryPackageIsDocumented(t *testing.T) {
	dirs := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("found %d package directories; the walk is broken", len(dirs))
	}
	for dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			if pkg.Name == "main" {
				has := false
				for _, f := range pkg.Files {
					has = has || f.Doc != nil
				}
				if !has {
					t.Errorf("%s: command has no package comment", dir)
				}
				continue
			}
			if f, ok := pkg.Files[filepath.Join(dir, "doc.go")]; !ok || f.Doc == nil {
				t.Errorf("%s: no doc.go with a package comment", dir)
			}
			for name, f := range pkg.Files {
				for _, decl := range f.Decls {
					checkDoc(t, fset, name, decl)
				}
			}
		}
	}
}

func checkDoc(t *testing.T, fset *token.FileSet, file string, decl ast.Decl) {
	starts := func(doc *ast.CommentGroup, name string) {
		text := doc.Text()
		for _, a := range []string{"A ", "An ", "The "} {
			text = strings.TrimPrefix(text, a)
		}
		if !strings.HasPrefix(text, name) {
			t.Errorf("%s: the doc comment of %s does not start with its name", file, name)
		}
	}
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			return
		}
		if d.Recv != nil {
			typ := d.Recv.List[0].Type
			if st, ok := typ.(*ast.StarExpr); ok {
				typ = st.X
			}
			if id, ok := typ.(*ast.Ident); ok && !id.IsExported() {
				return
			}
		}
		if d.Doc == nil {
			t.Errorf("%s: exported func %s has no doc comment", fset.Position(d.Pos()), d.Name.Name)
			return
		}
		starts(d.Doc, d.Name.Name)
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if !s.Name.IsExported() {
					continue
				}
				switch {
				case s.Doc != nil:
					starts(s.Doc, s.Name.Name)
				case d.Doc != nil:
					starts(d.Doc, s.Name.Name)
				default:
					t.Errorf("%s: exported type %s has no doc comment", fset.Position(s.Pos()), s.Name.Name)
				}
				if st, ok := s.Type.(*ast.StructType); ok {
					group := ""
					for _, f := range st.Fields.List {
						if f.Doc != nil {
							group = f.Doc.Text()
						}
						for _, n := range f.Names {
							if n.IsExported() && f.Doc == nil && f.Comment == nil && !strings.Contains(group, n.Name) {
								t.Errorf("%s: exported field %s.%s has no doc comment", fset.Position(n.Pos()), s.Name.Name, n.Name)
							}
						}
					}
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
						t.Errorf("%s: exported %s has no doc comment", fset.Position(n.Pos()), n.Name)
					}
				}
			}
		}
	}
}
