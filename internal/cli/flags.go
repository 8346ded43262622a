package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/imageshare/ecs-image-share/internal/suggest"
)

// parseFlags parses args with fl and, for a flag it does not know, says
// which one was probably meant. Help goes to out and is flag.ErrHelp;
// any other error is returned with the hint, for the caller to print once.
func parseFlags(fl *flag.FlagSet, args []string, out io.Writer) error {
	fl.SetOutput(io.Discard) // the package would print the error and the whole usage
	fl.Usage = func() {}
	err := fl.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(out, "usage of %s:\n", fl.Name())
		fl.SetOutput(out)
		fl.PrintDefaults()
		return err
	}
	if err == nil {
		return nil
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var known []string
		fl.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		msg = "unknown flag --" + name
		if s := suggest.Closest(name, known); s != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", s)
		}
	}
	return fmt.Errorf("%s; see %s --help", msg, fl.Name())
}
