package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// BulkConfig sizes the bulk measurement: a timer sweep of a fleet that fans
// out to the work queue, drained by several function instances at once,
// under an emulated ECS rate limit.
type BulkConfig struct {
	Binary  string  // the compiled function
	Images  int     // fleet size (default 2000), each wanting 0..50 accounts
	Rate    float64 // N: the emulated limit, calls per second of each ECS API (default 200)
	Workers int     // function instances draining the work queue (default 4)
	// Oversubscribe gives every instance ECS_CALLS_PER_SECOND=N, as a
	// deployment that ignores its scale-out would, instead of N/Workers.
	Oversubscribe bool
	// SharedBudget runs the instances with ECS_RATE_SCOPE=instance: one
	// budget of N/Workers for all ECS APIs together, the first release's
	// limiter, kept measurable for the comparison with per-API budgets.
	SharedBudget bool
	// BatchSize is the EventBridge source's messages per delivery (default 2:
	// 20 images, a few seconds of work, so that instances finish together).
	BatchSize int
	Seed      uint64
	Timeout   time.Duration // bound on the whole run (default 10m)
}

// BulkResult is what the sweep did and how fast.
type BulkResult struct {
	Config      BulkConfig
	Elapsed     time.Duration             // from the timer invocation to the last acknowledgement
	ECS         map[string]map[string]int // the tap: action → result → calls
	Minimum     map[string]int            // ECS calls per action the work needs at least
	Undone      int                       // images whose share list is not the policy's at the end
	Outcomes    map[outcome.Status]int
	Invocations int
	Failed      int
	Errors      []string
	Panics      []string
	PerInstance float64 // ECS_CALLS_PER_SECOND given to each instance
	// Progress is the sweep over time: seconds since the timer invocation
	// → ECS calls answered "ok" by then, one point per call.
	Progress []ProgressPoint
}

// ProgressPoint is one point of a run's progress.
type ProgressPoint struct {
	Seconds float64
	Done    int
}

// Mode names the budget the run gave its instances.
func (c BulkConfig) Mode() string {
	switch {
	case c.Oversubscribe:
		return "oversubscribed"
	case c.SharedBudget:
		return "budgeted, one budget for all APIs"
	}
	return "budgeted per API"
}

// bulkPolicy shares an image with the group its "share" tag names; group gK
// is the first K accounts.
func bulkPolicy() string {
	var b strings.Builder
	b.WriteString("version: 1\ngroups:\n")
	for k := 1; k <= 50; k++ {
		fmt.Fprintf(&b, "  g%d: [%s]\n", k, quoteAll(accounts(2, 1, k+1)))
	}
	b.WriteString("rules:\n  - name: fleet\n    match: {tags: {share: \"*\"}}\n    shareWithTagValue: share\n")
	return b.String()
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = `"` + id + `"`
	}
	return strings.Join(q, ", ")
}

// bulkFleet returns the images, each wanting K accounts, K uniform in 0..50.
func bulkFleet(n int, seed uint64) (images []world.Image, want map[string]int) {
	rnd := rand.New(rand.NewPCG(seed, 2000))
	want = map[string]int{}
	for i := range n {
		im := world.Image{ID: fmt.Sprintf("m-fleet-%05d", i)}
		if k := rnd.IntN(51); k > 0 {
			im.Tags = map[string]string{"share": fmt.Sprintf("g%d", k)}
			want[im.ID] = k
		}
		images = append(images, im)
	}
	return images, want
}

