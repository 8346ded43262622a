package handler

import (
	"context"
	"log/slog"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/request"
	"github.com/imageshare/ecs-image-share/trigger"
)

// source is what the copy step needs of an image a reconcile looked at.
type source struct {
	obs    *engine.Observed    // nil when the image could not be read
	copies []policy.CopyTarget // the copies the policy wants of it
}

// distribute makes the copies the policy wants of an image a reconcile has
// just looked at (copyTo, reencrypt), once it is Available, and publishes
// one outcome per copy (action "copy"). In a sweep only copies made or
// failed are published, as for images.
//
// A copy is found again by its provenance tag before anything is sent, so
// every redelivery, sweep or concurrent event after the copy exists is a
// no-op. A copy made now is reconciled later in its region, through the
// deferral machinery new images use: its first look comes one deferral
// delay later, when it has had time to become Available. ECS copies one
// image at a time: a copy refused because another of the same image is in
// progress defers the source, whose next attempt makes it.
//
// Copies are never deleted, whatever happens to the source (deleted,
// un-tagged, its rule gone): a copy may be in use in its region.
func (s *session) distribute(ctx context.Context, it trigger.Item, req request.Request, src source, sweep bool, log *slog.Logger) []outcome.CopyRef {
	obs := src.obs
	if req.Action != request.Reconcile || obs == nil || !obs.Owned() || obs.Status != "Available" || len(src.copies) == 0 {
		return nil
	}
	dryRun := req.DryRun || s.h.cfg.DryRun
	client, err := s.h.clients.getECS(s.inv, obs.Region)
	if err != nil {
		s.log.Error("no ECS client for the copy step", "err", err)
		return nil
	}
	defer s.h.clients.putECS(s.inv, obs.Region, client)
	eng, err := s.engine(client, log.With("imageId", obs.ImageID, "regionId", obs.Region))
	if err != nil {
		return nil
	}
	attempt := max(req.Attempt, 1)
	var refs []outcome.CopyRef
	sourceDeferred, busy := false, false
	for _, target := range src.copies {
		res := s.copyOne(ctx, eng, *obs, target, dryRun, busy, log)
		busy = busy || res.Created || res.CopyStatus == "Creating" || res.Err != nil && res.Err.Code == outcome.CopyInProgress
		o := newOutcome(it, outcome.ActionCopy, target.Region, res.ImageID, attempt)
		o.OutcomeID = outcome.ID(it.SourceID, "copy/"+obs.Region+"/"+obs.ImageID+"/"+target.Region, attempt)
		if req.CorrelationID != "" {
			o.CorrelationID = req.CorrelationID
		}
		o.SourceRegionID, o.SourceImageID = obs.Region, obs.ImageID
		o.DryRun, o.Status, o.Error, o.APICalls = dryRun, res.Status, res.Err, res.APICalls
		o.Because = map[string][]string{}
		switch {
		case res.Status == outcome.Deferred && sweep:
			// Another copy of the image is in progress: the chain that made
			// it carries on, and the next sweep copies what is still missing.
			// Not an outcome: nothing happened and nothing failed.
			refs = append(refs, outcome.CopyRef{RegionID: target.Region, Status: outcome.Deferred})
			continue
		case res.Status == outcome.Deferred && sourceDeferred:
			// The source's next attempt, already queued, makes this copy.
		case res.Status == outcome.Deferred:
			o.Status = outcome.Failed // unless the deferral is queued
			if s.deferImage(ctx, it, req, obs.ImageID, o) == deferFailed {
				return refs
			}
			sourceDeferred = true
		case res.Created:
			s.deferCopy(ctx, it, req, target.Region, res.ImageID, log)
		}
		refs = append(refs, outcome.CopyRef{RegionID: target.Region, ImageID: res.ImageID, Status: o.Status})
		if !sweep || o.Status != outcome.Unchanged {
			s.publish(ctx, o)
		}
	}
	return refs
}

// copyOne runs the engine's copy step for one target, with a client of the
// target region to look the copy up there.
func (s *session) copyOne(ctx context.Context, eng *engine.Engine, obs engine.Observed, target policy.CopyTarget, dryRun, busy bool, log *slog.Logger) *engine.CopyResult {
	req := engine.CopyRequest{Source: obs, Region: target.Region, KMSKeyID: target.KMSKeyID, Reencrypt: target.Reencrypt,
		DryRun: dryRun, Busy: busy}
	if target.Region != obs.Region {
		client, err := s.h.clients.getECS(s.inv, target.Region)
		if err != nil {
			return &engine.CopyResult{Region: target.Region, Status: outcome.Failed, APICalls: map[string]int{},
				Err: &outcome.Error{Code: outcome.Internal, Message: "ECS client: " + err.Error(), Err: err}}
		}
		defer s.h.clients.putECS(s.inv, target.Region, client)
		if req.Finder, err = s.engine(client, log.With("regionId", target.Region)); err != nil {
			return &engine.CopyResult{Region: target.Region, Status: outcome.Failed, APICalls: map[string]int{},
				Err: &outcome.Error{Code: outcome.Internal, Message: err.Error(), Err: err}}
		}
	}
	return eng.Copy(ctx, req)
}

// deferCopy queues the first reconcile of a copy just made: it is Creating
// for minutes, so it is looked at one deferral delay from now, and then as
// any deferred image until it is Available and shared.
func (s *session) deferCopy(ctx context.Context, it trigger.Item, req request.Request, region, copyID string, log *slog.Logger) {
	next := request.Request{Action: request.Reconcile, RegionID: region, ImageIDs: []string{copyID},
		DryRun: req.DryRun, CorrelationID: req.CorrelationID, Attempt: 1}
	o := newOutcome(it, request.Reconcile, region, copyID, 1)
	o.Error = &outcome.Error{Code: outcome.ImageNotReady, Retryable: true, Message: "the copy was just made"}
	// deferImage queues attempt 2 after the first delay, and fails the
	// invocation if it cannot (the copy would then be found and deferred
	// again on the redelivery).
	if s.deferImage(ctx, it, next, copyID, o) == deferQueued {
		log.Info("copy's reconcile deferred", "copyImageId", copyID, "regionId", region)
	}
}

// engine builds an engine on client with the handler's dependencies.
func (s *session) engine(client *ecs.Client, log *slog.Logger) (*engine.Engine, error) {
	return engine.New(engine.Config{Client: client, Clock: s.h.deps.Clock, Sleep: s.h.deps.Sleep, Logger: log, Limiter: s.h.limiter})
}
