package tvauth_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The Go code of README.md and of every guide in docs/ is tested by keeping each ```go block, word for
// word, in a Go test file, where it compiles and runs with `go test ./...`. In the Markdown a block
// follows a marker line
//
//	<!-- snippet: NAME -->
//
// and in a _test.go file somewhere in the repository (this package's for README.md and the guides of
// the root package; tvauthtest's or tvauthredis's for guides whose code needs them) the same code sits
// between the comment lines
//
//	// docs:begin NAME
//	// docs:end NAME
//
// TestDocsSnippets fails when a block has no marker, a marker has no region, a region has no block, a
// name is used twice, or a block and its region differ. Editing either side alone breaks CI, so no
// document can drift from code that compiles, and each region's test runs it (for the root package's
// regions, through runSnippet, which captures what the code prints: go test prints only package lines).

var (
	snippetMarker = regexp.MustCompile(`^<!-- snippet: ([a-z0-9-]+) -->$`)
	regionBegin   = regexp.MustCompile(`^\s*// docs:begin ([a-z0-9-]+)$`)
	regionEnd     = regexp.MustCompile(`^\s*// docs:end ([a-z0-9-]+)$`)
)

// docFiles are the Markdown files whose Go blocks are tested: README.md and every guide in docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	guides, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, guides...)
}

func TestDocsSnippets(t *testing.T) {
	blocks := map[string]snippet{}
	for _, path := range docFiles(t) {
		got, err := markdownGoBlocks(path)
		if err != nil {
			t.Error(err)
			continue
		}
		for name, b := range got {
			if prev, dup := blocks[name]; dup {
				t.Errorf("%s:%d: snippet name %q also used at %s:%d", b.file, b.line, name, prev.file, prev.line)
			}
			blocks[name] = b
		}
	}
	if len(blocks) == 0 {
		t.Fatal("no ```go block in README.md or docs/: the parser is broken")
	}
	regions, err := snippetRegions(".")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range blocks {
		r, ok := regions[name]
		if !ok {
			t.Errorf("%s:%d: snippet %q has no `// docs:begin %s` region in any _test.go file", b.file, b.line, name, name)
			continue
		}
		if got, want := normaliseSnippet(b.text), normaliseSnippet(r.text); got != want {
			t.Errorf("%s:%d: snippet %q differs from %s:%d\n%s", b.file, b.line, name, r.file, r.line, lineDiff(got, want))
		}
	}
	for name, r := range regions {
		if _, ok := blocks[name]; !ok {
			t.Errorf("%s:%d: region %q is shown in no document (add the block or remove the markers)", r.file, r.line, name)
		}
	}
}

// README.md is the front door: short, with the one command that tests everything.
func TestREADMEFrontDoor(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n > 300 {
		t.Errorf("README.md has %d lines; at most 300 (move the detail to a guide in docs/)", n)
	}
	for _, want := range []string{"go test ./...", "go run ./examples/quickstart", "go get github.com/tvauth/tvauth",
		"go install github.com/tvauth/tvauth/cmd/tvauth@latest"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("README.md lacks %q", want)
		}
	}
}

type snippet struct {
	file string
	line int
	text string
}

// markdownGoBlocks returns the ```go blocks of a Markdown file by the name of the marker before each.
func markdownGoBlocks(path string) (map[string]snippet, error) {
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
			if inGo && curName != "" {
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

// snippetRegions collects the docs regions of every _test.go file under root, other modules' included.
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
		if !strings.HasSuffix(path, "_test.go") {
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
					return fmt.Errorf("%s:%d: `docs:end %s` does not close %q", path, i+1, m[1], open)
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

// normaliseSnippet makes a gofmt-formatted region and its Markdown copy comparable: gofmt indents with
// tabs and the documents with four spaces, and a region may sit indented inside a test function.
func normaliseSnippet(s string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\t", "    "), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
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

// lineDiff shows the lines that differ, the document's first.
func lineDiff(doc, code string) string {
	a, b := strings.Split(doc, "\n"), strings.Split(code, "\n")
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
			out = append(out, fmt.Sprintf("  line %d\n    doc:  %q\n    code: %q", i+1, x, y))
		}
		if len(out) == 5 {
			out = append(out, "  …")
			break
		}
	}
	return strings.Join(out, "\n")
}

// runSnippet runs a document's code with os.Stdout captured and returns what it printed there, for
// the test to check: a snippet that prints never reaches go test's own output. Tests that use it
// must not call t.Parallel (os.Stdout is the process's).
func runSnippet(t *testing.T, f func()) (out string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		done <- string(b)
	}()
	defer func() { // also when f ends the test with t.Fatal
		os.Stdout = old
		w.Close()
		out = <-done
		if out != "" && t.Failed() {
			t.Logf("the snippet printed:\n%s", out)
		}
	}()
	f()
	return ""
}

func TestDocsSnippetParser(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "guide.md")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(md, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# x\n<!-- snippet: one -->\n```go\nfunc f() {\n    g()\n}\n```\n\n```\nnot go\n```\n")
	blocks, err := markdownGoBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks["one"].text != "func f() {\n    g()\n}\n" || blocks["one"].line != 3 {
		t.Fatalf("blocks = %#v", blocks)
	}
	if got, want := normaliseSnippet("\t\tfunc f() {\n\t\t\tg()\n\t\t}\n"), normaliseSnippet(blocks["one"].text); got != want {
		t.Fatalf("tab-indented region %q != document block %q", got, want)
	}
	for _, bad := range []string{
		"```go\nx\n```\n", // no marker
		"<!-- snippet: a -->\n\ntext\n```go\nx\n```\n",                             // a marker that belongs to nothing
		"<!-- snippet: a -->\n```go\nx\n```\n<!-- snippet: a -->\n```go\ny\n```\n", // twice
		"<!-- snippet: a -->\n```go\nx\n",                                          // unterminated
	} {
		write(bad)
		if _, err := markdownGoBlocks(md); err == nil {
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
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "a_test.go"), []byte("package a\n// docs:begin one\nfunc f() {\n\tg()\n}\n// docs:end one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	regions, err := snippetRegions(dir)
	if err != nil || strings.Join(names(regions), ",") != "one" || regions["one"].text != "func f() {\n\tg()\n}\n" {
		t.Fatalf("regions = %#v, %v", regions, err)
	}
	for name, bad := range map[string]string{
		"b_test.go": "package a\n// docs:begin two\n",                  // never closed
		"c_test.go": "package a\n// docs:begin one\n// docs:end one\n", // a name already used (in sub/)
		"d_test.go": "package a\n// docs:begin x\n// docs:begin y\n",   // nested
		"e_test.go": "package a\n// docs:begin x\n// docs:end y\n",     // closed by another name
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := snippetRegions(dir); err == nil {
			t.Errorf("%s accepted: %q", name, bad)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRunSnippetCapturesStdout(t *testing.T) {
	out := runSnippet(t, func() { fmt.Println("to the pipe, not to go test's output") })
	if out != "to the pipe, not to go test's output\n" {
		t.Fatalf("captured %q", out)
	}
	if os.Stdout == nil || runSnippet(t, func() {}) != "" {
		t.Fatal("stdout not restored, or output from an earlier run leaked into a later one")
	}
}