// Bulk runs the sweep.
func Bulk(ctx context.Context, cfg BulkConfig) (*BulkResult, error) {
	if cfg.Images <= 0 {
		cfg.Images = 2000
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 200
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	images, want := bulkFleet(cfg.Images, cfg.Seed)
	w := newWorld(accounts(2, 1, 51),
		world.Queue{Name: workQueue, VisibilityTimeout: world.Duration(2 * time.Minute)},
		world.Queue{Name: outcomeQueue})
	w.Images = images
	w.RateLimit = &world.RateLimit{CallsPerSecond: cfg.Rate, Burst: int(cfg.Rate)}
	e, err := startEmu(w, emulator.Options{Running: true})
	if err != nil {
		return nil, err
	}
	defer e.Close()

	dir, err := os.MkdirTemp("", "bench-bulk-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	policyPath, err := writePolicy(dir, bulkPolicy())
	if err != nil {
		return nil, err
	}
	res := &BulkResult{Config: cfg, PerInstance: cfg.Rate / float64(cfg.Workers)}
	if cfg.Oversubscribe {
		res.PerInstance = cfg.Rate
	}
	scope := "ECS_RATE_SCOPE=api"
	if cfg.SharedBudget {
		scope = "ECS_RATE_SCOPE=instance"
	}
	f, err := startFleet(cfg.Binary, cfg.Workers, functionEnv(e, policyPath,
		fmt.Sprintf("ECS_CALLS_PER_SECOND=%g", res.PerInstance), scope))
	if err != nil {
		return nil, err
	}
	defer f.stop()

	var stats invocationStats
	start := time.Now()
	timerDone := make(chan struct{})
	go func() {
		defer close(timerDone)
		tick, _ := json.Marshal(map[string]string{"triggerName": "bulk-sweep", "triggerTime": "2026-01-01T01:00:00Z", "payload": ""})
		stats.deliver(ctx, f[0], tick, cfg.Timeout)
	}()

	var (
		mu   sync.Mutex
		last = start
		wg   sync.WaitGroup
	)
	for i := range cfg.Workers {
		src, err := e.source(workQueue, cfg.BatchSize, rand.New(rand.NewPCG(1, uint64(i))))
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				b, err := src.Receive()
				if err != nil || b == nil {
					select {
					case <-timerDone:
						if len(e.MNS.Messages(workQueue)) == 0 {
							return
						}
					default:
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if stats.deliver(ctx, f[i], b.Payload, cfg.Timeout) && src.Ack(b) == nil {
					mu.Lock()
					if now := time.Now(); now.After(last) {
						last = now
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	<-timerDone
	res.Elapsed = last.Sub(start)
	if ctx.Err() != nil {
		res.Errors = append(res.Errors, fmt.Sprintf("stopped after %s: %v", cfg.Timeout, ctx.Err()))
	}

	res.ECS = e.tap.ECS()
	for i, at := range e.tap.Answered() {
		res.Progress = append(res.Progress, ProgressPoint{Seconds: at.Sub(start).Seconds(), Done: i + 1})
	}
	res.Invocations, res.Failed, res.Errors = stats.snapshot()
	res.Minimum = bulkMinimum(cfg.Images, want)
	for _, im := range images {
		got := e.ECS.SharedWith(im.ID)
		slices.Sort(got)
		if !slices.Equal(got, accounts(2, 1, want[im.ID]+1)) {
			res.Undone++
		}
	}
	res.Outcomes = map[outcome.Status]int{}
	for _, m := range e.MNS.Messages(outcomeQueue) {
		var o outcome.Outcome
		if json.Unmarshal([]byte(m.Body), &o) == nil && o.Action != outcome.ActionSweep {
			res.Outcomes[o.Status]++
		}
	}
	f.stop()
	res.Panics = f.panics()
	return res, nil
}

// bulkMinimum is the fewest ECS calls per action the sweep can make: the
// listing's pages, one DescribeImages and one DescribeImageSharePermission
// per image, the minimum Modify calls, and one verification read per image
// that changed.
func bulkMinimum(images int, want map[string]int) map[string]int {
	m := map[string]int{
		describeImgAPI:   ceilDiv(images, 100) + images,
		describeShareAPI: images,
	}
	for _, k := range want {
		m[modifyAPI] += ceilDiv(k, 10)
		m[describeShareAPI]++
	}
	return m
}

// busiest is the API with the most calls answered.
func (r *BulkResult) busiest() (string, int) {
	busiest, calls := "", 0
	for _, a := range []string{describeImgAPI, describeShareAPI, modifyAPI} {
		if n := answered(r.ECS, a); n > calls {
			busiest, calls = a, n
		}
	}
	return busiest, calls
}

// callsAgainstMinimum says, per API, the calls answered against the minimum.
func (r *BulkResult) callsAgainstMinimum() (string, bool) {
	var parts []string
	exact := true
	for _, a := range []string{describeImgAPI, describeShareAPI, modifyAPI} {
		n := answered(r.ECS, a)
		parts = append(parts, fmt.Sprintf("%s %d (minimum %d)", a, n, r.Minimum[a]))
		exact = exact && n == r.Minimum[a]
	}
	return strings.Join(parts, ", "), exact
}

// Rows reports the sweep's rate against N.
func (r *BulkResult) Rows() []Row {
	c := r.Config
	secs := r.Elapsed.Seconds()
	total := answered(r.ECS)
	throttled := failedWith(r.ECS, "Throttling")
	minTotal := 0
	for _, n := range r.Minimum {
		minTotal += n
	}
	busiest, busiestCalls := r.busiest()
	perAPI, exact := r.callsAgainstMinimum()
	// The emulator's token bucket also lets a burst of N through at once.
	allowance := (c.Rate*secs + c.Rate) / secs
	scope := map[bool]string{true: " (one budget for all APIs: ECS_RATE_SCOPE=instance)", false: " per ECS API"}[c.SharedBudget]
	scenario := fmt.Sprintf("%d images, %d instances × ECS_CALLS_PER_SECOND=%g%s, limit N=%g/s per ECS API (burst N)",
		c.Images, c.Workers, r.PerInstance, scope, c.Rate)
	summary := fmt.Sprintf("%d images left undone, %d failed invocations; outcomes %v; %d ECS calls answered (minimum %d: %s), %d throttled",
		r.Undone, r.Failed, r.Outcomes, total, minTotal, perAPI, throttled)
	if len(r.Panics) > 0 {
		summary += fmt.Sprintf("; %d panic lines", len(r.Panics))
	}
	name := c.Mode()
	busiestRow := Row{
		Figure:    fmt.Sprintf("bulk sweep, %s: busiest API (%s)", name, busiest),
		Measured:  fmt.Sprintf("%.1f calls/s over %s", float64(busiestCalls)/secs, r.Elapsed.Round(time.Millisecond)),
		Reference: fmt.Sprintf("N = %g/s for that API", c.Rate),
		Ratio:     ratio(float64(busiestCalls)/secs, c.Rate),
		Note:      fmt.Sprintf("the limit allowed %.1f/s over this run, burst included", allowance),
	}
	switch {
	case c.Oversubscribe:
		busiestRow.Target = "0 undone"
		busiestRow.Note = scenario + "; " + summary + "; " + busiestRow.Note
		return []Row{busiestRow}
	case c.SharedBudget:
		busiestRow.Note = "what one budget for all APIs leaves of the busiest API's own limit; " + busiestRow.Note
		return []Row{{
			Figure:    "bulk sweep, " + name + ": " + scenario,
			Measured:  fmt.Sprintf("%.1f ECS calls/s over %s", float64(total)/secs, r.Elapsed.Round(time.Millisecond)),
			Reference: fmt.Sprintf("N = %g/s", c.Rate),
			Ratio:     ratio(float64(total)/secs, c.Rate),
			Note:      summary,
		}, busiestRow}
	}
	busiestRow.Target = "≥ 0.90, 0 throttled, exactly the minimum calls, 0 undone"
	verdict := "met"
	if float64(busiestCalls)/secs < 0.9*c.Rate || throttled > 0 || !exact || r.Undone > 0 || r.Failed > 0 {
		verdict = "MISSED"
	}
	busiestRow.Note = fmt.Sprintf("%s; %s; %s; target %s", scenario, summary, busiestRow.Note, verdict)
	return []Row{busiestRow}
}

// BulkComparison sets the per-API sweep's time beside the shared budget's,
// both measured in the same run.
func BulkComparison(perAPI, shared *BulkResult) Row {
	q := perAPI.Elapsed.Seconds() / shared.Elapsed.Seconds()
	verdict := "met"
	if q > 0.6 {
		verdict = "MISSED"
	}
	return Row{
		Figure:    "bulk sweep time, budgeted per API against one budget for all APIs",
		Measured:  perAPI.Elapsed.Round(time.Millisecond).String(),
		Reference: shared.Elapsed.Round(time.Millisecond).String() + " (one budget, the first release's limiter, same run)",
		Ratio:     fmt.Sprintf("%.2f", q),
		Target:    "≤ 0.60",
		Note:      "same fleet, instances and N; " + verdict,
	}
}
