package tvauth_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
)

// TestChangelog holds CHANGELOG.md to its promises: the newest version heading is tvauth.Version, and
// every entry under Changed or Removed says what a user has to do (its "Migration:").
func TestChangelog(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$`).FindStringSubmatch(string(b))
	if heading == nil {
		t.Fatal("CHANGELOG.md has no version heading of the form ## [X.Y.Z] - YYYY-MM-DD")
	}
	if heading[1] != tvauth.Version {
		t.Errorf("the newest CHANGELOG.md entry is %s, tvauth.Version is %s", heading[1], tvauth.Version)
	}
	section := ""
	for _, entry := range changelogEntries(string(b)) {
		if strings.HasPrefix(entry, "### ") {
			section = entry
			continue
		}
		if (section == "### Changed" || section == "### Removed") && !strings.Contains(entry, "Migration:") {
			t.Errorf("%s entry without a Migration: %.80s…", section, entry)
		}
	}
}

// changelogEntries returns the section headings and the bullet entries (continuation lines joined).
func changelogEntries(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			out = append(out, strings.TrimSpace(line))
		case strings.HasPrefix(line, "- "):
			out = append(out, line)
		case strings.HasPrefix(line, "  ") && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "- "):
			out[len(out)-1] += " " + strings.TrimSpace(line)
		}
	}
	return out
}
