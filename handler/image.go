package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/imageshare/ecs-image-share/directory"
	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/request"
	"github.com/imageshare/ecs-image-share/trigger"
)

// image runs one request for one image and publishes its outcome.
func (s *session) image(ctx context.Context, it trigger.Item, req request.Request, imageID string, log *slog.Logger) {
	if req.Origin != "" {
		// A deferred or fanned-out request: outcome ids follow the event
		// that started the chain, not the work-queue message carrying it.
		it.SourceID = req.Origin
	}
	key := deliveryKey(it, req, imageID)
	release, dup := s.h.seen.claim(ctx, key)
	if dup {
		log.Info("duplicate delivery dropped: this instance already worked it", "imageId", imageID, "attempt", max(req.Attempt, 1))
		s.count(func(sum *Summary) { sum.Duplicates++ })
		return
	}
	ok := false
	defer func() { release(ok) }()
	won, done := s.claimWork(ctx, req, key, log)
	if !won {
		log.Info("duplicate delivery dropped: another instance works or worked this attempt", "imageId", imageID, "attempt", max(req.Attempt, 1))
		s.count(func(sum *Summary) { sum.Duplicates++ })
		ok = true
		return
	}
	defer func() { done(ok) }()
	if key != "" && s.stepQueued(ctx, it, req, imageID, log) {
		// This attempt was deferred before and its next attempt queued (a
		// duplicate, or a redelivery of an invocation that failed later):
		// the next attempt does the work. Working it here as well would
		// publish a second, different outcome under this attempt's id.
		o := s.requestOutcome(it, req, imageID)
		o.Status = outcome.Deferred
		o.Error = &outcome.Error{Code: outcome.ImageNotReady, Retryable: true,
			Message: fmt.Sprintf("not ready at this attempt; attempt %d is queued", o.Attempt+1)}
		s.count(func(sum *Summary) { sum.Duplicates++ })
		ok = s.publish(ctx, o)
		return
	}
	wait := s.waitReady(it)
	if req.Sweep {
		wait = 0 // as the inline sweep: an image being created is its creation event's business
	}
	o, src := s.run(ctx, it, req, imageID, wait, log)
	if o.Error != nil && o.Error.Code == outcome.ImageNotReady && req.Sweep {
		// A fanned-out sweep follows the inline sweep's rule: no deferral,
		// no outcome. Deferring here started a new chain of attempts for
		// every Creating image at every sweep, beside its event's own.
		log.Info("not ready: left to its creation event by the sweep", "imageId", imageID)
		ok = true
		return
	}
	if o.Error != nil && o.Error.Code == outcome.ImageNotReady {
		if s.deferImage(ctx, it, req, imageID, o) != deferFailed {
			ok = s.publish(ctx, o)
		}
		// Not queued: the invocation fails and the event comes back, so an
		// outcome now would contradict the one its redelivery publishes.
		return
	}
	o.Copies = s.distribute(ctx, it, req, src, req.Sweep, log)
	if req.Sweep && standingRefusal(o) {
		// A fanned-out sweep follows the inline sweep's rule.
		log.Info("standing refusal not published again by a sweep", "imageId", imageID, "status", o.Status)
		ok = true
		return
	}
	ok = s.publish(ctx, o)
}

// requestOutcome is an empty outcome of req for one image: its id from the
// source and attempt, the request's correlationId when it has one, and
// whether it is a dry run.
func (s *session) requestOutcome(it trigger.Item, req request.Request, imageID string) *outcome.Outcome {
	o := newOutcome(it, req.Action, req.RegionID, imageID, max(req.Attempt, 1))
	o.DryRun = req.DryRun || s.h.cfg.DryRun
	if req.CorrelationID != "" {
		o.CorrelationID = req.CorrelationID
	}
	return o
}

// waitReady is how long this request may wait for its image to become
// Available: WAIT_READY_SECONDS, but for a work-queue message no longer than
// the invocation may hold it (see workQueueHold).
func (s *session) waitReady(it trigger.Item) time.Duration {
	w := s.h.cfg.WaitReady
	if it.Trigger.Type != trigger.MNSQueue || s.holdUntil.IsZero() {
		return w
	}
	return max(0, min(w, s.holdUntil.Sub(s.h.deps.Clock.Now())))
}

