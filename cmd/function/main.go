// Command function is what the deployment runs under Function Compute: the
// function alone, without the workstation commands (local, emulate, plan,
// apply, validate) and the emulator and progress display they link. Fewer
// packages to initialise and a smaller binary to load make its cold start
// shorter; s.yaml's pre-deploy builds it (see docs/deployment.md).
package main

import (
	"os"

	"github.com/imageshare/ecs-image-share/internal/function"
)

func main() {
	os.Exit(function.Run(os.Getenv, os.Stderr))
}
