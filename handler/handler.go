// Package handler is the function: it turns one invocation's payload into
// requests (package trigger), runs each image through the engine with the
// policy deciding, defers images that are not ready, sweeps for drift, and
// publishes one outcome per request and image to MNS.
//
// The data flows one way: trigger → request → observe → decide → plan →
// apply → verify → outcome → publish. Nothing is dropped silently: what
// cannot go on becomes an outcome with a typed error, and the invocation
// fails only when an outcome could not be published.
package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imageshare/ecs-image-share/directory"
	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/publish"
	"github.com/imageshare/ecs-image-share/request"
	"github.com/imageshare/ecs-image-share/trigger"
)

// Deps are the handler's collaborators, passed in so tests and the local
// command can drive it on emulated time.
type Deps struct {
	// Policy is the loaded policy; PolicyErr is why it could not be loaded.
	// With PolicyErr set every request gets an InvalidPolicy outcome and
	// every invocation fails, so the platform alerts on it.
	Policy    *policy.Policy
	PolicyErr error
	// LoadPolicy, when set, supplies Policy and PolicyErr on the first
	// invocation instead: the function starts loading the policy in the
	// background at process start and takes its first invocation meanwhile
	// (cold start). It is called once, before anything is handled, so a bad
	// policy still fails the first invocation.
	LoadPolicy func() (*policy.Policy, error)
	Clock      clock.Clock
	// Sleep waits (backoff, polling for a Creating image); nil means real time.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Handler serves invocations. It is safe for concurrent use: Function
// Compute may run invocations of one instance side by side.
type Handler struct {
	cfg     Config
	deps    Deps
	clients *clients
	// limiter paces every ECS call of this instance, per API: a sweep's
	// goroutines share it, so bulk work stays under the account's API rates.
	limiter engine.Limiter
	// setupErr fails every invocation: the configuration cannot be used.
	setupErr error
	// policyOnce resolves deps.LoadPolicy into deps.Policy and
	// deps.PolicyErr; every reader comes after it in Handle.
	policyOnce sync.Once
	// seen drops duplicate deliveries (see deliveries).
	seen *deliveries
	// queue is what this instance learnt of the work queue.
	queue workQueueState
}

// New returns a handler for cfg.
func New(cfg Config, deps Deps) *Handler {
	if deps.Clock == nil {
		deps.Clock = clock.System{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Policy == nil && deps.PolicyErr == nil && deps.LoadPolicy == nil {
		deps.PolicyErr = errors.New("no policy")
	}
	h := &Handler{cfg: cfg, deps: deps, clients: newClients(cfg), seen: newDeliveries()}
	budget, err := engine.NewBudget(engine.BudgetConfig{Rate: cfg.ECSRate, PerAPI: cfg.ECSAPIRates, Shared: cfg.ECSRateShared})
	if err != nil {
		// ConfigFromEnv validates the same values, so only a Config built by
		// hand gets here: every invocation then fails saying why, as with an
		// unusable environment, instead of running unpaced.
		h.setupErr = fmt.Errorf("configuration: %w", err)
		return h
	}
	h.limiter = budget
	return h
}

// Summary is what an invocation returns: counts, for the invocation log.
type Summary struct {
	Items    int `json:"items"`
	Outcomes int `json:"outcomes"`
	Ignored  int `json:"ignored"`
	Deferred int `json:"deferred"`
	// Duplicates are deliveries of a request and image already worked by
	// this instance: dropped, with no call and no outcome.
	Duplicates int `json:"duplicates,omitempty"`
	FannedOut  int `json:"fannedOut,omitempty"`
}

// session is one invocation's view: its identity, publisher and tallies.
type session struct {
	h   *Handler
	inv Invocation
	pub *publish.Publisher
	log *slog.Logger
	// scrub holds the invocation's credentials: every outcome, log line
	// and returned error of the session passes through it.
	scrub *redact.Scrubber

	// start is when the invocation began; holdUntil, when it carries
	// work-queue messages, is when it must stop waiting for images so that
	// it returns before the queue hands the messages out again.
	start, holdUntil time.Time

	mu   sync.Mutex
	sum  Summary
	errs []error

	// dir is the Resource Directory as read in this invocation, at most
	// once (dirOnce), by the first decision that needs it.
	dirOnce sync.Once
	dir     *directory.Snapshot
}

// Handle serves one invocation's payload. No credential of inv appears in
// what it publishes, logs or returns (package redact).
func (h *Handler) Handle(ctx context.Context, inv Invocation, payload []byte) (Summary, error) {
	if h.setupErr != nil {
		return Summary{}, redact.New().Error(h.setupErr)
	}
	h.policyOnce.Do(func() {
		if h.deps.LoadPolicy != nil {
			h.deps.Policy, h.deps.PolicyErr = h.deps.LoadPolicy()
			if h.deps.Policy == nil && h.deps.PolicyErr == nil {
				h.deps.PolicyErr = errors.New("no policy")
			}
		}
	})
	scrub := redact.New(inv.Credentials.AccessKeySecret, inv.Credentials.SecurityToken, string(h.cfg.RequestKey))
	log := slog.New(scrub.Handler(h.deps.Logger.Handler())).With("requestId", inv.RequestID)
	items := trigger.Decode(payload, trigger.Options{Base64Body: h.cfg.Base64Body, TopicStream: h.cfg.TopicStream})
	s := &session{h: h, inv: inv, log: log, scrub: scrub, start: h.deps.Clock.Now()}
	// An invocation of ignored events publishes nothing, so it does not
	// build the MNS client (cold start: such events are the most common
	// first invocation of an ActionTrail trigger). Any other builds it
	// before doing anything, as an outcome must be deliverable first.
	if slices.ContainsFunc(items, func(it trigger.Item) bool { return it.Ignore == "" }) {
		pub, err := h.clients.publisher(inv, publish.Config{Sleep: h.deps.Sleep, Logger: log})
		if err != nil {
			// Without a publisher no outcome can be delivered: fail the
			// invocation so the platform retries it or dead-letters it.
			log.Error("cannot publish outcomes", "err", err)
			return Summary{}, scrub.Error(err)
		}
		s.pub = pub
	}
	s.sum.Items = len(items)
	if s.pub != nil && slices.ContainsFunc(items, func(it trigger.Item) bool { return it.Trigger.Type == trigger.MNSQueue }) {
		s.holdUntil = s.start.Add(h.workQueueHold(ctx, s.pub, log))
	}
	groups := s.groups(ctx, items)
	s.forEach(ctx, len(groups), func(i int) {
		for _, work := range groups[i] {
			work()
		}
	})
	if h.deps.PolicyErr != nil {
		s.fail(fmt.Errorf("%s: %w", outcome.InvalidPolicy, h.deps.PolicyErr))
	}
	log.Info("invocation done", "items", s.sum.Items, "outcomes", s.sum.Outcomes, "ignored", s.sum.Ignored, "deferred", s.sum.Deferred)
	// The error goes to the runtime, which logs it and hands it to the
	// failure destination: scrubbed like everything else.
	return s.sum, scrub.Error(errors.Join(s.errs...))
}

// item handles one decoded message or event.
func (s *session) item(ctx context.Context, it trigger.Item) {
	log := s.log.With("trigger", string(it.Trigger.Type), "sourceId", it.SourceID)
	switch {
	case it.Ignore != "":
		log.Info("event ignored", "reason", it.Ignore)
		s.count(func(sum *Summary) { sum.Ignored++ })
	case it.Err != nil:
		o := newOutcome(it, outcome.ActionUnknown, "", "", 1)
		o.Error, o.Status = it.Err, outcome.Failed
		s.publish(ctx, o)
	case s.h.deps.PolicyErr != nil:
		o := newOutcome(it, outcome.ActionUnknown, "", "", 1)
		if it.Request != nil {
			o.Action, o.RegionID = it.Request.Action, it.Request.RegionID
		}
		o.Error, o.Status = policyError(s.h.deps.PolicyErr), outcome.Failed
		s.publish(ctx, o)
	case it.Sweep != nil:
		s.sweep(ctx, it)
	}
}

// groups turns the items into units of work: one per request and image,
// one per other item. Units naming the same image are put in one group, in
// the order they arrived, and a group's units run one after the other:
// requests of one batch on one image (a reconcile, a share and an unshare,
// say) must not race, or each would see the other's changes half-made and
// the order the sender chose would be lost. Groups run side by side.
func (s *session) groups(ctx context.Context, items []trigger.Item) [][]func() {
	var groups [][]func()
	byImage := map[string]int{}
	for _, it := range items {
		if it.Request == nil || it.Ignore != "" || it.Err != nil || it.Sweep != nil || s.h.deps.PolicyErr != nil {
			groups = append(groups, []func(){func() { s.item(ctx, it) }})
			continue
		}
		log := s.log.With("trigger", string(it.Trigger.Type), "sourceId", it.SourceID)
		req := s.authenticate(*it.Request, log)
		for _, id := range req.ImageIDs {
			work := func() { s.image(ctx, it, req, id, log) }
			key := req.RegionID + "/" + id
			if g, ok := byImage[key]; ok {
				groups[g] = append(groups[g], work)
				continue
			}
			byImage[key] = len(groups)
			groups = append(groups, []func(){work})
		}
	}
	return groups
}

// authenticate keeps the fields only the function may write — origin (which
// chooses the outcome id), attempt (which decides whether an image is still
// deferred) and sweep (which silences standing refusals) — only when the
// function sealed the request with its key.
// Any other request is served as a fresh one: attempt 1, outcome ids from
// its own message. A forged origin could otherwise give an outcome another
// event's id, which consumers de-duplicating on it would drop.
func (s *session) authenticate(req request.Request, log *slog.Logger) request.Request {
	if req.Authentic(s.h.cfg.RequestKey) {
		req.Seal = ""
		return req
	}
	if req.Origin != "" || req.Attempt > 1 || req.Sweep || req.Seal != "" {
		log.Warn("origin, attempt and sweep ignored: the request is not sealed by this function",
			"attempt", req.Attempt, "sweep", req.Sweep, "sealed", req.Seal != "", "keyConfigured", len(s.h.cfg.RequestKey) > 0)
	}
	req.Origin, req.Attempt, req.Sweep, req.Seal = "", 1, false, ""
	return req
}

// ownRequest is the wire form of a request the function writes to its work
// queue: sealed when a key is configured, so that its origin and attempt are
// trusted when it comes back; plain otherwise (they are then ignored).
func (h *Handler) ownRequest(r request.Request) ([]byte, error) {
	if len(h.cfg.RequestKey) == 0 {
		return request.Marshal(r)
	}
	return request.Seal(r, h.cfg.RequestKey)
}

func policyError(err error) *outcome.Error {
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		return ve.OutcomeError()
	}
	return &outcome.Error{Code: outcome.InvalidPolicy, Message: err.Error(), Err: err}
}

// newOutcome starts an outcome for an item; the caller fills in the result.
func newOutcome(it trigger.Item, action, region, imageID string, attempt int) *outcome.Outcome {
	return &outcome.Outcome{
		SchemaVersion: outcome.SchemaVersion,
		OutcomeID:     outcome.ID(it.SourceID, imageID, attempt),
		CorrelationID: it.CorrelationID,
		Trigger:       outcome.Trigger{Type: string(it.Trigger.Type), EventID: it.Trigger.EventID, EventName: it.Trigger.EventName},
		RegionID:      region,
		ImageID:       imageID,
		Action:        action,
		Added:         []string{},
		Removed:       []string{},
		Unchanged:     []string{},
		Failures:      []*outcome.Error{},
		Because:       map[string][]string{},
		APICalls:      map[string]int{},
		Attempt:       attempt,
	}
}

// publish sends an outcome; a failure fails the invocation.
func (s *session) publish(ctx context.Context, o *outcome.Outcome) bool {
	o.ScrubMessages(s.scrub.String)
	if err := s.pub.Publish(ctx, o); err != nil {
		s.log.Error("outcome not published", "outcomeId", o.OutcomeID, "imageId", o.ImageID, "err", err)
		s.fail(err)
		return false
	}
	s.log.Info("outcome published", "outcomeId", o.OutcomeID, "imageId", o.ImageID, "status", string(o.Status), "action", o.Action)
	s.count(func(sum *Summary) { sum.Outcomes++ })
	return true
}

func (s *session) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
}

func (s *session) count(f func(*Summary)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.sum)
}

// forEach runs f(0..n-1) with at most SweepConcurrency at once.
func (s *session) forEach(ctx context.Context, n int, f func(i int)) {
	var g errgroup.Group
	g.SetLimit(s.h.cfg.SweepConcurrency)
	for i := range n {
		if ctx.Err() != nil {
			s.fail(fmt.Errorf("invocation deadline reached with %d of %d items left: %w", n-i, n, ctx.Err()))
			break
		}
		g.Go(func() error { f(i); return nil })
	}
	_ = g.Wait()
}
