package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/imageshare/ecs-image-share/internal/progress"
)

// Config chooses the sizes of one run of the harness.
type Config struct {
	// Quick runs every measurement small (a minute or so); the defaults are
	// the sizes.
	Quick       bool
	SoakEvents  int
	SoakTimeout time.Duration
	BulkImages  int
	BulkRate    float64 // N, calls per second of each ECS API
	BulkWorkers int
	Seed        uint64
	// SoakOnly skips every measurement but the soaks.
	SoakOnly bool
	// Command is how the run was started, for the report.
	Command string
	// Progress receives a line per measurement as it starts; nil discards.
	Progress io.Writer
	// ProgressTerminal says that Progress is a terminal: a bar over the
	// measurements is drawn there as well (progress.IsTerminal in cmd/bench).
	ProgressTerminal bool
}

// benchSteps is the number of measurements Run reports progress on: build,
// efficiency, distribution, latency, cold start, memory, three bulk sweeps,
// two soaks; with SoakOnly, build and the two soaks.
func benchSteps(soakOnly bool) int {
	if soakOnly {
		return 3
	}
	return 11
}

// steps reports each measurement's start and duration on w, one line each,
// and on a terminal also a bar over all of them.
type steps struct {
	w   io.Writer
	bar *progress.Bar
}

func newSteps(w io.Writer, terminal bool, total int) *steps {
	return &steps{w: w, bar: progress.New(w, terminal, total, "bench")}
}

// start announces a measurement; the function it returns announces its end.
func (s *steps) start(name string) func() {
	_ = s.bar.Print(s.w, fmt.Sprintf("== %s ...\n", name))
	s.bar.Describe(name)
	t := time.Now()
	return func() {
		_ = s.bar.Print(s.w, fmt.Sprintf("   %s took %s\n", name, time.Since(t).Round(time.Millisecond)))
		s.bar.Add(1)
	}
}

// finish takes the bar off the terminal.
func (s *steps) finish() { s.bar.Finish() }

