package request

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSeedCorpus keeps the fuzz seeds honest: files named valid-* parse and
// files named invalid-* do not, so the corpus covers both sides.
func TestSeedCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		body := readSeed(t, file)
		_, err := Parse(body)
		switch {
		case strings.HasPrefix(name, "valid-") && err != nil:
			t.Errorf("%s: %v", name, err)
		case strings.HasPrefix(name, "invalid-") && err == nil:
			t.Errorf("%s: parsed, want an error", name)
		case !strings.HasPrefix(name, "valid-") && !strings.HasPrefix(name, "invalid-"):
			t.Errorf("%s: name a seed valid-* or invalid-*", name)
		}
	}
}

// readSeed reads a one-value []byte seed in the "go test fuzz v1" format.
func readSeed(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	header, value, _ := strings.Cut(string(data), "\n")
	value = strings.TrimSpace(value)
	if header != "go test fuzz v1" || !strings.HasPrefix(value, "[]byte(") || !strings.HasSuffix(value, ")") {
		t.Fatalf("%s: not a one-value []byte seed", file)
	}
	s, err := strconv.Unquote(value[len("[]byte(") : len(value)-1])
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return []byte(s)
}
