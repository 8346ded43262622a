package fcrt

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// helloBinary is the testdata function, built once for the package's tests;
// empty when no go tool is on PATH (those tests then skip).
var helloBinary string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "fcrt-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "hello")
	if out, err := exec.Command(goTool, "build", "-o", bin, "./testdata/hello").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building testdata/hello: %v\n%s", err, out)
		return 1
	}
	helloBinary = bin
	return m.Run()
}