func (c *Config) defaults() {
	def := func(v *int, full, quick int) {
		if *v <= 0 {
			*v = full
			if c.Quick {
				*v = quick
			}
		}
	}
	def(&c.SoakEvents, 2000, 200)
	def(&c.BulkImages, 2000, 200)
	def(&c.BulkWorkers, 4, 4)
	if c.BulkRate <= 0 {
		c.BulkRate = 200
		if c.Quick {
			c.BulkRate = 100
		}
	}
	if c.SoakTimeout <= 0 {
		c.SoakTimeout = 5 * time.Minute
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Run measures everything and returns the report. Measurement errors are in
// Report.Errors; failed soak invariants in Report.Violations.
func Run(ctx context.Context, cfg Config) *Report {
	cfg.defaults()
	rep := &Report{Command: cfg.Command, Machine: ThisMachine(), Started: time.Now()}
	defer func() { rep.Elapsed = time.Since(rep.Started) }()
	st := newSteps(cfg.Progress, cfg.ProgressTerminal, benchSteps(cfg.SoakOnly))
	defer st.finish()
	step := st.start
	fail := func(name string, err error) { rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", name, err)) }
	n := func(full, quick int) int {
		if cfg.Quick {
			return quick
		}
		return full
	}

	done := step("build")
	dir, err := os.MkdirTemp("", "bench-bin-")
	if err != nil {
		fail("build", err)
		return rep
	}
	defer os.RemoveAll(dir)
	bins, err := Build(ctx, dir)
	done()
	if err != nil {
		fail("build", err)
		return rep
	}

	if cfg.SoakOnly {
		runSoaks(ctx, cfg, bins, rep, step, fail, n)
		return rep
	}

	done = step("efficiency")
	if r, err := Efficiency(ctx, EfficiencyConfig{Images: n(200, 40), Seed: cfg.Seed}); err != nil {
		fail("efficiency", err)
	} else {
		rep.Figures.Efficiency = r
		rep.Sections = append(rep.Sections, Section{"API efficiency: ModifyImageSharePermission calls against ceil(max(adds, removes)/10)", r.Rows()})
	}
	done()

	done = step("distribution")
	if r, err := Distribute(ctx, DistributeConfig{}); err != nil {
		fail("distribution", err)
	} else {
		rep.Sections = append(rep.Sections, Section{"Distribution: one new image copied to 3 regions (copyTo) and shared with 50 accounts in each, copies taking 5 min", r.Rows()})
	}
	done()

	done = step("latency")
	if r, err := Latency(ctx, LatencyConfig{Runs: n(5, 3)}); err != nil {
		fail("latency", err)
	} else {
		rep.Figures.Latency = r
		rep.Sections = append(rep.Sections, Section{"Latency: one new image, 50 accounts, 20 ms per emulated call", r.Rows()})
	}
	done()

	done = step("cold start")
	var helloPeak int64
	if r, err := ColdStart(ctx, ColdStartConfig{Binaries: bins, Runs: n(101, 3)}); err != nil {
		fail("cold start", err)
	} else {
		helloPeak = r.Hello.Peak
		rep.Sections = append(rep.Sections, Section{"Cold start and size: the function against a hello-world fc.Start binary", r.Rows()})
	}
	done()

	done = step("memory")
	if r, err := Memory(ctx, MemoryConfig{Binary: bins.Function, Messages: 100, HelloPeak: helloPeak, Seed: cfg.Seed}); err != nil {
		fail("memory", err)
	} else {
		rep.Sections = append(rep.Sections, Section{"Memory", r.Rows()})
	}
	done()

	var bulkRows []Row
	bulks := map[string]*BulkResult{}
	for _, mode := range []BulkConfig{{}, {SharedBudget: true}, {Oversubscribe: true}} {
		mode.Binary, mode.Images, mode.Rate, mode.Workers, mode.Seed = bins.Function, cfg.BulkImages, cfg.BulkRate, cfg.BulkWorkers, cfg.Seed
		done = step("bulk, " + mode.Mode())
		r, err := Bulk(ctx, mode)
		done()
		if err != nil {
			fail("bulk", err)
			continue
		}
		bulks[mode.Mode()] = r
		rep.Figures.Bulk = append(rep.Figures.Bulk, r)
		bulkRows = append(bulkRows, r.Rows()...)
	}
	if per, shared := bulks[BulkConfig{}.Mode()], bulks[BulkConfig{SharedBudget: true}.Mode()]; per != nil && shared != nil {
		bulkRows = append(bulkRows, BulkComparison(per, shared))
	}
	rep.Sections = append(rep.Sections, Section{"Bulk: a timer sweep fanned out through the work queue, under a rate limit", bulkRows})

	runSoaks(ctx, cfg, bins, rep, step, fail, n)
	return rep
}

// runSoaks runs the fault soak twice: with the work queue as deployed (660 s
// visibility timeout) and at MNS's default (30 s), where a function that
// held messages while waiting for images would be handed them again.
func runSoaks(ctx context.Context, cfg Config, bins Binaries, rep *Report, step func(string) func(), fail func(string, error), n func(int, int) int) {
	for _, vis := range []time.Duration{660 * time.Second, 30 * time.Second} {
		done := step(fmt.Sprintf("soak (%d events, work queue visibility %s)", cfg.SoakEvents, vis))
		r, err := Soak(ctx, SoakConfig{Binary: bins.Function, Events: cfg.SoakEvents, Images: n(120, 40), Seed: cfg.Seed,
			Timeout: cfg.SoakTimeout, WorkVisibility: vis})
		done()
		if err != nil {
			fail("soak", err)
			return
		}
		rep.Sections = append(rep.Sections, Section{fmt.Sprintf("Fault soak, work queue visibility %s: the compiled function under Throttling, 5xx, timeouts, resets, not-ready images, unknown accounts, MNS failures, duplicates, several writers on one image", vis), r.Rows()})
		for _, v := range r.Violations() {
			rep.Violations = append(rep.Violations, fmt.Sprintf("visibility %s: %s", vis, v))
		}
	}
}
