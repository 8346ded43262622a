package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/outcome"
)

// apiCopy is CopyImage, as counted in results.
const apiCopy = "CopyImage"

// CopyTagKey is the provenance tag every copy carries: its value names the
// source as region/imageId (CopyTagValue). It is how a copy is found again
// before any CopyImage is sent, so a copy is made once per region whatever
// the number of events, redeliveries and sweeps; and how a copy is known to
// be one (it is shared like its source, never copied further).
const CopyTagKey = "imageshare:copy-of"

// CopyTagValue is the provenance tag's value for a source image.
func CopyTagValue(region, imageID string) string { return region + "/" + imageID }

// ParseCopyTag reads a provenance tag's value; ok is false for a value this
// product did not write.
func ParseCopyTag(v string) (region, imageID string, ok bool) {
	region, imageID, ok = strings.Cut(v, "/")
	return region, imageID, ok && region != "" && strings.HasPrefix(imageID, "m-")
}

// maxCopyTags is CopyImage's Tag.N limit.
const maxCopyTags = 20

// CopyRequest asks for one copy of a source image in one region.
type CopyRequest struct {
	// Source is the image as Run observed it: owned and Available.
	Source Observed
	// Region is where the copy goes; the source's own region for a
	// re-encryption.
	Region string
	// KMSKeyID encrypts the copy under that customer-managed key.
	KMSKeyID string
	// Reencrypt marks a copy in the source's own region; its name gets a
	// suffix, as ECS refuses two images of one name in a region.
	Reencrypt bool
	// Finder is an engine whose client reaches Region, used to look the copy
	// up there; nil means this engine (one endpoint serves both regions).
	Finder *Engine
	// DryRun looks the copy up but makes none: status planned when it would.
	DryRun bool
	// Busy says another copy of the source is being made: ECS refuses a
	// second one meanwhile (OperationDenied.ImageCopyConflict), so a missing
	// copy is not asked for; the result is CopyInProgress, for later.
	Busy bool
}

// CopyResult is what the copy step did for one region.
type CopyResult struct {
	SourceRegion, SourceImageID string
	Region                      string
	// ImageID is the copy's id: made now, or found by its provenance tag;
	// "" when there is none.
	ImageID string
	// Created is true when this run made the copy.
	Created bool
	// CopyStatus is the copy's image status when it was last seen
	// (Creating right after CopyImage).
	CopyStatus string
	Err        *outcome.Error
	APICalls   map[string]int
	Status     outcome.Status
}

