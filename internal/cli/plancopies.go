package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/outcome"
)

// plannedCopy is one copy the policy wants (copyTo, reencrypt) of an image
// plan looked at: status planned when plan would have it made, unchanged
// when it exists (found by its provenance tag), failed when it could not be
// looked up.
type plannedCopy struct {
	SourceRegionID string         `json:"sourceRegionId"`
	SourceImageID  string         `json:"sourceImageId"`
	RegionID       string         `json:"regionId"`
	ImageID        string         `json:"imageId,omitempty"`
	KMSKeyID       string         `json:"kmsKeyId,omitempty"`
	Reencrypt      bool           `json:"reencrypt,omitempty"`
	Status         outcome.Status `json:"status"`
	Error          *outcome.Error `json:"error,omitempty"`
}

// planCopies looks up, for every Available image plan found, the copies the
// policy wants, as the function's copy step does (engine.Copy, dry run):
// it reads, never copies. apply does not copy either: copies are made by
// the function, which also shares them once they are Available.
func (r *planRun) planCopies(ctx context.Context, results []*engine.Result) []*plannedCopy {
	var out []*plannedCopy
	for _, res := range results {
		obs := res.Observed
		if obs == nil || !obs.Owned() || obs.Status != "Available" {
			continue
		}
		for _, t := range handler.Copies(r.pol, *obs) {
			pc := &plannedCopy{SourceRegionID: obs.Region, SourceImageID: obs.ImageID, RegionID: t.Region,
				KMSKeyID: t.KMSKeyID, Reencrypt: t.Reencrypt, Status: outcome.Failed}
			out = append(out, pc)
			src, err := r.engine(obs.Region)
			if err != nil {
				pc.Error = &outcome.Error{Code: outcome.Internal, Message: err.Error()}
				continue
			}
			finder, err := r.engine(t.Region)
			if err != nil {
				pc.Error = &outcome.Error{Code: outcome.Internal, Message: err.Error()}
				continue
			}
			cr := src.Copy(ctx, engine.CopyRequest{Source: *obs, Region: t.Region, KMSKeyID: t.KMSKeyID,
				Reencrypt: t.Reencrypt, Finder: finder, DryRun: true})
			pc.ImageID, pc.Status, pc.Error = cr.ImageID, cr.Status, cr.Err
		}
	}
	return out
}

// copiesText renders the copies, one a line, e.g.
//
//	copy m-golden-001 (cn-hangzhou) to ap-southeast-1 under key-sg-0001: to make
func copiesText(b *strings.Builder, copies []*plannedCopy) {
	for _, c := range copies {
		what := map[outcome.Status]string{outcome.Planned: "to make", outcome.Unchanged: "exists: " + c.ImageID}[c.Status]
		if c.Error != nil {
			what = fmt.Sprintf("%s: %s", c.Error.Code, c.Error.Message)
		}
		key := ""
		if c.KMSKeyID != "" {
			key = " under " + c.KMSKeyID
		}
		fmt.Fprintf(b, "copy %s (%s) to %s%s: %s\n", c.SourceImageID, c.SourceRegionID, c.RegionID, key, what)
	}
}
