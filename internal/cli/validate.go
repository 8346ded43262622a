package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/imageshare/ecs-image-share/policy"
)

// runValidate checks a policy: exit 0 and a summary, or exit 1 and every
// problem as file:line:column: message.
func runValidate(_ context.Context, args []string, env Env) int {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	path := fl.String("policy", "", "policy file (YAML or JSON)")
	if err := parseFlags(fl, args, env.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "validate: %v\n", err)
		return 2
	}
	if *path == "" || fl.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "usage: validate --policy FILE")
		return 2
	}
	p, err := policy.Load(*path)
	var ve *policy.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, pr := range ve.Problems {
			fmt.Fprintln(env.Stderr, pr.String())
		}
		fmt.Fprintf(env.Stderr, "%s: %d problem(s)\n", *path, len(ve.Problems))
		return 1
	case err != nil:
		fmt.Fprintf(env.Stderr, "validate: %v\n", err)
		return 1
	}
	for _, w := range p.Warnings() {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w.String())
	}
	fmt.Fprintf(env.Stdout, "%s: valid: %s\n", *path, p.Summary().String())
	return 0
}