// run observes, decides, plans, applies and verifies one image, with an
// engine of its own (the SDK client is not safe to share).
// The second result is what the copy step needs to know of the image.
func (s *session) run(ctx context.Context, it trigger.Item, req request.Request, imageID string, waitReady time.Duration, log *slog.Logger) (*outcome.Outcome, source) {
	fail := func(e *outcome.Error) (*outcome.Outcome, source) {
		o := s.requestOutcome(it, req, imageID)
		o.Error, o.Status = e, outcome.Failed
		return o, source{}
	}
	client, err := s.h.clients.getECS(s.inv, req.RegionID)
	if err != nil {
		return fail(&outcome.Error{Code: outcome.Internal, Message: "ECS client: " + err.Error(), Err: err})
	}
	defer s.h.clients.putECS(s.inv, req.RegionID, client)
	eng, err := engine.New(engine.Config{
		Client:  client,
		Clock:   s.h.deps.Clock,
		Sleep:   s.h.deps.Sleep,
		Logger:  log.With("imageId", imageID, "regionId", req.RegionID),
		Limiter: s.h.limiter,
	})
	if err != nil {
		return fail(&outcome.Error{Code: outcome.Internal, Message: err.Error(), Err: err})
	}
	// The directory is read by the first image that needs it; its calls
	// are counted in that image's outcome (and so once in a sweep's sum).
	var dirCalls map[string]int
	readDir := func() policy.Directory {
		snap, first := s.directory(ctx)
		if first {
			dirCalls = snap.Calls
		}
		return snap
	}
	var copies []policy.CopyTarget
	res := eng.Run(ctx, engine.ImageRequest{
		Region:    req.RegionID,
		ImageID:   imageID,
		Decide:    decider(s.h.deps.Policy, req, readDir, &copies),
		DryRun:    req.DryRun || s.h.cfg.DryRun,
		WaitReady: waitReady,
	})
	o := res.Outcome()
	for api, n := range dirCalls {
		if o.APICalls == nil {
			o.APICalls = map[string]int{}
		}
		o.APICalls[api] += n
	}
	base := s.requestOutcome(it, req, imageID)
	o.SchemaVersion, o.OutcomeID, o.CorrelationID, o.Trigger, o.Action, o.Attempt =
		base.SchemaVersion, base.OutcomeID, base.CorrelationID, base.Trigger, base.Action, base.Attempt
	return o, source{obs: res.Observed, copies: copies}
}

// directory reads the Resource Directory once per invocation, the first time
// a decision needs it, for every directory group of the policy; every image
// of the invocation shares the snapshot. first is true for the one caller
// that made the read.
func (s *session) directory(ctx context.Context) (snap *directory.Snapshot, first bool) {
	s.dirOnce.Do(func() {
		first = true
		var folders []string
		for _, g := range s.h.deps.Policy.DirectoryGroups() {
			folders = append(folders, g.Folder)
		}
		client, err := s.h.clients.resourceManager(s.inv)
		if err != nil {
			s.dir = directory.Unavailable(&outcome.Error{Code: outcome.DirectoryUnavailable,
				Message: "ResourceManager client: " + err.Error(), Err: err})
			return
		}
		s.dir = directory.Read(ctx, directory.Config{
			Client:  client,
			Clock:   s.h.deps.Clock,
			Sleep:   s.h.deps.Sleep,
			Limiter: s.h.limiter,
			Logger:  s.log,
		}, folders)
	})
	return s.dir, first
}