// Copy makes sure one copy of req.Source exists in req.Region: observe (find
// it by its provenance tag, every status), plan (nothing to do when found;
// the CopyImage parameters otherwise), apply (one CopyImage with a client
// token derived from the request, so two writers racing within the hour get
// one copy; an ambiguous failure is settled by looking the copy up again
// before anything is resent) and verify (the answered copy is there, with
// its provenance tag).
func (e *Engine) Copy(ctx context.Context, req CopyRequest) *CopyResult {
	src := req.Source
	res := &CopyResult{SourceRegion: src.Region, SourceImageID: src.ImageID, Region: req.Region, APICalls: map[string]int{}}
	finder := req.Finder
	if finder == nil {
		finder = e
	}
	fr := &run{e: finder, ctx: ctx, region: req.Region, imageID: src.ImageID, calls: res.APICalls,
		log: finder.log.With("sourceImageId", src.ImageID, "sourceRegionId", src.Region, "regionId", req.Region)}
	r := &run{e: e, ctx: ctx, region: src.Region, imageID: src.ImageID, calls: res.APICalls, classify: copyClassify,
		log: fr.log}
	defer func() {
		switch {
		case res.Err != nil && res.Err.Code == outcome.CopyInProgress:
			res.Status = outcome.Deferred
		case res.Err != nil:
			res.Status = outcome.Failed
		case req.DryRun && res.ImageID == "":
			res.Status = outcome.Planned
		case res.Created:
			res.Status = outcome.Succeeded
		default:
			res.Status = outcome.Unchanged
		}
		fr.log.Info("copy done", "status", res.Status, "copyImageId", res.ImageID, "created", res.Created,
			"error", errCode(res.Err), "apiCalls", res.APICalls)
	}()

	// Observe.
	found, status, err := fr.findCopy(src)
	if err != nil {
		res.Err = err
		return res
	}
	if found != "" {
		res.ImageID, res.CopyStatus = found, status
		if status == "CreateFailed" || status == "UnAvailable" {
			res.Err = &outcome.Error{Code: outcome.ImageUnavailable, Message: "the copy " + found + " is " + status +
				": delete it, and the next reconcile or sweep copies the image again"}
		}
		return res
	}

	if req.Busy && !req.DryRun {
		res.Err = &outcome.Error{Code: outcome.CopyInProgress, Retryable: true,
			Message: "another copy of the image is being made and ECS copies one image at a time: the next attempt copies it"}
		return res
	}

	// Plan.
	p, perr := planCopy(req)
	if perr != nil {
		res.Err = perr
		return res
	}
	if req.DryRun {
		return res
	}

	// Apply.
	id, err := r.copyImage(p, func() (bool, *outcome.Error) {
		got, st, ferr := fr.findCopy(src)
		if got != "" {
			res.ImageID, res.CopyStatus = got, st
		}
		return got != "", ferr
	})
	if err != nil && err.ECSCode == "InvalidImageName.Duplicated" && p.name != "" {
		// Another image has the source's name there: name the copy after
		// its source instead, once.
		p.name = truncateRunes(p.name, 128-len(src.ImageID)-1) + "-" + src.ImageID
		id, err = r.copyImage(p, nil)
	}
	if err != nil {
		res.Err = err
		return res
	}
	if id == "" { // settled: the ambiguous call did make the copy
		res.Created = true
		return res
	}
	res.ImageID, res.Created = id, true

	// Verify.
	obs, verr := (&run{e: finder, ctx: ctx, region: req.Region, imageID: id, calls: res.APICalls, log: fr.log}).describeImage()
	switch {
	case verr != nil && verr.Code == outcome.ImageNotFound:
		res.Err = &outcome.Error{Code: outcome.VerificationFailed, Retryable: true, Message: "CopyImage answered " + id +
			" but no such image is in " + req.Region + " (a client token reused after the copy was deleted answers the deleted copy): the next sweep copies again"}
	case verr != nil:
		res.Err = verr
	case obs.Tags[CopyTagKey] != CopyTagValue(src.Region, src.ImageID):
		res.Err = &outcome.Error{Code: outcome.VerificationFailed, Message: "the copy " + id + " does not carry its provenance tag " + CopyTagKey}
	default:
		res.CopyStatus = obs.Status
	}
	return res
}

// copyPlan is one CopyImage call's parameters.
type copyPlan struct {
	sourceRegion, sourceImageID, region string
	name, description                   string
	tags                                map[string]string
	encrypted                           bool
	kmsKeyID                            string
	token                               string
}

