package ecs

import (
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Response shape of ListTagResources (SDK: ListTagResourcesResponse).
type (
	listTagsResponse struct {
		requestIDField
		NextToken    string `json:"NextToken" xml:"NextToken"`
		TagResources struct {
			TagResource []tagResource `json:"TagResource" xml:"TagResource"`
		} `json:"TagResources" xml:"TagResources"`
	}
	tagResource struct {
		ResourceID   string `json:"ResourceId" xml:"ResourceId"`
		ResourceType string `json:"ResourceType" xml:"ResourceType"`
		TagKey       string `json:"TagKey" xml:"TagKey"`
		TagValue     string `json:"TagValue" xml:"TagValue"`
	}
)

// Limits of ListTagResources: ResourceId.N and Tag.N ranges, and the entries
// per page (50; MaxResults may lower it, an emulator extension the service
// would ignore).
const (
	maxTagResourceIDs = 50
	maxTagFilters     = 20
	tagPageSize       = 50
)

// resourceType reports whether t is a ResourceType the reference documents.
// Only images exist in the emulator; the other types list nothing.
func resourceType(t string) bool {
	switch t {
	case "instance", "disk", "snapshot", "image", "securitygroup", "volume", "eni",
		"ddh", "ddhcluster", "keypair", "launchtemplate", "reservedinstance",
		"snapshotpolicy", "elasticityassurance", "capacityreservation", "command",
		"invocation", "activation", "managedinstance":
		return true
	}
	return false
}

// listTagResources lists (resource, tag) pairs of the caller's images in the
// region, filtered by ResourceId.N and/or Tag.N (AND; a key without a value
// matches any value), one entry per tag, in a stable order, paged by an
// opaque NextToken. TagFilter.N (an invitation-only preview) is not modelled.
func (s *Service) listTagResources(c *call) (response, *apiError) {
	if err := c.p.require("RegionId", "ResourceType"); err != nil {
		return nil, err
	}
	region, err := s.region(c.p)
	if err != nil {
		return nil, err
	}
	rtype := c.p["ResourceType"]
	if !resourceType(rtype) {
		return nil, newError("InvalidResourceType.NotFound")
	}
	ids := values(c.p.list("ResourceId"))
	if items := c.p.list("ResourceId"); len(items) > 0 && items[len(items)-1].n > maxTagResourceIDs {
		return nil, newError("NumberExceed.ResourceIds")
	}
	tags := c.p.tags()
	if len(tags) > 0 && tags[len(tags)-1].n > maxTagFilters {
		return nil, newError("NumberExceed.Tags")
	}
	for _, t := range tags {
		if t.key == "" {
			return nil, newError("InvalidParameter.TagValue")
		}
	}
	if len(ids) == 0 && len(tags) == 0 {
		return nil, newError("MissingParameter", "Either ResourceId.N or Tag.N must be specified.")
	}
	size, err := c.p.intParam("MaxResults", tagPageSize, 1, tagPageSize)
	if err != nil {
		return nil, err
	}
	offset, ok := decodeToken(c.p["NextToken"])
	if !ok {
		return nil, newError("InvalidNextToken")
	}

	var all []tagResource
	s.mu.Lock()
	for _, id := range s.order {
		im := s.images[id]
		if rtype != "image" || im.Region != region || im.Owner != s.world.Owner ||
			len(ids) > 0 && !slices.Contains(ids, im.ID) || !matchTags(im.Tags, tags) {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(im.Tags)) {
			all = append(all, tagResource{ResourceID: im.ID, ResourceType: rtype, TagKey: k, TagValue: im.Tags[k]})
		}
	}
	s.mu.Unlock()

	resp := &listTagsResponse{}
	end := min(offset+size, len(all))
	resp.TagResources.TagResource = append([]tagResource{}, all[min(offset, len(all)):end]...)
	if end < len(all) {
		resp.NextToken = encodeToken(end)
	}
	return resp, nil
}

// The NextToken is opaque to clients; it carries the next entry's offset.
const tokenPrefix = "ecs-emulator:"

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(offset)))
}

func decodeToken(tok string) (int, bool) {
	if tok == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), tokenPrefix)
	n, err := strconv.Atoi(rest)
	return n, ok && err == nil && n >= 0
}