// stepQueued reports whether this attempt at the image was deferred already
// and its next attempt queued, by this instance or (with a shared ledger)
// another. It is asked only of deliveries with an identity: a direct
// invocation sent again on purpose runs again. Sweeps never defer, and a
// function that cannot defer has no steps. When the ledger cannot be read
// the attempt is worked: at worst its outcome is published twice,
// differently, never lost.
func (s *session) stepQueued(ctx context.Context, it trigger.Item, req request.Request, imageID string, log *slog.Logger) bool {
	if req.Sweep || !s.pub.CanDefer() || len(s.h.cfg.RequestKey) == 0 {
		return false
	}
	led, err := s.h.clients.ledger(s.inv)
	queued := false
	if err == nil {
		queued, err = led.Has(ctx, stepKey(it, req, imageID))
	}
	if err != nil {
		log.Warn("ledger unavailable: working the attempt without knowing whether it was deferred already", "imageId", imageID, "err", err)
	}
	return queued
}

// claimWork claims, in the shared ledger, the working of one attempt the
// function queued itself (a next attempt of a chain), so that two messages
// of one attempt are worked once: a duplicate delivery on another instance,
// or a second message left by a send that was retried after it had in fact
// gone through. The instance's own duplicates are already dropped by
// h.seen. done gives the claim back when the work did not end well (the
// invocation fails and its redelivery must be able to claim it); a claim
// whose holder was stopped is taken over once it is older than an
// invocation can live. On a ledger error the attempt is worked: a second
// worker costs calls, a dropped attempt an outcome.
func (s *session) claimWork(ctx context.Context, req request.Request, key string, log *slog.Logger) (won bool, done func(ok bool)) {
	noop := func(bool) {}
	if key == "" || req.Origin == "" || req.Sweep {
		return true, noop // not a link of a chain
	}
	led, err := s.h.clients.ledger(s.inv)
	if err != nil || !led.Shared() {
		return true, noop
	}
	lease := maxInvocation
	if dl, ok := ctx.Deadline(); ok {
		lease = time.Until(dl) + time.Minute
	}
	work := "work\x00" + key
	if won, err = led.Claim(ctx, work, lease); err != nil {
		log.Warn("ledger unavailable: working the attempt without a claim", "err", err)
		return true, noop
	}
	return won, func(ok bool) {
		if won && !ok {
			if err := led.Release(context.WithoutCancel(ctx), work); err != nil {
				log.Error("ledger: the attempt stays claimed though its work failed; its redelivery is dropped until the claim's lease ends", "err", err)
			}
		}
	}
}

// maxInvocation bounds an invocation when its context has no deadline:
// Function Compute's timeout in s.yaml is 600 s.
const maxInvocation = 15 * time.Minute

// stepKey names, in the ledger, the deferral of one attempt at one image.
func stepKey(it trigger.Item, req request.Request, imageID string) string {
	return "queued\x00" + chainKey(it, req, imageID)
}

// deferral is what deferImage did.
type deferral int

const (
	deferQueued deferral = iota // the next attempt is queued (now, or by an earlier delivery): publish "deferred"
	deferFinal                  // no next attempt: publish the final ImageNotReady
	deferFailed                 // could not queue: the invocation fails and the event comes back
)

