package handler

import (
	"context"
	"slices"
	"sync"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
	"github.com/imageshare/ecs-image-share/trigger"
)

// sweep reconciles every self-owned image in the policy's regions: inline
// for a small fleet, fanned out to the work queue for a large one. It
// publishes outcomes only for images that changed, failed or would change
// (an hourly sweep of a quiet fleet must not flood the outcome queue), then
// one summary outcome with counts by status.
//
// Images still being created are counted as notReady and left alone: their
// CreateImage event defers them, and the next sweep sees them Available.
func (s *session) sweep(ctx context.Context, it trigger.Item) {
	summary := newOutcome(it, outcome.ActionSweep, s.inv.Region, "", 1)
	summary.DryRun = it.Sweep.DryRun || s.h.cfg.DryRun
	counts := map[string]int{}
	var mu sync.Mutex
	tally := func(key string, o *outcome.Outcome) {
		mu.Lock()
		defer mu.Unlock()
		counts[key]++
		if o != nil {
			for api, n := range o.APICalls {
				summary.APICalls[api] += n
			}
		}
	}

	type target struct{ region, image string }
	var targets []target
	for _, region := range s.sweepRegions(it.Sweep) {
		ids, calls, err := s.listImages(ctx, region)
		for api, n := range calls {
			summary.APICalls[api] += n
		}
		if err != nil {
			summary.Failures = append(summary.Failures, err)
			counts[outcome.CountListFailed]++
			continue
		}
		for _, id := range ids {
			targets = append(targets, target{region, id})
		}
	}

	if len(targets) > s.h.cfg.FanOutThreshold && s.pub.CanDefer() {
		var bodies [][]byte
		for start := 0; start < len(targets); {
			region := targets[start].region
			req := request.Request{Action: request.Reconcile, RegionID: region, DryRun: summary.DryRun, CorrelationID: it.SourceID, Attempt: 1, Origin: it.SourceID, Sweep: true}
			for start < len(targets) && targets[start].region == region && len(req.ImageIDs) < s.h.cfg.FanOutImages {
				req.ImageIDs = append(req.ImageIDs, targets[start].image)
				start++
			}
			body, err := s.h.ownRequest(req)
			if err != nil {
				summary.Failures = append(summary.Failures, &outcome.Error{Code: outcome.Internal, Message: err.Error()})
				continue
			}
			bodies = append(bodies, body)
		}
		if err := s.pub.FanOut(ctx, bodies); err != nil {
			s.fail(err) // the work would be lost: let the platform retry the sweep
			summary.Error = &outcome.Error{Code: outcome.CloudUnavailable, Retryable: true, Message: "fan-out to the work queue failed: " + err.Error()}
		} else {
			counts[outcome.CountFannedOut] = len(targets)
			counts[outcome.CountMessages] = len(bodies)
			s.count(func(sum *Summary) { sum.FannedOut += len(targets) })
		}
	} else {
		s.forEach(ctx, len(targets), func(i int) {
			t := targets[i]
			req := request.Request{Action: request.Reconcile, RegionID: t.region, ImageIDs: []string{t.image}, DryRun: summary.DryRun, Attempt: 1}
			log := s.log.With("sweep", it.SourceID)
			o, src := s.run(ctx, it, req, t.image, 0, log)
			if o.Error != nil && o.Error.Code == outcome.ImageNotReady {
				tally(outcome.CountNotReady, o)
				return
			}
			o.Copies = s.distribute(ctx, it, req, src, true, log)
			if standingRefusal(o) {
				tally(outcome.CountRefused, o)
				return
			}
			tally(string(o.Status), o)
			if o.Status != outcome.Unchanged {
				s.publish(ctx, o)
			}
		})
	}

	counts[outcome.CountImages] = len(targets)
	summary.Counts = counts
	summary.Status = outcome.Succeeded
	if summary.Error != nil || len(summary.Failures) > 0 || counts[string(outcome.Failed)] > 0 || counts[string(outcome.Partial)] > 0 {
		summary.Status = outcome.Partial
	}
	s.publish(ctx, summary)
}

// sweepRegions are the timer's regions, or the policy's, plus the
// function's own region when some rule applies in every region.
func (s *session) sweepRegions(sw *trigger.Sweep) []string {
	if len(sw.Regions) > 0 {
		return sw.Regions
	}
	p := s.h.deps.Policy
	regions := slices.Clone(p.Regions())
	if p.EveryRegion() && !slices.Contains(regions, s.inv.Region) {
		regions = append(regions, s.inv.Region)
	}
	// Copies live in the regions rules copy to: sweeping those shares the
	// copies and keeps them in line like any image.
	for _, r := range p.CopyRegions() {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	return regions
}

// listImages lists a region's self-owned images through an engine of its own.
func (s *session) listImages(ctx context.Context, region string) ([]string, map[string]int, *outcome.Error) {
	client, err := s.h.clients.getECS(s.inv, region)
	if err != nil {
		return nil, nil, &outcome.Error{Code: outcome.Internal, Message: "ECS client: " + err.Error()}
	}
	defer s.h.clients.putECS(s.inv, region, client)
	eng, err := engine.New(engine.Config{Client: client, Clock: s.h.deps.Clock, Sleep: s.h.deps.Sleep, Logger: s.log, Limiter: s.h.limiter})
	if err != nil {
		return nil, nil, &outcome.Error{Code: outcome.Internal, Message: err.Error()}
	}
	return eng.ListImages(ctx, region)
}

// standingRefusal reports whether o is a refusal that cannot change by
// itself: nothing was changed, and every failure is one that only a new
// image, a tag change or a policy change can undo (a service-key encrypted
// image, an image that is unavailable for good, a tag naming an unknown
// group). A sweep does not publish such an outcome, it counts it
// (CountRefused): otherwise every hourly sweep would publish the same
// failure again. The rule needs no state, because each of those causes is
// published when it arises, by the event that brings it: CreateImage,
// CopyImage and ImportImage for a new image, TagResources and
// UntagResources for changed tags, and a request naming the image. A policy
// change is the one cause without an event: plan shows its refusals, and
// the sweep's refused count moves.
func standingRefusal(o *outcome.Outcome) bool {
	if len(o.Added)+len(o.Removed) > 0 || (o.Error == nil && len(o.Failures) == 0) {
		return false
	}
	standing := func(e *outcome.Error) bool {
		if e.Retryable {
			return false
		}
		switch e.Code {
		case outcome.EncryptedImageUnsupported, outcome.ImageUnavailable, outcome.ImageNotOwned,
			outcome.PolicyDenied, outcome.InvalidAccountID:
			return true
		}
		return false
	}
	if o.Error != nil && !standing(o.Error) {
		return false
	}
	for _, f := range o.Failures {
		if !standing(f) {
			return false
		}
	}
	return true
}
