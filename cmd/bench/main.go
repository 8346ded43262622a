// Command bench measures the product against the API's limits and its
// peers, soaks the compiled function in injected faults, and prints a
// markdown table of every figure beside its reference:
//
//	go run ./cmd/bench [-quick] [-soak-only] [-soak-events 2000] [-soak-timeout 5m] [-charts docs]
//
// It exits 1 when a soak invariant fails and 2 when a measurement could not
// run; a missed performance target is reported in the table, not in the
// exit status. Run it from the repository (it builds the function).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/imageshare/ecs-image-share/internal/bench"
	"github.com/imageshare/ecs-image-share/internal/progress"
)

func main() {
	var cfg bench.Config
	flag.BoolVar(&cfg.Quick, "quick", false, "small sizes: a minute or so instead of several")
	flag.IntVar(&cfg.SoakEvents, "soak-events", 0, "events the soak delivers (default 2000, 200 with -quick)")
	flag.DurationVar(&cfg.SoakTimeout, "soak-timeout", 5*time.Minute, "bound on the soak")
	flag.IntVar(&cfg.BulkImages, "bulk-images", 0, "images the bulk sweep reconciles (default 2000, 200 with -quick)")
	flag.Float64Var(&cfg.BulkRate, "rate", 0, "N: the emulated ECS limit in calls per second of each API (default 200, 100 with -quick)")
	flag.IntVar(&cfg.BulkWorkers, "workers", 0, "function instances draining the work queue in the bulk sweep (default 4)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of every generated workload and fault plan")
	flag.BoolVar(&cfg.SoakOnly, "soak-only", false, "run only the soaks (at 660 s and 30 s work-queue visibility)")
	out := flag.String("o", "", "also write the table to this file")
	charts := flag.String("charts", "", "also draw the results as SVG charts into this folder (e.g. docs)")
	flag.Parse()

	cfg.Command = strings.TrimSpace("go run ./cmd/bench " + strings.Join(os.Args[1:], " "))
	cfg.Progress = os.Stderr
	cfg.ProgressTerminal = progress.IsTerminal(os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := bench.Run(ctx, cfg)
	rep.Markdown(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err == nil {
			rep.Markdown(f)
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
	}
	if *charts != "" {
		paths, err := bench.WriteCharts(rep.Figures, *charts)
		for _, p := range paths {
			fmt.Fprintf(os.Stderr, "bench: wrote %s\n", p)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
	}
	switch {
	case len(rep.Violations) > 0:
		os.Exit(1)
	case len(rep.Errors) > 0:
		os.Exit(2)
	}
}
