package trigger

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecode: under every option, Decode never panics, returns at least one
// item, every item keeps the invariants (exactly one of Request, Sweep, Err,
// Ignore; a known trigger type; a SourceID; a valid request), and decoding
// twice gives the same items. Seeds: every payload in testdata/events and
// every request in the request package's fuzz corpus, alone and in a batch.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(eventsDir, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no payload files in %s: %v", eventsDir, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seeds, err := filepath.Glob(filepath.Join("..", "request", "testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no request fuzz corpus: %v", err)
	}
	for _, file := range seeds {
		body := readSeed(f, file)
		f.Add(body)
		f.Add([]byte("[" + string(body) + "]"))
		f.Add([]byte(`{"TopicName":"t","MessageId":"m","Message":` + q(string(body)) + `}`))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, opt := range allOptions {
			items := Decode(payload, opt)
			if len(items) == 0 {
				t.Fatalf("%+v: no items", opt)
			}
			for _, it := range items {
				invariants(t, it)
			}
			if again := Decode(payload, opt); !reflect.DeepEqual(items, again) {
				t.Fatalf("%+v: two decodings differ", opt)
			}
		}
	})
}

// readSeed reads a one-value []byte seed in the "go test fuzz v1" format.
func readSeed(f *testing.F, file string) []byte {
	f.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	header, value, _ := strings.Cut(string(data), "\n")
	value = strings.TrimSpace(value)
	if header != "go test fuzz v1" || !strings.HasPrefix(value, "[]byte(") || !strings.HasSuffix(value, ")") {
		f.Fatalf("%s: not a one-value []byte seed", file)
	}
	s, err := strconv.Unquote(value[len("[]byte(") : len(value)-1])
	if err != nil {
		f.Fatalf("%s: %v", file, err)
	}
	return []byte(s)
}
