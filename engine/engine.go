// Package engine shares one ECS custom image at a time: it observes the image
// (DescribeImages, DescribeImageSharePermission), asks the caller what it
// wants (the policy lives with the caller), plans the changes within the
// API's limits (Plan, a pure function), applies them with
// ModifyImageSharePermission in the fewest calls, and reads the result back.
//
// Data flows one way: observe → decide → plan → apply → verify → Result.
// Every failure ends up in the Result as a typed *outcome.Error, per account
// or for the whole image; nothing is dropped.
package engine

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/outcome"
)

// API names, as counted in Result.APICalls.
const (
	apiDescribeImages = "DescribeImages"
	apiDescribeShare  = "DescribeImageSharePermission"
	apiModify         = "ModifyImageSharePermission"
)

// Config builds an Engine. Only Client is required.
type Config struct {
	// Client is the ECS client the engine calls. It must have the SDK's
	// AutoRetry off (the SDK default): the SDK would resend a timed-out
	// ModifyImageSharePermission at once, the blind repeat this engine
	// exists to avoid. New turns it off if it is on.
	Client *ecs.Client
	// Clock tells the time for deadlines; default the system clock.
	Clock clock.Clock
	// Sleep waits between retries; default clock.Sleep. Tests pass one
	// that returns at once (and may advance a manual Clock).
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand jitters the backoff; default seeded at random. Pass a seeded
	// one for reproducible waits.
	Rand *rand.Rand
	// Retry bounds the retries of each call.
	Retry RetryPolicy
	// Limits are the API's limits (10 per call, 50 per image by default).
	Limits Limits
	// PollInterval is how often an image that is not ready yet is looked at
	// again while ImageRequest.WaitReady lasts; default 15s.
	PollInterval time.Duration
	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger
	// AfterApply, when set, runs between applying and verifying. It is a
	// test hook: it lets a test change the cloud behind the engine's back
	// and see the verification catch it.
	AfterApply func(imageID string)
	// Limiter, when set, is waited on before every ECS call, retries
	// included, with the call's API name. Engines working side by side
	// share one, so that together they stay under the account's API rates
	// instead of each hitting Throttling and backing off. *Budget is one.
	Limiter Limiter
}

// Limiter paces calls. ECS limits each API separately, so Wait is told
// which API is about to be called.
type Limiter interface {
	Wait(ctx context.Context, api string) error
}

// Engine shares images through one ECS client. An Engine is not safe for
// concurrent use (the SDK client is not: it rewrites its HTTP client's
// timeouts on every call); make one per goroutine.
type Engine struct {
	client     *ecs.Client
	clock      clock.Clock
	sleep      func(context.Context, time.Duration) error
	rand       *rand.Rand
	retry      RetryPolicy
	limits     Limits
	poll       time.Duration
	log        *slog.Logger
	afterApply func(string)
	limiter    Limiter
}

