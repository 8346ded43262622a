package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binaries are the function and a minimal fc.Start hello-world, built in the
// same run by the same toolchain with the same flags, so that their start
// times, sizes and memory compare like with like.
type Binaries struct {
	Function string
	Hello    string
}

const (
	// functionPackage is what s.yaml's pre-deploy builds and deploys: the
	// function without the workstation commands (the deploy tests keep the
	// two in step).
	functionPackage = "./cmd/function"
	// helloPackage is the minimal go1 function the FC runtime tests use.
	helloPackage = "./internal/emulator/fcrt/testdata/hello"
)

// Build compiles both binaries into dir, as Function Compute's go1 runtime
// wants them: static (CGO_ENABLED=0) for linux on this machine's arch.
func Build(ctx context.Context, dir string) (Binaries, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{Function: filepath.Join(dir, "function"), Hello: filepath.Join(dir, "hello")}
	for out, pkg := range map[string]string{b.Function: functionPackage, b.Hello: helloPackage} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return Binaries{}, fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// moduleRoot is the folder of the module's go.mod, wherever the harness runs
// from (the repository root for the command, the package folder for tests).
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the module: run from the repository")
	}
	return filepath.Dir(mod), nil
}
