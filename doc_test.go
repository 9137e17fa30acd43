package iamkit_test

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

// TestEveryPackageIsDocumented checks the documentation rules of the
// repository: every package has a doc.go with a package comment, and every
// exported name (type, function, method, constant, variable, struct field
// of an exported type) has a doc comment. Generated code is exempt.
func TestEveryPackageIsDocumented(t *testing.T) {
	dirs := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			if path != "." {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // a nested module checks itself
				}
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range dirs {
		checkPackageDocs(t, dir)
	}
}

func checkPackageDocs(t *testing.T, dir string) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	for _, pkg := range pkgs {
		isMain := pkg.Name == "main"
		doc, ok := pkg.Files[filepath.Join(dir, "doc.go")]
		if !isMain && (!ok || doc.Doc == nil) {
			t.Errorf("%s: package %s has no doc.go with a package comment", dir, pkg.Name)
		}
		if isMain {
			hasDoc := false
			for _, f := range pkg.Files {
				hasDoc = hasDoc || f.Doc != nil
			}
			if !hasDoc {
				t.Errorf("%s: command has no package comment", dir)
			}
			continue
		}
		for name, f := range pkg.Files {
			if ast.IsGenerated(f) {
				continue
			}
			for _, decl := range f.Decls {
				checkDecl(t, fset, name, decl)
			}
		}
	}
}

func checkDecl(t *testing.T, fset *token.FileSet, file string, decl ast.Decl) {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
			return
		}
		if d.Doc == nil {
			t.Errorf("%s: exported func %s has no doc comment", fset.Position(d.Pos()), d.Name.Name)
			return
		}
		checkStartsWithName(t, fset, d.Doc, d.Name)
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if !s.Name.IsExported() {
					continue
				}
				switch {
				case s.Doc != nil:
					checkStartsWithName(t, fset, s.Doc, s.Name)
				case d.Doc != nil && len(d.Specs) == 1:
					checkStartsWithName(t, fset, d.Doc, s.Name)
				case d.Doc == nil:
					t.Errorf("%s: exported type %s has no doc comment", fset.Position(s.Pos()), s.Name.Name)
				}
				if st, ok := s.Type.(*ast.StructType); ok {
					// A field is documented by its own comment, or by the
					// comment of a group of fields that names it
					// ("AccessKey and SecretKey sign requests").
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

// checkStartsWithName checks that a doc comment is a sentence that starts
// with the name it documents (optionally after "A", "An" or "The"), as
// go doc and pkg.go.dev expect.
func checkStartsWithName(t *testing.T, fset *token.FileSet, doc *ast.CommentGroup, name *ast.Ident) {
	text := doc.Text()
	for _, article := range []string{"A ", "An ", "The "} {
		text = strings.TrimPrefix(text, article)
	}
	if !strings.HasPrefix(text, name.Name) {
		first, _, _ := strings.Cut(doc.Text(), "\n")
		t.Errorf("%s: the doc comment of %s does not start with its name: %q", fset.Position(name.Pos()), name.Name, first)
	}
}

func exportedRecv(fl *ast.FieldList) bool {
	if len(fl.List) == 0 {
		return false
	}
	typ := fl.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if idx, ok := typ.(*ast.IndexExpr); ok {
		typ = idx.X
	}
	if idx, ok := typ.(*ast.IndexListExpr); ok {
		typ = idx.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