// deferImage queues the request again for an image that is not Available
// yet, or makes ImageNotReady final after the last attempt.
func (s *session) deferImage(ctx context.Context, it trigger.Item, req request.Request, imageID string, o *outcome.Outcome) deferral {
	attempt := max(req.Attempt, 1)
	cfg := s.h.cfg
	if attempt >= cfg.DeferAttempts || !s.pub.CanDefer() || len(cfg.RequestKey) == 0 {
		why := fmt.Sprintf("gave up after %d attempts over %s", attempt, cfg.TotalDeferral())
		switch {
		case !s.pub.CanDefer():
			why = "no WORK_QUEUE configured to retry later"
		case len(cfg.RequestKey) == 0:
			why = "no REQUEST_KEY configured to seal a deferral's attempt count"
		}
		o.Error.Message += " (" + why + ")"
		o.Error.Retryable = false
		return deferFinal
	}
	// Each step of a chain is queued once. Every delivery of this attempt
	// (a duplicate, a redelivery of an invocation that failed after
	// queueing) claims the step; only the winner queues the next attempt,
	// so the chain never forks. With a shared ledger this holds across
	// instances; with the local one, within this instance.
	step := stepKey(it, req, imageID)
	log := s.log.With("imageId", imageID, "attempt", attempt)
	led, err := s.h.clients.ledger(s.inv)
	won := true
	if err == nil {
		won, err = led.Claim(ctx, step, 0)
	}
	claimed := err == nil
	switch {
	case err != nil:
		// Not knowing whether another instance queued it, queue: a second
		// chain costs calls and a duplicate outcome; a lost chain leaves an
		// image unshared until the next sweep.
		log.Warn("ledger unavailable: queueing the next attempt without a claim; a duplicate delivery may fork the chain", "err", err)
	case !won:
		// Publish this attempt's outcome all the same (the same outcomeId
		// and status): the delivery that queued it may have failed before
		// publishing, and a second copy is what at-least-once allows.
		log.Info("next attempt already queued for this step", "sharedLedger", led.Shared())
		o.Status = outcome.Deferred
		s.count(func(sum *Summary) { sum.Duplicates++ })
		return deferQueued
	}
	next := req
	next.ImageIDs, next.Attempt, next.Origin = []string{imageID}, attempt+1, it.SourceID
	body, err := s.h.ownRequest(next)
	if err == nil {
		err = s.pub.Defer(ctx, body, cfg.deferDelay(attempt))
	}
	if err != nil {
		// The image would be forgotten: give the step back and fail the
		// invocation so the platform delivers the event again.
		log.Error("deferral not queued", "err", err)
		if claimed {
			if rerr := led.Release(context.WithoutCancel(ctx), step); rerr != nil {
				log.Error("ledger: the step stays claimed though its next attempt was not queued; a redelivery will not queue it, the next sweep reconciles the image once it is Available", "err", rerr)
			}
		}
		s.fail(fmt.Errorf("defer %s: %w", imageID, err))
		return deferFailed
	}
	o.Status = outcome.Deferred
	s.count(func(sum *Summary) { sum.Deferred++ })
	return deferQueued
}

// decider turns the policy (for a reconcile) or the request (for share and
// unshare, within the policy's allow-list) into the engine's intent. dir is
// the Resource Directory as read for the invocation; it is called only when
// the policy has directory groups, and at most once per invocation whatever
// the number of images (see session.directory).
//
// For a reconcile it also records, in *copies, the copies the policy wants
// of the image (none for an image that is itself a copy).
func decider(p *policy.Policy, req request.Request, dir func() policy.Directory, copies *[]policy.CopyTarget) func(engine.Observed) (engine.Intent, error) {
	return func(obs engine.Observed) (engine.Intent, error) {
		var d policy.Directory
		if len(p.DirectoryGroups()) > 0 && dir != nil {
			// Read only if this image's decision asks for a member: an
			// image whose rules name no directory group costs no call.
			d = lazyDirectory(dir)
		}
		in, wanted, err := intent(p, d, req.Action, req.Accounts, obs)
		if copies != nil {
			*copies = wanted
		}
		return in, err
	}
}

// lazyDirectory reads the directory on the first question asked of it.
type lazyDirectory func() policy.Directory

func (l lazyDirectory) Members(folder string) ([]string, error) { return l().Members(folder) }

// Intent is what the policy wants done to one observed image: for a
// reconcile, the policy's desired accounts (dir answers its Resource
// Directory groups; nil when the directory was not read); for share and
// unshare, the request's accounts within the allow-list. The plan command
// builds its intents with it too, so that what plan shows is what the
// function does.
func Intent(p *policy.Policy, dir policy.Directory, action string, accounts []string, obs engine.Observed) (engine.Intent, error) {
	in, _, err := intent(p, dir, action, accounts, obs)
	return in, err
}