// New returns an Engine for cfg.
func New(cfg Config) (*Engine, error) {
	if cfg.Client == nil {
		return nil, errors.New("engine: Config.Client is required")
	}
	e := &Engine{
		client: cfg.Client, clock: cfg.Clock, sleep: cfg.Sleep, rand: cfg.Rand,
		retry: cfg.Retry.withDefaults(), limits: cfg.Limits.withDefaults(),
		poll: cfg.PollInterval, log: cfg.Logger, afterApply: cfg.AfterApply,
		limiter: cfg.Limiter,
	}
	if e.clock == nil {
		e.clock = clock.System{}
	}
	if e.sleep == nil {
		e.sleep = clock.Sleep
	}
	if e.rand == nil {
		e.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if e.poll <= 0 {
		e.poll = 15 * time.Second
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if c := e.client.GetConfig(); c != nil && c.AutoRetry {
		e.log.Warn("turning off the ECS client's AutoRetry: it resends timed-out calls blindly")
		c.AutoRetry = false
	}
	return e, nil
}

// ImageRequest asks the engine to bring one image in line with an intent.
type ImageRequest struct {
	Region, ImageID string
	// Decide turns what was observed into an intent; it is where the caller
	// applies its policy (to the image's tags) or its request. An error
	// from it becomes the result's image-level error.
	Decide func(Observed) (Intent, error)
	// DryRun plans without changing anything: no ModifyImageSharePermission
	// call, no verification; status "planned" when something would change,
	// else what a real run would report (unchanged, or failed).
	DryRun bool
	// WaitReady is how long to wait for an image that is not Available yet
	// (and has changes waiting) before reporting ImageNotReady; 0 does not wait.
	WaitReady time.Duration
}

// Result is what the engine did to one image.
type Result struct {
	Region, ImageID string
	DryRun          bool
	// Observed is nil when the image could not be read.
	Observed *Observed
	// Plan is nil when no plan was made (the image could not be read, or
	// Decide failed).
	Plan *SharePlan
	// Added and Removed are the changes made (for a dry run: that would be
	// made); Unchanged are wanted accounts already in the wanted state, and
	// protected accounts a prune kept.
	Added, Removed, Unchanged []string
	Failures                  []*outcome.Error
	// Err is the image-level error: a refusal, or what stopped the run.
	Err     *outcome.Error
	Because map[string][]string
	// APICalls counts every call made per API, retries included.
	APICalls map[string]int
	// ExtraCalls is how many ModifyImageSharePermission calls were made
	// beyond the plan's minimum (retries, and splits to isolate a bad account).
	ExtraCalls int
	Status     outcome.Status
}

// run is the state of one Run: one image, one context.
type run struct {
	e               *Engine
	ctx             context.Context
	region, imageID string
	calls           map[string]int
	log             *slog.Logger
	// batch is the 1-based number of the plan's batch being applied, for
	// logs; 0 outside apply.
	batch int
	// classify, when set, replaces the share calls' code table (CopyImage
	// has a table of its own).
	classify func(error) (*outcome.Error, codeInfo)
}

// Run observes, plans, applies and verifies one image.
func (e *Engine) Run(ctx context.Context, req ImageRequest) *Result {
	r := &run{
		e: e, ctx: ctx, region: req.Region, imageID: req.ImageID, calls: map[string]int{},
		log: e.log.With("imageId", req.ImageID, "regionId", req.Region),
	}
	res := &Result{Region: req.Region, ImageID: req.ImageID, DryRun: req.DryRun, APICalls: r.calls}
	defer func() {
		res.finish()
		r.log.Info("image done", "status", res.Status, "added", len(res.Added), "removed", len(res.Removed),
			"failures", len(res.Failures), "error", res.errCode(), "apiCalls", res.APICalls, "extraCalls", res.ExtraCalls)
	}()

	obs, plan, err := r.decide(req)
	if obs.ImageID != "" {
		res.Observed = &obs
	}
	if err != nil {
		res.Err = err
		return res
	}
	res.Plan = plan
	res.Unchanged = plan.Unchanged
	res.Failures = plan.Failures
	res.Because = plan.Because
	if plan.Refusal != nil {
		res.Err = plan.Refusal
		return res
	}
	if req.DryRun {
		res.Added, res.Removed = plan.Add, plan.Remove
		return res
	}
	if len(plan.Batches) == 0 {
		return res
	}
	ap := r.apply(plan)
	if e.afterApply != nil {
		e.afterApply(req.ImageID)
	}
	r.verify(plan, ap)
	res.Added, res.Removed = sortedCopy(ap.added), sortedCopy(ap.removed)
	res.Failures = append(res.Failures, ap.failures...)
	res.Err = ap.stop
	if res.Err == nil {
		res.Err = ap.unverified
	}
	res.ExtraCalls = r.calls[apiModify] - len(plan.Batches)
	return res
}

// decide observes the image and plans; while the plan is refused only
// because the image is not ready, it waits (within req.WaitReady) and looks
// again.
func (r *run) decide(req ImageRequest) (Observed, *SharePlan, *outcome.Error) {
	until := r.e.clock.Now().Add(req.WaitReady)
	for {
		obs, err := r.observe()
		if err != nil {
			return obs, nil, err
		}
		intent, derr := req.Decide(obs)
		if derr != nil {
			oe := &outcome.Error{Code: outcome.CodeOf(derr), Message: derr.Error(), Err: derr}
			errors.As(derr, &oe)
			return obs, nil, oe
		}
		plan := Plan(obs, intent, r.e.limits)
		if plan.Refusal == nil || plan.Refusal.Code != outcome.ImageNotReady ||
			r.e.clock.Now().Add(r.e.poll).After(until) || !r.fits(r.e.poll) {
			return obs, plan, nil
		}
		r.log.Info("image not ready, waiting", "status", obs.Status, "wait", r.e.poll)
		if r.e.sleep(r.ctx, r.e.poll) != nil {
			return obs, plan, nil
		}
	}
}

// finish sets the status.
func (res *Result) finish() {
	switch {
	case res.DryRun && res.Plan != nil && res.Plan.Refusal == nil && len(res.Added)+len(res.Removed) > 0:
		res.Status = outcome.Planned
	case res.DryRun:
		// Nothing would change: unchanged (or failed, when something was
		// refused), the word a reviewer expects, not "planned".
		res.Status = outcome.DeriveStatus(nil, nil, res.Failures, res.Err)
	default:
		res.Status = outcome.DeriveStatus(res.Added, res.Removed, res.Failures, res.Err)
	}
}

// Outcome returns the result as an outcome message, with the image-level
// fields filled in. The caller sets what only it knows: OutcomeID,
// CorrelationID, Trigger, Action and Attempt (and Status Deferred, when it
// defers an ImageNotReady result).
func (res *Result) Outcome() *outcome.Outcome {
	return &outcome.Outcome{
		SchemaVersion: outcome.SchemaVersion,
		RegionID:      res.Region,
		ImageID:       res.ImageID,
		DryRun:        res.DryRun,
		Status:        res.Status,
		Added:         res.Added,
		Removed:       res.Removed,
		Unchanged:     res.Unchanged,
		Failures:      res.Failures,
		Error:         res.Err,
		Because:       res.Because,
		APICalls:      res.APICalls,
	}
}

// errCode is the image-level error's code, or "".
func (res *Result) errCode() outcome.Code {
	if res.Err == nil {
		return ""
	}
	return res.Err.Code
}

func sortedCopy(ids []string) []string {
	out := append([]string(nil), ids...)
	slices.Sort(out)
	return out
}
