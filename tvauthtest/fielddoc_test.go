package tvauthtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestExportedFieldsDocumented keeps every exported field of every exported struct type of the
// package documented, by a comment above it or at the end of its line, as pkg.go.dev shows them.
func TestExportedFieldsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	pkg := pkgs["tvauthtest"]
	if pkg == nil {
		t.Fatal("no package tvauthtest here")
	}
	fields := 0
	for _, f := range pkg.Files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				if !ts.Name.IsExported() {
					continue
				}
				ast.Inspect(ts.Type, func(n ast.Node) bool {
					st, ok := n.(*ast.StructType)
					if !ok {
						return true
					}
					for _, fl := range st.Fields.List {
						exported := len(fl.Names) == 0 // an embedded type is documented where it is declared
						for _, name := range fl.Names {
							exported = exported || name.IsExported()
						}
						if !exported || len(fl.Names) == 0 {
							continue
						}
						fields++
						if fl.Doc == nil && fl.Comment == nil {
							t.Errorf("%s: %s.%s has no doc comment", fset.Position(fl.Pos()), ts.Name.Name, fl.Names[0].Name)
						}
					}
					return true
				})
			}
		}
	}
	if fields < 50 {
		t.Fatalf("only %d exported fields found: the walk is broken", fields)
	}
}