// intent is Intent that also returns, for a reconcile, the copies the
// policy wants of the image (copyTo, reencrypt).
func intent(p *policy.Policy, dir policy.Directory, action string, accounts []string, obs engine.Observed) (engine.Intent, []policy.CopyTarget, error) {
	d := p.DesiredIn(policyImage(obs), dir)
	protect := make(map[string]bool, len(d.Protect))
	for _, a := range d.Protect {
		protect[a] = true
	}
	// Accounts a reencrypt rule gives the copy are not pruned from the image
	// because of it.
	for _, a := range d.Moved {
		protect[a] = true
	}
	in := engine.Intent{
		Protect:     slices.DeleteFunc(slices.Clone(obs.Shared), func(a string) bool { return !protect[a] }),
		MaxRemovals: p.MaxRemovalsPerImage(),
		MaxShares:   p.MaxSharesPerImage(),
	}
	switch action {
	case request.Reconcile:
		in.Kind, in.Desired, in.Because, in.Prune = engine.Reconcile, d.Accounts, d.Because, d.Prune
		if d.Prune && len(d.PrunedBy) > 0 {
			in.Because = pruneReasons(obs, d, protect)
		}
		for _, u := range d.UnknownGroups {
			in.Failures = append(in.Failures, &outcome.Error{
				Account: u.Name, // not an account: the name the tag gave
				Code:    outcome.PolicyDenied,
				Message: u.String(),
			})
		}
		for _, u := range d.Unavailable {
			in.Failures = append(in.Failures, unavailableFailure(u))
		}
	case request.Share, request.Unshare:
		granted, because, denied := p.AuthorizeIn(accounts, dir)
		in.Kind, in.Because, in.Failures = engine.Delta, because, denied
		if action == request.Share {
			in.Add = granted
		} else {
			in.Remove = granted
		}
	default:
		return in, nil, outcome.Errorf(outcome.InvalidRequest, "unknown action %q", action)
	}
	if action != request.Reconcile {
		return in, nil, nil
	}
	return in, d.Copies, nil
}

// unavailableFailure reports a directory group that could not be read, on
// the group's name (not an account), keeping the read's retryability and
// the service's request id.
func unavailableFailure(u policy.Unavailable) *outcome.Error {
	f := &outcome.Error{Account: u.Group, Code: outcome.DirectoryUnavailable, Message: u.String(), Err: u.Err}
	var oe *outcome.Error
	if errors.As(u.Err, &oe) {
		f.Retryable, f.RequestID = oe.Retryable, oe.RequestID
	}
	return f
}

// Copies are the copies the policy wants of an observed image (copyTo,
// reencrypt), as the function's copy step sees them; the plan command shows
// them. Resource Directory groups do not matter to copies.
func Copies(p *policy.Policy, obs engine.Observed) []policy.CopyTarget {
	return p.Desired(policyImage(obs)).Copies
}

// policyImage is what the policy sees of an observed image. A copy this
// product made (it carries the provenance tag) is seen in its source's
// region, so that it is shared like its source whatever region rules name,
// and as unencrypted: its encryption is the key the policy chose.
func policyImage(obs engine.Observed) policy.Image {
	img := policy.Image{ID: obs.ImageID, Region: obs.Region, OwnerID: obs.OwnerID, Tags: obs.Tags, Encrypted: obs.Encrypted}
	if v, ok := obs.Tags[engine.CopyTagKey]; ok {
		if region, _, ok := engine.ParseCopyTag(v); ok {
			img.Region, img.IsCopy, img.Encrypted = region, true, false
		}
	}
	return img
}

// pruneReasons adds to the decision's reasons one for each shared account
// the reconcile would prune, naming the rules whose prune removes it (a
// reviewer sees which team's rule takes a share away). Without a matching
// rule the policy's own prune applies and the engine's default reason
// (engine.PruneReason) says so.
func pruneReasons(obs engine.Observed, d policy.Decision, protect map[string]bool) map[string][]string {
	because := maps.Clone(d.Because)
	if because == nil {
		because = map[string][]string{}
	}
	why := "prune (" + strings.Join(d.PrunedBy, ", ") + "): no matching rule wants it"
	for _, a := range obs.Shared {
		if _, wanted := d.Because[a]; !wanted && !protect[a] && a != obs.OwnerID {
			because[a] = []string{why}
		}
	}
	return because
}
