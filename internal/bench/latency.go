package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// LatencyConfig sizes the latency measurement.
type LatencyConfig struct {
	Accounts int           // accounts the new image is shared with (default 50)
	PerCall  time.Duration // latency the emulator adds to every call (default 20ms)
	Runs     int           // repetitions; the median is reported (default 5)
}

// LatencyResult is the median time to share one new image, per strategy.
type LatencyResult struct {
	Config  LatencyConfig
	Minimum int // minimum Modify calls: ceil(Accounts/10)
	// Bound is (Minimum + 2) × PerCall: the two reads (DescribeImages,
	// DescribeImageSharePermission) and the minimum writes, back to back.
	Bound      time.Duration
	Strategies []LatencyStrategy
}

// LatencyStrategy is one strategy's median time, calls and shortfall.
type LatencyStrategy struct {
	Strategy string
	Median   time.Duration
	Calls    map[string]int // ECS calls per API in one run
	NotDone  int            // accounts not shared at the end of a run
}

// Latency shares a new image with cfg.Accounts accounts, every emulated
// call taking cfg.PerCall, with the product and with the peers.
func Latency(ctx context.Context, cfg LatencyConfig) (*LatencyResult, error) {
	if cfg.Accounts <= 0 {
		cfg.Accounts = 50
	}
	if cfg.PerCall <= 0 {
		cfg.PerCall = 20 * time.Millisecond
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 5
	}
	minimum := ceilDiv(cfg.Accounts, 10)
	res := &LatencyResult{Config: cfg, Minimum: minimum, Bound: time.Duration(minimum+2) * cfg.PerCall}
	for _, s := range []struct {
		name  string
		apply strategy
	}{{stratProduct, productStrategy(ctx)}, {stratPerAccount, perAccount}, {stratWholeList, wholeList}} {
		r, err := latencyOf(cfg, s.name, s.apply)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		res.Strategies = append(res.Strategies, r)
	}
	return res, nil
}

func latencyOf(cfg LatencyConfig, name string, apply strategy) (LatencyStrategy, error) {
	want := accounts(2, 1, cfg.Accounts+1)
	e, err := startEmu(newWorld(want), emulator.Options{})
	if err != nil {
		return LatencyStrategy{}, err
	}
	defer e.Close()
	c, err := e.ecsClient()
	if err != nil {
		return LatencyStrategy{}, err
	}
	// One call without latency first, so that connection set-up is not timed:
	// a warm function instance has its connections open.
	e.ECS.PutImage(world.Image{ID: "m-warm"})
	_ = modify(c, "m-warm", want[:1], nil)
	e.Faults.SetLatency("*", cfg.PerCall)

	out := LatencyStrategy{Strategy: name}
	var times []time.Duration
	for i := range cfg.Runs {
		id := fmt.Sprintf("m-new-%03d", i)
		e.ECS.PutImage(world.Image{ID: id})
		e.Faults.ResetCounts()
		start := time.Now()
		apply(c, shareWork{image: id, desired: want}, want, nil)
		times = append(times, time.Since(start))
		out.Calls = e.Faults.Counts()
		out.NotDone = 0
		for _, a := range want {
			if !slices.Contains(e.ECS.SharedWith(id), a) {
				out.NotDone++
			}
		}
	}
	slices.Sort(times)
	out.Median = times[len(times)/2]
	return out, nil
}

// Rows reports each strategy's median beside (minimum + 2) × latency.
func (r *LatencyResult) Rows() []Row {
	var rows []Row
	for _, s := range r.Strategies {
		calls := s.Calls[describeImgAPI] + s.Calls[describeShareAPI] + s.Calls[modifyAPI]
		note := fmt.Sprintf("%d ECS calls (%d Describe, %d Modify)", calls, calls-s.Calls[modifyAPI], s.Calls[modifyAPI])
		if s.NotDone > 0 {
			note += fmt.Sprintf("; %d of %d accounts NOT shared", s.NotDone, r.Config.Accounts)
		}
		target := ""
		if s.Strategy == stratProduct {
			target = fmt.Sprintf("≥ %.2f: %d calls, the verification read included", float64(r.Minimum+3)/float64(r.Minimum+2), r.Minimum+3)
		}
		rows = append(rows, Row{
			Figure:    fmt.Sprintf("one new image, %d accounts, %s per call — %s", r.Config.Accounts, r.Config.PerCall, s.Strategy),
			Measured:  ms(s.Median) + fmt.Sprintf(" (median of %d)", r.Config.Runs),
			Reference: fmt.Sprintf("%s = (%d + 2) × %s", ms(r.Bound), r.Minimum, r.Config.PerCall),
			Ratio:     ratio(float64(s.Median), float64(r.Bound)),
			Target:    target,
			Note:      note,
		})
	}
	return rows
}
