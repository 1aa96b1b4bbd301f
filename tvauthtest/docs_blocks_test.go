package tvauthtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The testing guide's Go blocks are code of this package's tests, word for word, as readme_test.go
// checks README.md's: in docs/testing.md a ```go block follows a `<!-- snippet: NAME -->` line, and
// in some _test.go file here the same code sits between `// docs:begin NAME` and `// docs:end NAME`
// (indented as it is inside a function; the guide indents with four spaces, gofmt with tabs).
func TestDocsTestingBlocks(t *testing.T) {
	const guide = "../docs/testing.md"
	md, err := os.ReadFile(guide)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("not in the tvauth repository:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]string{}
	var name, body string
	inGo, inFence := false, false
	for i, line := range strings.Split(string(md), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case inFence && strings.HasPrefix(trimmed, "```"):
			if inGo {
				if _, dup := blocks[name]; dup {
					t.Errorf("%s:%d: snippet %q twice", guide, i+1, name)
				}
				blocks[name] = body
			}
			inFence, inGo = false, false
		case inFence:
			body += line + "\n"
		case trimmed == "```go":
			if name == "" {
				t.Errorf("%s:%d: a Go block without a <!-- snippet: NAME --> line before it", guide, i+1)
			}
			inFence, inGo, body = true, true, ""
		case strings.HasPrefix(trimmed, "```"):
			inFence, name = true, ""
		case strings.HasPrefix(trimmed, "<!-- snippet: ") && strings.HasSuffix(trimmed, " -->"):
			name = strings.TrimSuffix(strings.TrimPrefix(trimmed, "<!-- snippet: "), " -->")
		case trimmed != "":
			name = ""
		}
	}
	if inFence {
		t.Errorf("%s: a code fence is never closed", guide)
	}
	regions := map[string]string{}
	files, _ := filepath.Glob("*_test.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		open := ""
		for _, line := range strings.Split(string(b), "\n") {
			switch tl := strings.TrimSpace(line); {
			case strings.HasPrefix(tl, "// docs:begin "):
				open = strings.TrimPrefix(tl, "// docs:begin ")
				regions[open] = ""
			case strings.HasPrefix(tl, "// docs:end "):
				open = ""
			case open != "":
				regions[open] += line + "\n"
			}
		}
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no Go block: the parser is broken", guide)
	}
	for name, block := range blocks {
		region, ok := regions[name]
		if !ok {
			t.Errorf("%s: block %q has no `// docs:begin %s` region in this package's tests", guide, name, name)
		} else if got, want := normaliseBlock(block), normaliseBlock(region); got != want {
			t.Errorf("%s: block %q differs from its region:\n%s\n----\n%s", guide, name, got, want)
		}
	}
	for name := range regions {
		if _, ok := blocks[name]; !ok {
			t.Errorf("region %q is not shown in %s", name, guide)
		}
	}
}

// normaliseBlock makes a gofmt-formatted region and its Markdown copy comparable: tabs as four
// spaces, the indentation common to every line removed, no trailing spaces or blank lines.
func normaliseBlock(s string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\t", "    "), "\n "), "\n")
	indent := -1
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
		if lines[i] == "" {
			continue
		}
		if n := len(lines[i]) - len(strings.TrimLeft(lines[i], " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}
