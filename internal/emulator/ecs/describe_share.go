package ecs

import (
	"encoding/json"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// Response shape of DescribeImageSharePermission (SDK:
// DescribeImageSharePermissionResponse).
type (
	describeShareResponse struct {
		requestIDField
		RegionID    string `json:"RegionId" xml:"RegionId"`
		ImageID     string `json:"ImageId" xml:"ImageId"`
		TotalCount  int    `json:"TotalCount" xml:"TotalCount"`
		PageNumber  int    `json:"PageNumber" xml:"PageNumber"`
		PageSize    int    `json:"PageSize" xml:"PageSize"`
		ShareGroups struct {
			ShareGroup []shareGroup `json:"ShareGroup" xml:"ShareGroup"`
		} `json:"ShareGroups" xml:"ShareGroups"`
		Accounts struct {
			Account []accountBody `json:"Account" xml:"Account"`
		} `json:"Accounts" xml:"Accounts"`
	}
	shareGroup struct {
		Group string `json:"Group" xml:"Group"`
	}
	accountBody struct {
		// AliyunID is a string, or a json.Number when the world asks for
		// the reference example's form (a JSON number).
		AliyunID   any    `json:"AliyunId" xml:"AliyunId"`
		SharedTime string `json:"SharedTime" xml:"SharedTime"`
	}
)

// ownedImage returns the caller's image id in region, or
// InvalidImageId.NotFound for an image that is missing, in another region,
// or owned by someone else. The caller holds s.mu.
func (s *Service) ownedImage(region, id string) (*image, *apiError) {
	im, ok := s.images[id]
	if !ok || im.Region != region || im.Owner != s.world.Owner {
		return nil, newError("InvalidImageId.NotFound")
	}
	return im, nil
}

// describeImageSharePermission pages through the accounts an image is shared
// with, in the order they were shared. The image is never public and never
// shared with a group, so ShareGroups is empty.
func (s *Service) describeImageSharePermission(c *call) (response, *apiError) {
	if err := c.p.require("RegionId", "ImageId"); err != nil {
		return nil, err
	}
	region, err := s.region(c.p)
	if err != nil {
		return nil, err
	}
	number, size, err := c.p.page()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	im, err := s.ownedImage(region, c.p["ImageId"])
	if err != nil {
		return nil, err
	}
	resp := &describeShareResponse{
		RegionID: region, ImageID: im.ID,
		TotalCount: len(im.SharedWith), PageNumber: number, PageSize: size,
	}
	resp.ShareGroups.ShareGroup = []shareGroup{}
	resp.Accounts.Account = []accountBody{}
	for _, a := range pageOf(im.SharedWith, number, size) {
		var id any = a
		if s.world.AliyunIDType == world.AliyunIDNumber {
			// The reference's parameter table says String, its response
			// example shows a number: the emulator can answer both.
			id = json.Number(a)
		}
		resp.Accounts.Account = append(resp.Accounts.Account, accountBody{
			AliyunID:   id,
			SharedTime: im.sharedAt[a].UTC().Format(timestampLayout),
		})
	}
	return resp, nil
}
