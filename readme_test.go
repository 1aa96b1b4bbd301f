package tvauth_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The README's Go code is tested by keeping each ```go block, word for word, inside a Go test file,
// where it compiles and runs with `go test ./...`. In README.md a block is preceded by a marker line
//
//	<!-- snippet: NAME -->
//
// and in some _test.go file of the module the same code sits between the comment lines
//
//	// README:begin NAME
//	// README:end NAME
//
// TestREADMESnippets fails when a block has no marker, a marker has no region, a region has no block,
// or the two differ. Editing either side alone breaks CI, so the README cannot drift from code that runs.

var (
	snippetMarker = regexp.MustCompile(`^<!-- snippet: ([a-z0-9-]+) -->$`)
	regionBegin   = regexp.MustCompile(`^\s*// README:begin ([a-z0-9-]+)$`)
	regionEnd     = regexp.MustCompile(`^\s*// README:end ([a-z0-9-]+)$`)
)

func TestREADMESnippets(t *testing.T) {
	blocks, err := readmeGoBlocks("README.md")
	if err != nil {
		t.Fatal(err)
	}
	regions, err := snippetRegions(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block: the parser is broken")
	}
	for name, b := range blocks {
		r, ok := regions[name]
		if !ok {
			t.Errorf("README.md:%d: snippet %q has no `// README:begin %s` region in any _test.go file", b.line, name, name)
			continue
		}
		if got, want := normaliseSnippet(b.text), normaliseSnippet(r.text); got != want {
			t.Errorf("README.md:%d: snippet %q differs from %s:%d\n%s", b.line, name, r.file, r.line, lineDiff(got, want))
		}
	}
	for name, r := range regions {
		if _, ok := blocks[name]; !ok {
			t.Errorf("%s:%d: region %q is not shown in README.md (add the block or remove the markers)", r.file, r.line, name)
		}
	}
}

type snippet struct {
	file string
	line int
	text string
}

// readmeGoBlocks returns the ```go blocks of a Markdown file by the name of the marker before each.
func readmeGoBlocks(path string) (map[string]snippet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	blocks := map[string]snippet{}
	var (
		marker    string // the name of the last marker, until the next non-blank line
		inGo      bool
		inFence   bool
		cur       snippet
		curName   string
		body      strings.Builder
		lineNo    int
		markerErr error
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case inFence && strings.HasPrefix(trimmed, "```"):
			if inGo {
				cur.text = body.String()
				if _, dup := blocks[curName]; dup {
					return nil, fmt.Errorf("%s:%d: snippet name %q used twice", path, cur.line, curName)
				}
				blocks[curName] = cur
			}
			inFence, inGo = false, false
		case inFence:
			if inGo {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		case strings.HasPrefix(trimmed, "```"):
			inFence = true
			if strings.TrimPrefix(trimmed, "```") == "go" {
				if marker == "" && markerErr == nil {
					markerErr = fmt.Errorf("%s:%d: a ```go block without a `<!-- snippet: NAME -->` line before it", path, lineNo)
				}
				inGo, curName = true, marker
				cur = snippet{file: path, line: lineNo}
				body.Reset()
			}
			marker = ""
		case snippetMarker.MatchString(trimmed):
			marker = snippetMarker.FindStringSubmatch(trimmed)[1]
		case trimmed != "":
			marker = ""
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inFence {
		return nil, fmt.Errorf("%s: unterminated code fence", path)
	}
	return blocks, markerErr
}

// snippetRegions collects the README regions of every _test.go file under root.
func snippetRegions(root string) (map[string]snippet, error) {
	regions := map[string]snippet{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") || path == "readme_test.go" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var (
			open  string
			start int
			body  strings.Builder
		)
		for i, line := range strings.Split(string(data), "\n") {
			if m := regionBegin.FindStringSubmatch(line); m != nil {
				if open != "" {
					return fmt.Errorf("%s:%d: region %q opened inside %q", path, i+1, m[1], open)
				}
				open, start = m[1], i+1
				body.Reset()
				continue
			}
			if m := regionEnd.FindStringSubmatch(line); m != nil {
				if m[1] != open {
					return fmt.Errorf("%s:%d: `README:end %s` does not close %q", path, i+1, m[1], open)
				}
				if prev, dup := regions[open]; dup {
					return fmt.Errorf("%s:%d: region %q also in %s:%d", path, start, open, prev.file, prev.line)
				}
				regions[open] = snippet{file: path, line: start, text: body.String()}
				open = ""
				continue
			}
			if open != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if open != "" {
			return fmt.Errorf("%s:%d: region %q is never closed", path, start, open)
		}
		return nil
	})
	return regions, err
}

// normaliseSnippet makes a gofmt-formatted region and its README copy comparable: gofmt indents with
// tabs and the README with four spaces, and a region sits indented inside a test function.
func normaliseSnippet(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		rest := strings.TrimLeft(l, "\t")
		lines[i] = strings.TrimRight(strings.Repeat("    ", len(l)-len(rest))+rest, " \t")
	}
	indent := -1
	for _, l := range lines {
		if l == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

// lineDiff shows the lines that differ, README first.
func lineDiff(readme, code string) string {
	a, b := strings.Split(readme, "\n"), strings.Split(code, "\n")
	var out []string
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("  line %d\n    README: %q\n    code:   %q", i+1, x, y))
		}
		if len(out) == 5 {
			out = append(out, "  …")
			break
		}
	}
	return strings.Join(out, "\n")
}

func TestREADMESnippetParser(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "README.md")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(md, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# x\n<!-- snippet: one -->\n```go\nfunc f() {\n    g()\n}\n```\n\n```\nnot go\n```\n")
	blocks, err := readmeGoBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks["one"].text != "func f() {\n    g()\n}\n" || blocks["one"].line != 3 {
		t.Fatalf("blocks = %#v", blocks)
	}
	if got, want := normaliseSnippet("\t\tfunc f() {\n\t\t\tg()\n\t\t}\n"), normaliseSnippet(blocks["one"].text); got != want {
		t.Fatalf("tab-indented region %q != README block %q", got, want)
	}
	for _, bad := range []string{
		"```go\nx\n```\n", // no marker
		"<!-- snippet: a -->\n\ntext\n```go\nx\n```\n",                             // a marker that belongs to nothing
		"<!-- snippet: a -->\n```go\nx\n```\n<!-- snippet: a -->\n```go\ny\n```\n", // twice
		"<!-- snippet: a -->\n```go\nx\n",                                          // unterminated
	} {
		write(bad)
		if _, err := readmeGoBlocks(md); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
	names := func(m map[string]snippet) []string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		sort.Strings(s)
		return s
	}
	if err := os.WriteFile(filepath.Join(dir, "a_test.go"), []byte("package a\n// README:begin one\nfunc f() {\n\tg()\n}\n// README:end one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	regions, err := snippetRegions(dir)
	if err != nil || strings.Join(names(regions), ",") != "one" || regions["one"].text != "func f() {\n\tg()\n}\n" {
		t.Fatalf("regions = %#v, %v", regions, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b_test.go"), []byte("package a\n// README:begin two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := snippetRegions(dir); err == nil {
		t.Fatal("an unclosed region was accepted")
	}
}
