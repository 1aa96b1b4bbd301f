package tvauth

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestExportedFieldsDocumented keeps every exported field of the SDK's API documented, as pkg.go.dev
// shows it: a comment above the field or at the end of its line. It reads the non-test source of the
// root package and of tvauthtest, and checks every exported struct type, the struct types nested in
// its fields (struct{…}, []struct{…}, map[K]struct{…}) included. An embedded field counts when its
// type is exported (pkg.go.dev lists it among the fields, and which of its fields are promoted is
// worth a line); an embedded unexported type is not an exported field.
func TestExportedFieldsDocumented(t *testing.T) {
	t.Parallel()
	for _, pkg := range []struct {
		dir, name string
		atLeast   int // fields the walk must find, so that a broken walk cannot pass
	}{
		{".", "tvauth", 200},
		{"tvauthtest", "tvauthtest", 50},
	} {
		t.Run(pkg.name, func(t *testing.T) {
			t.Parallel()
			fset := token.NewFileSet()
			pkgs, err := parser.ParseDir(fset, pkg.dir, func(fi os.FileInfo) bool {
				return !strings.HasSuffix(fi.Name(), "_test.go")
			}, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			p := pkgs[pkg.name]
			if p == nil {
				t.Fatalf("no package %s in %s", pkg.name, pkg.dir)
			}
			files := make([]*ast.File, 0, len(p.Files))
			for _, name := range slices.Sorted(maps.Keys(p.Files)) {
				files = append(files, p.Files[name])
			}
			fields, missing := undocumentedFields(fset, files)
			if fields < pkg.atLeast {
				t.Fatalf("only %d exported fields found, want at least %d: the walk is broken", fields, pkg.atLeast)
			}
			perFile := map[string]int{}
			for _, m := range missing {
				t.Errorf("%s has no doc comment", m)
				perFile[filepath.Base(m[:strings.IndexByte(m, ':')])]++
			}
			if len(missing) > 0 {
				var b strings.Builder
				for _, f := range slices.Sorted(maps.Keys(perFile)) {
					fmt.Fprintf(&b, " %s %d,", f, perFile[f])
				}
				t.Errorf("%d of %d exported fields have no doc comment:%s", len(missing), fields, strings.TrimSuffix(b.String(), ","))
			}
		})
	}
}

// undocumentedFields walks the exported struct types of files: it returns how many exported fields
// it saw and, for each one with neither a doc nor a line comment, "file:line: Type.Field[.Nested]".
func undocumentedFields(fset *token.FileSet, files []*ast.File) (fields int, missing []string) {
	var walk func(path string, e ast.Expr)
	walk = func(path string, e ast.Expr) {
		ast.Inspect(e, func(n ast.Node) bool {
			st, ok := n.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				names := make([]string, 0, len(fl.Names))
				for _, id := range fl.Names {
					if id.IsExported() {
						names = append(names, id.Name)
					}
				}
				if len(fl.Names) == 0 { // embedded: named after its type
					if name := embeddedName(fl.Type); ast.IsExported(name) {
						names = append(names, name)
					}
				}
				for _, name := range names {
					fields++
					if strings.TrimSpace(fl.Doc.Text()) == "" && strings.TrimSpace(fl.Comment.Text()) == "" {
						missing = append(missing, fmt.Sprintf("%s: %s.%s", fset.Position(fl.Pos()), path, name))
					}
				}
				if len(names) > 0 {
					walk(path+"."+names[0], fl.Type) // struct types nested in an exported field
				}
			}
			return false // nested structs are walked above, with their path
		})
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				if ts := spec.(*ast.TypeSpec); ts.Name.IsExported() {
					walk(ts.Name.Name, ts.Type)
				}
			}
		}
	}
	return fields, missing
}

// embeddedName is the field name an embedded type gets: T for T, *T, pkg.T and T[P].
func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return embeddedName(t.X)
	case *ast.IndexListExpr:
		return embeddedName(t.X)
	}
	return ""
}

// The check finds what it must (the positive control): undocumented exported fields at any depth,
// embedded exported types, names sharing a line; and passes what it must: doc and line comments,
// unexported fields and types, embedded unexported types.
func TestUndocumentedFieldsWalk(t *testing.T) {
	t.Parallel()
	const src = `package p

import "net/http"

type Doc struct {
	// A is documented above.
	A int
	B int // B is documented at the end of its line.
	C int
	D, E string
	//
	F int
	hidden int
	inner
	http.Header
	*Embedded
	G []struct {
		H int // H is documented.
		I map[string]struct{ J int }
	} // G is documented.
	K struct{ L int }
}

type inner struct{ Undocumented int }

type Embedded struct{ M int }

type Func func(struct{ N int })
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	fields, missing := undocumentedFields(fset, []*ast.File{f})
	want := []string{
		"p.go:9:2: Doc.C", "p.go:10:2: Doc.D", "p.go:10:2: Doc.E", "p.go:12:2: Doc.F", "p.go:15:2: Doc.Header",
		"p.go:16:2: Doc.Embedded", "p.go:19:3: Doc.G.I", "p.go:19:24: Doc.G.I.J", "p.go:21:2: Doc.K",
		"p.go:21:12: Doc.K.L", "p.go:26:23: Embedded.M", "p.go:28:24: Func.N",
	}
	if !reflect.DeepEqual(missing, want) {
		t.Errorf("undocumented:\n got %q\nwant %q", missing, want)
	}
	if fields != 16 {
		t.Errorf("%d exported fields seen, want 16", fields)
	}
}
