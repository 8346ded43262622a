// Package docs holds the project's reference pages. Its only code is this
// test, which keeps the README and every page pointing at files that exist.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink matches a markdown link's target: [text](target). Reference-style
// links are not used in this repository.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestRelativeLinksResolve fails for every relative link in README.md and
// docs/*.md whose file does not exist. Anchors are not checked: a renamed
// heading costs a reader a scroll, a missing file costs them the page.
func TestRelativeLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join("..", "README.md"))
	if len(pages) < 2 {
		t.Fatalf("found only %v: the test runs from docs/", pages)
	}
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(text), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			path := filepath.Join(filepath.Dir(page), filepath.FromSlash(target))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %q: %v", page, m[1], err)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no relative link found: the pattern no longer matches the pages")
	}
	t.Logf("%d relative links in %d pages resolve", checked, len(pages))
}