// imageNameRE is CopyImage's DestinationImageName rule: 2 to 128
// characters, starting with a letter; letters, digits, '.', ':', '_', '-'.
// It compiles on first use, not at the function's cold start.
var imageNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\p{L}[\p{L}0-9.:_-]{1,127}$`) })

// planCopy builds the CopyImage parameters: the source's tags (system tags
// excepted) plus the provenance tag, its name and description when ECS would
// take them, and the encryption asked for.
func planCopy(req CopyRequest) (copyPlan, *outcome.Error) {
	src := req.Source
	p := copyPlan{
		sourceRegion: src.Region, sourceImageID: src.ImageID, region: req.Region,
		tags:      map[string]string{CopyTagKey: CopyTagValue(src.Region, src.ImageID)},
		encrypted: req.KMSKeyID != "" || req.Reencrypt, kmsKeyID: req.KMSKeyID,
	}
	for k, v := range src.Tags {
		if k == CopyTagKey || strings.HasPrefix(k, "acs:") || strings.HasPrefix(k, "aliyun") {
			continue // system tags cannot be set; the provenance tag is the copy's own
		}
		p.tags[k] = v
	}
	if len(p.tags) > maxCopyTags {
		return p, &outcome.Error{Code: outcome.CopyUnsupported, Message: "the image has 20 tags, and a copy needs one more for its provenance tag " +
			CopyTagKey + " (CopyImage takes at most 20): remove a tag from the image"}
	}
	name := src.Name
	if req.Reencrypt {
		name = truncateRunes(name, 128-len("-cmk")) + "-cmk"
	}
	if validCopyName(name) {
		p.name = name
	}
	if n := utf8.RuneCountInString(src.Description); n >= 2 && n <= 256 &&
		!strings.HasPrefix(src.Description, "http://") && !strings.HasPrefix(src.Description, "https://") {
		p.description = src.Description
	}
	return p, nil
}

func validCopyName(s string) bool {
	return imageNameRE().MatchString(s) && !strings.HasPrefix(s, "acs:") && !strings.HasPrefix(s, "aliyun") &&
		!strings.Contains(s, "http://") && !strings.Contains(s, "https://")
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// token is the plan's ClientToken: the same copy asked for within the same
// hour (on the engine's clock) gets the same token, so ECS makes it once
// when two writers race before either can find it by its tag. The hour
// bounds how long a token stands for a copy that was deleted since.
func (p copyPlan) tokenAt(now time.Time) string {
	h := sha256.New()
	for _, s := range []string{p.sourceRegion, p.sourceImageID, p.region, p.name, p.description, p.kmsKeyID,
		now.UTC().Truncate(time.Hour).Format(time.RFC3339)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, k := range slices.Sorted(maps.Keys(p.tags)) {
		h.Write([]byte(k + "=" + p.tags[k] + "\x00"))
	}
	return "imageshare-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// copyImage sends CopyImage. settle, when given, is asked after an
// ambiguous failure whether the copy exists by now (then the id is "" and
// nothing is resent).
func (r *run) copyImage(p copyPlan, settle func() (bool, *outcome.Error)) (string, *outcome.Error) {
	token := p.tokenAt(r.e.clock.Now())
	var resp *ecs.CopyImageResponse
	var sf settleFunc
	if settle != nil {
		sf = func() (bool, *outcome.Error) { return settle() }
	}
	err := r.call(apiCopy, func() (err error) {
		req := ecs.CreateCopyImageRequest()
		req.RegionId = p.sourceRegion
		req.ImageId = p.sourceImageID
		req.DestinationRegionId = p.region
		req.DestinationImageName = p.name
		req.DestinationDescription = p.description
		if p.encrypted {
			req.Encrypted = requests.NewBoolean(true)
		}
		req.KMSKeyId = p.kmsKeyID
		tags := make([]ecs.CopyImageTag, 0, len(p.tags))
		for _, k := range slices.Sorted(maps.Keys(p.tags)) {
			tags = append(tags, ecs.CopyImageTag{Key: k, Value: p.tags[k]})
		}
		req.Tag = &tags
		// The SDK's request struct has no ClientToken field; the API takes it.
		req.QueryParams["ClientToken"] = token
		r.prepare(req)
		resp, err = r.e.client.CopyImage(req)
		return err
	}, sf)
	if err != nil {
		return "", err
	}
	if resp == nil { // settled
		return "", nil
	}
	return resp.ImageId, nil
}

// findCopy looks for the copy of src in r.region by its provenance tag,
// whatever its status. When several exist (made before this product kept
// one per region), the oldest is the copy.
func (r *run) findCopy(src Observed) (id, status string, oe *outcome.Error) {
	var resp *ecs.DescribeImagesResponse
	err := r.call(apiDescribeImages, func() (err error) {
		req := ecs.CreateDescribeImagesRequest()
		req.RegionId = r.region
		req.ImageOwnerAlias = "self"
		req.Status = allStatuses
		req.Tag = &[]ecs.DescribeImagesTag{{Key: CopyTagKey, Value: CopyTagValue(src.Region, src.ImageID)}}
		req.PageSize = requests.NewInteger(100)
		r.prepare(req)
		resp, err = r.e.client.DescribeImages(req)
		return err
	}, nil)
	if err != nil {
		return "", "", err
	}
	var oldest string
	for _, im := range resp.Images.Image {
		if im.ImageId == src.ImageID {
			continue // a re-encryption's source carries no provenance tag, but be sure
		}
		if id == "" || im.CreationTime < oldest {
			id, status, oldest = im.ImageId, im.Status, im.CreationTime
		}
	}
	if n := len(resp.Images.Image); n > 1 {
		r.log.Warn("several copies of one image in a region; keeping the oldest", "copies", n, "copyImageId", id)
	}
	return id, status, nil
}

func errCode(e *outcome.Error) outcome.Code {
	if e == nil {
		return ""
	}
	return e.Code
}
