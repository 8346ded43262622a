// Command ecs-image-share shares Alibaba Cloud ECS custom images with other
// accounts by a tag policy. Under Function Compute it is the function; on a
// workstation it is a set of commands (local, emulate, validate, plan, apply).
// See README.md.
package main

import (
	"context"
	"embed"
	"os"
	"os/signal"
	"syscall"

	"github.com/imageshare/ecs-image-share/internal/cli"
	"github.com/imageshare/ecs-image-share/internal/progress"
)

// defaults are the demo world, policy and events `local` and `emulate` use
// when no file is given, so a fresh clone runs with no set-up.
//
//go:embed testdata/world/demo.yaml testdata/demo
var defaults embed.FS

func main() {
	code := cli.Run(context.Background(), os.Args[1:], cli.Env{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Files:  defaults,
		Stdin:  os.Stdin,
		// A question is only asked of a person: both ends are terminals.
		Interactive:    isTerminal(os.Stdin) && isTerminal(os.Stderr),
		StderrTerminal: progress.IsTerminal(os.Stderr),
		Interrupt: func(ctx context.Context) (context.Context, context.CancelFunc) {
			return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		},
	})
	os.Exit(code)
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency for it.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
