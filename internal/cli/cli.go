// Package cli implements the binary's commands. main.go only hands it the
// arguments, the standard streams and the files embedded in the binary.
package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"sort"

	"github.com/imageshare/ecs-image-share/internal/function"
)

// Env is what a command may touch: nothing global.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads the process environment (os.Getenv in main).
	Getenv func(string) string
	// Files holds the defaults embedded in the binary: the demo world,
	// policy and events under testdata/.
	Files fs.FS
	// Stdin is read for apply's confirmation; Interactive says that it and
	// stderr are a terminal (a person can answer). Not interactive, apply
	// does not ask.
	Stdin       io.Reader
	Interactive bool
	// Interrupt, when set, returns a context cancelled on SIGINT or SIGTERM
	// (signal.NotifyContext in main). Commands run under it; the function
	// does not: installing signal handlers starts an OS thread, measured at
	// about 0.3 ms, a tenth of a hello-world's cold start, and the function
	// has nothing to stop cleanly (it answers each invocation only once its
	// outcomes are published; the default on SIGTERM is to exit).
	Interrupt func(context.Context) (context.Context, context.CancelFunc)
	// StderrTerminal says that stderr is a terminal (progress.IsTerminal in
	// main): long runs then draw a progress bar there, and write nothing
	// extra otherwise.
	StderrTerminal bool
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, env Env) int
}

func commands() map[string]command {
	return map[string]command{
		"emulate":  {"serve the emulated ECS and MNS APIs on one address", runEmulate},
		"local":    {"run the function on the embedded emulator, on the demo or given events", runLocal},
		"plan":     {"print what the function would change (read-only)", planCommand(false)},
		"apply":    {"bring images in line with the policy and print the outcomes", planCommand(true)},
		"validate": {"check a policy file", runValidate},
	}
}

// Run runs the command named by args[0] and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	cmds := commands()
	if len(args) == 0 && env.Getenv("FC_RUNTIME_API") != "" {
		return function.Run(env.Getenv, env.Stderr)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "unknown command %q\n\n", args[0])
		usage(env.Stderr, cmds)
		return 2
	}
	if env.Interrupt != nil {
		var stop context.CancelFunc
		ctx, stop = env.Interrupt(ctx)
		defer stop()
	}
	return c.run(ctx, args[1:], env)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: ecs-image-share <command> [flags]")
	fmt.Fprintln(w, "\nUnder Function Compute (FC_RUNTIME_API set) it runs as the function.")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
}
