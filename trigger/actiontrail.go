package trigger

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// The ECS APIs whose ActionTrail events make the function reconcile an image.
const (
	createImage    = "CreateImage"
	copyImage      = "CopyImage"
	importImage    = "ImportImage"
	tagResources   = "TagResources"
	untagResources = "UntagResources"
	addTags        = "AddTags"    // the older tagging API, still callable
	removeTags     = "RemoveTags" // likewise
)

var imageAPIs = []string{createImage, copyImage, importImage, tagResources, untagResources, addTags, removeTags}

// imageRefKey is where ActionTrail lists the images an event touched.
const imageRefKey = "ACS::ECS::Image"

// decodeActionTrail reads an ActionTrail event delivered by EventBridge:
// type ecs:ActionTrail:ApiCall or actiontrail:ActionTrail:ApiCall (or the
// ConsoleOperation forms), data the ActionTrail record.
func decodeActionTrail(ev cloudEvent) Item {
	it := Item{Trigger: Trigger{Type: ActionTrail, EventID: ev.ID}, SourceID: ev.ID}
	rec, ok := parseObject(ev.Data)
	if !ok {
		return invalidEvent(it, "ActionTrail event %s has no data record", quoteID(ev.ID))
	}
	return decodeActionTrailRecord(it, rec, ev.AliyunRegionID)
}

// decodeActionTrailRecord turns an ActionTrail record into a reconcile request
// for the image(s) it names. envRegion is the envelope's region, the last
// resort. SourceID is the record's eventId: it identifies the API call, so the
// same call delivered twice, or through two rules, yields one outcomeId.
func decodeActionTrailRecord(it Item, rec object, envRegion string) Item {
	name := rec.str("eventName")
	it.Trigger.EventName = name
	it.Trigger.EventID = first(it.Trigger.EventID, rec.str("eventId"))
	it.SourceID = first(rec.str("eventId"), it.Trigger.EventID)

	if t := rec.str("eventType"); t != "" && !strings.EqualFold(t, "ApiCall") && !strings.EqualFold(t, "ConsoleOperation") {
		it.Ignore = "ActionTrail eventType " + quoteID(t) + " is not an API call"
		return it
	}
	if svc := rec.str("serviceName"); svc != "" && !strings.EqualFold(svc, "Ecs") {
		it.Ignore = quoteID(name) + " is a " + quoteID(svc) + " event, not an ECS one"
		return it
	}
	api, known := canonicalAPI(name)
	switch {
	case name == "":
		return invalidEvent(it, "ActionTrail record %s has no eventName", quoteID(it.SourceID))
	case !known:
		it.Ignore = quoteID(name) + " is not an image API this function acts on"
		return it
	}
	// A failed call changed nothing; its record may lack the image id anyway.
	if code, msg := rec.str("errorCode"), rec.str("errorMessage"); code != "" || msg != "" {
		it.Ignore = api + " failed (" + quoteID(first(code, msg)) + "): nothing changed"
		return it
	}

	params, _ := recordObject(rec, "requestParameters")
	resp, _ := recordObject(rec, "responseElements")
	refs, _ := recordObject(rec, "referencedResources")
	imageRefs := refs.strs(imageRefKey)
	region := first(params.str("RegionId"), rec.str("acsRegion"), envRegion)

	var ids []string
	switch api {
	case createImage, importImage:
		ids = orElse(resp.strs("ImageId"), imageRefs)
	case copyImage:
		// The event is about the copy: its id is in the response and its
		// region is the destination. referencedResources may list the source
		// too, so it is used only when exactly one other image remains.
		ids = resp.strs("ImageId")
		if len(ids) == 0 {
			if others := slices.DeleteFunc(imageRefs, func(id string) bool { return id == params.str("ImageId") }); len(others) == 1 {
				ids = others
			}
		}
		region = first(params.str("DestinationRegionId"), region)
	default: // tagging
		switch rt := params.str("ResourceType"); {
		case strings.EqualFold(rt, "image"):
			ids = orElse(resourceIDs(params), imageRefs)
		case rt != "":
			it.Ignore = api + " on " + quoteID(rt) + " resources, not images"
			return it
		default: // no ResourceType recorded: trust only what names an image
			ids = imageRefs
			if len(ids) == 0 {
				ids = slices.DeleteFunc(resourceIDs(params), func(id string) bool { return !strings.HasPrefix(id, "m-") })
			}
			if len(ids) == 0 {
				it.Ignore = api + " names no image resource"
				return it
			}
		}
	}

	if len(ids) == 0 {
		return invalidEvent(it, "%s event %s names no image (looked in responseElements.ImageId, referencedResources[%q] and requestParameters)",
			api, quoteID(it.SourceID), imageRefKey)
	}
	if region == "" {
		return invalidEvent(it, "%s event %s names no region (looked in requestParameters.RegionId, acsRegion and aliyunregionid)", api, quoteID(it.SourceID))
	}
	r := request.Request{Action: request.Reconcile, RegionID: region, ImageIDs: unique(ids), Attempt: 1}
	if err := r.Validate(); err != nil {
		msg := err.Error()
		if e, ok := errors.AsType[*outcome.Error](err); ok {
			msg = strings.TrimPrefix(e.Message, "invalid request: ")
		}
		return invalidEvent(it, "%s event %s: %s", api, quoteID(it.SourceID), msg)
	}
	it.Request = &r
	return it
}

// canonicalAPI matches an eventName to the APIs acted on, ignoring case.
func canonicalAPI(name string) (string, bool) {
	for _, api := range imageAPIs {
		if strings.EqualFold(api, name) {
			return api, true
		}
	}
	return "", false
}

// recordObject returns a field of the record that is an object (or JSON text
// holding one, as some records store responseElements).
func recordObject(rec object, key string) (object, bool) {
	v, ok := rec.get(key)
	if !ok {
		return nil, false
	}
	return parseObject(v)
}

// resourceIDs collects the resource ids of a tagging call: ResourceId.N
// (TagResources, in N order), ResourceId (AddTags, or a list), in any case.
func resourceIDs(params object) []string {
	type numbered struct {
		n   int
		key string
	}
	var keys []numbered
	for k := range params {
		lower := strings.ToLower(k)
		if lower == "resourceid" {
			keys = append(keys, numbered{0, k})
			continue
		}
		if rest, ok := strings.CutPrefix(lower, "resourceid."); ok {
			if n, err := strconv.Atoi(rest); err == nil && n > 0 {
				keys = append(keys, numbered{n, k})
			}
		}
	}
	slices.SortFunc(keys, func(a, b numbered) int { return cmp.Or(cmp.Compare(a.n, b.n), strings.Compare(a.key, b.key)) })
	var ids []string
	for _, k := range keys {
		ids = append(ids, stringsOf(params[k.key])...)
	}
	return ids
}

// orElse returns a if it is not empty, else b.
func orElse(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
