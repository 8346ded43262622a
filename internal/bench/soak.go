package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// SoakConfig sizes the fault soak.
type SoakConfig struct {
	Binary    string
	Events    int     // events delivered, duplicates not counted (default 2000)
	Images    int     // images in the world (default 120)
	Instances int     // function processes (default 2)
	Streams   int     // deliveries in flight at once (default 4)
	FaultRate float64 // multiplies the fault probabilities (default 1)
	Seed      uint64
	Timeout   time.Duration // bound on the whole soak (default 5m)
	// WorkVisibility is the work queue's VisibilityTimeout (default 660s,
	// as deployed; MNS's own default is 30s).
	WorkVisibility time.Duration
}

// SoakResult is how the soak went and its tally.
type SoakResult struct {
	Config      SoakConfig
	Elapsed     time.Duration
	Emulated    time.Duration // emulated time that passed (deferrals, visibility timeouts)
	Tally       *Tally
	Invocations int
	Failed      int            // invocations that failed or timed out
	Deliveries  map[string]int // per source: ActionTrail, direct, topic payloads, queue batches
	Unacked     int            // successful queue deliveries deliberately not acknowledged
	Dead        int            // events given up: after maxTries failed invocations, or dead-lettered by EventBridge
	// DeadLetterQueue is how many messages reached the dead-letter queue:
	// queue batches the EventBridge source gave up on after BACKOFF_RETRY.
	DeadLetterQueue int
	// BatchRetries is how many times a failed queue batch was delivered again.
	BatchRetries int
	Undelivered  int            // events never delivered successfully (the soak ran out of time)
	Faults       map[string]int // faults added, by API and code
	ECS          map[string]map[string]int
	Incomplete   string
	Errors       []string // the first invocation errors
	// Bursts are requests sent back to back with others on one image;
	// Sweeps are timer events.
	Bursts, Sweeps int
}

const (
	soakInvocationTimeout = 60 * time.Second
	maxTries              = 6 // FC's async retries, then the failure destination
)

// Soak delivers cfg.Events events to the compiled function under injected
// faults, drains every queue, and tallies the invariants.
func Soak(ctx context.Context, cfg SoakConfig) (*SoakResult, error) {
	if cfg.Events <= 0 {
		cfg.Events = 2000
	}
	if cfg.Images <= 0 {
		cfg.Images = 120
	}
	if cfg.Instances <= 0 {
		cfg.Instances = 2
	}
	if cfg.Streams <= 0 {
		cfg.Streams = 4
	}
	if cfg.FaultRate == 0 {
		cfg.FaultRate = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.WorkVisibility <= 0 {
		cfg.WorkVisibility = 660 * time.Second
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 7))
	images := soakImages(cfg.Images, rnd)
	events := soakEvents(cfg.Events, images, rnd)
	pol, err := policy.Parse("soak-policy.yaml", []byte(soakPolicy()))
	if err != nil {
		return nil, fmt.Errorf("soak policy: %w", err)
	}

	w := newWorld(slices.Concat(soakMembers, soakExtras, soakUnshare, []string{soakStranger}),
		world.Queue{Name: inputQueue, VisibilityTimeout: world.Duration(cfg.WorkVisibility)}, world.Queue{Name: workQueue, VisibilityTimeout: world.Duration(cfg.WorkVisibility)}, world.Queue{Name: outcomeQueue},
		world.Queue{Name: deadLetters, MaximumMessageSize: 65536})
	// Sizes set explicitly: world.Parse would default them, a world built in
	// Go gets no defaults (a topic's maximum would be 0 bytes).
	w.Topics = []world.Topic{{Name: outcomeTopic, MaximumMessageSize: 65536}}
	w.Images = images
	// The ledger's bucket keeps real time: the soak moves emulated time
	// about twenty times faster than real time and in jumps of minutes,
	// which would lapse the function's claims (leased until its invocation's
	// real deadline) while their holders are still at work.
	e, err := startEmu(w, emulator.Options{BucketClock: clock.System{}})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	dir, err := os.MkdirTemp("", "bench-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	policyPath, err := writePolicy(dir, soakPolicy())
	if err != nil {
		return nil, err
	}
	f, err := startFleet(cfg.Binary, cfg.Instances, functionEnv(e, policyPath,
		"OUTCOME_TOPIC="+outcomeTopic, "ECS_CALLS_PER_SECOND=1000",
		"DEFER_ATTEMPTS=4", "DEFER_DELAY_SECONDS=60", "DEFER_MAX_DELAY_SECONDS=240"))
	if err != nil {
		return nil, err
	}
	defer f.stop()

	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r := &soakRun{
		cfg: cfg, e: e, ctx: runCtx, jobs: make(chan func(*soakWorker)),
		attempted: map[string]bool{}, delivered: map[string]bool{}, dead: map[string]bool{},
		messageKeys: map[string]string{}, deliveries: map[string]int{}, queued: map[string]queuedAttempt{},
	}
	var workers sync.WaitGroup
	for i := range cfg.Streams {
		wk, err := r.newWorker(f[i%len(f)], i)
		if err != nil {
			return nil, err
		}
		workers.Add(1)
		go func() {
			defer workers.Done()
			for j := range r.jobs {
				j(wk)
			}
		}()
	}

	start := time.Now()
	plan := &faultPlan{rnd: rand.New(rand.NewPCG(cfg.Seed, 11)), rate: cfg.FaultRate, added: map[string]int{}}
	r.deliverAll(events, plan)
	r.drain()
	close(r.jobs)
	workers.Wait()

	res := &SoakResult{
		Config: cfg, Elapsed: time.Since(start), Emulated: e.Clock.Now().Sub(w.StartTime),
		Deliveries: r.deliveries, Unacked: r.unacked, Dead: len(r.dead), Faults: plan.added, ECS: e.tap.ECS(),
		DeadLetterQueue: len(e.MNS.Messages(deadLetters)), BatchRetries: r.batchRetries,
	}
	res.Invocations, res.Failed, res.Errors = r.stats.snapshot()
	for _, ev := range events {
		if ev.Burst {
			res.Bursts++
		}
		if ev.Kind == "timer" {
			res.Sweeps++
		}
	}
	if runCtx.Err() != nil && ctx.Err() == nil {
		res.Incomplete = fmt.Sprintf("the soak did not finish within %s", cfg.Timeout)
	}
	f.stop()
	rec := &soakRecord{
		Policy: pol, Images: images, Final: map[string][]string{}, Events: events,
		Attempted: r.attempted, Delivered: r.delivered, DeadLettered: r.dead, MessageKeys: r.messageKeys,
		Modify: e.ECS.ModifyLog(), Panics: f.panics(),
	}
	for _, q := range r.queued {
		rec.Queued = append(rec.Queued, q)
	}
	for _, im := range images {
		rec.Final[im.ID] = e.ECS.SharedWith(im.ID)
	}
	for _, m := range e.MNS.Messages(outcomeQueue) {
		var o outcome.Outcome
		if err := json.Unmarshal([]byte(m.Body), &o); err != nil {
			return nil, fmt.Errorf("an outcome is not JSON: %v: %s", err, m.Body)
		}
		rec.Outcomes = append(rec.Outcomes, o)
	}
	for _, ev := range events {
		if !ev.Ignored && !r.delivered[ev.Key] && !r.dead[ev.Key] {
			res.Undelivered++
		}
	}
	res.Tally = tally(rec)
	if res.Incomplete != "" {
		res.Tally.violate(vIncomplete, "%s: %d events never delivered", res.Incomplete, res.Undelivered)
	}
	return res, nil
}
