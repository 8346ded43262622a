package ecs

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Response shapes of DescribeImages, as the service returns them and as the
// SDK's DescribeImagesResponse parses them.
type (
	describeImagesResponse struct {
		requestIDField
		RegionID   string `json:"RegionId" xml:"RegionId"`
		TotalCount int    `json:"TotalCount" xml:"TotalCount"`
		PageNumber int    `json:"PageNumber" xml:"PageNumber"`
		PageSize   int    `json:"PageSize" xml:"PageSize"`
		Images     struct {
			Image []imageBody `json:"Image" xml:"Image"`
		} `json:"Images" xml:"Images"`
	}
	imageBody struct {
		ImageID              string `json:"ImageId" xml:"ImageId"`
		ImageName            string `json:"ImageName" xml:"ImageName"`
		ImageFamily          string `json:"ImageFamily" xml:"ImageFamily"`
		ImageVersion         string `json:"ImageVersion" xml:"ImageVersion"`
		Description          string `json:"Description" xml:"Description"`
		Status               string `json:"Status" xml:"Status"`
		Progress             string `json:"Progress" xml:"Progress"`
		ImageOwnerAlias      string `json:"ImageOwnerAlias" xml:"ImageOwnerAlias"`
		ImageOwnerID         int64  `json:"ImageOwnerId" xml:"ImageOwnerId"`
		IsPublic             bool   `json:"IsPublic" xml:"IsPublic"`
		IsSelfShared         string `json:"IsSelfShared" xml:"IsSelfShared"`
		IsCopied             bool   `json:"IsCopied" xml:"IsCopied"`
		IsSubscribed         bool   `json:"IsSubscribed" xml:"IsSubscribed"`
		IsSupportIoOptimized bool   `json:"IsSupportIoOptimized" xml:"IsSupportIoOptimized"`
		IsSupportCloudinit   bool   `json:"IsSupportCloudinit" xml:"IsSupportCloudinit"`
		CreationTime         string `json:"CreationTime" xml:"CreationTime"`
		Usage                string `json:"Usage" xml:"Usage"`
		OSType               string `json:"OSType" xml:"OSType"`
		OSName               string `json:"OSName" xml:"OSName"`
		OSNameEn             string `json:"OSNameEn" xml:"OSNameEn"`
		Platform             string `json:"Platform" xml:"Platform"`
		Architecture         string `json:"Architecture" xml:"Architecture"`
		BootMode             string `json:"BootMode" xml:"BootMode"`
		Size                 int    `json:"Size" xml:"Size"`
		ProductCode          string `json:"ProductCode" xml:"ProductCode"`
		ResourceGroupID      string `json:"ResourceGroupId" xml:"ResourceGroupId"`
		Tags                 struct {
			Tag []tagBody `json:"Tag" xml:"Tag"`
		} `json:"Tags" xml:"Tags"`
		DiskDeviceMappings struct {
			DiskDeviceMapping []diskMapping `json:"DiskDeviceMapping" xml:"DiskDeviceMapping"`
		} `json:"DiskDeviceMappings" xml:"DiskDeviceMappings"`
	}
	tagBody struct {
		TagKey   string `json:"TagKey" xml:"TagKey"`
		TagValue string `json:"TagValue" xml:"TagValue"`
	}
	diskMapping struct {
		Device     string `json:"Device" xml:"Device"`
		Type       string `json:"Type" xml:"Type"`
		Size       string `json:"Size" xml:"Size"`
		SnapshotID string `json:"SnapshotId" xml:"SnapshotId"`
		Format     string `json:"Format" xml:"Format"`
		Progress   string `json:"Progress" xml:"Progress"`
		// Encrypted says only whether a key encrypts the snapshot; which key
		// (service or customer) the real service does not say here either.
		Encrypted bool   `json:"Encrypted" xml:"Encrypted"`
		KMSKeyID  string `json:"KMSKeyId" xml:"KMSKeyId"`
	}
)

// validStatus reports whether s is an image status DescribeImages filters on.
func validStatus(s string) bool {
	switch s {
	case "Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated":
		return true
	}
	return false
}

// describeImages lists the images the caller may see: its own and those
// shared with it. Filters the emulator does not model (ImageName, OSType,
// Usage, ...) are accepted and ignored.
func (s *Service) describeImages(c *call) (response, *apiError) {
	region, err := s.region(c.p)
	if err != nil {
		return nil, err
	}
	statuses := splitComma(c.p["Status"])
	if len(statuses) == 0 {
		statuses = []string{"Available"} // the service's default
	}
	for _, st := range statuses {
		if !validStatus(st) {
			return nil, invalidParameter("Status", "Unknown status "+st+".")
		}
	}
	alias := c.p["ImageOwnerAlias"]
	switch alias {
	case "", "self", "others", "system", "marketplace":
	default:
		return nil, invalidParameter("ImageOwnerAlias", "Valid values: self, others, system, marketplace.")
	}
	tags := c.p.tags()
	if len(tags) > 0 && tags[len(tags)-1].n > 20 {
		return nil, invalidParameter("Tag.N", "N ranges from 1 to 20.")
	}
	for _, t := range tags {
		if t.key == "" {
			return nil, invalidParameter("Tag."+strconv.Itoa(t.n)+".Key", "A tag value needs its key.")
		}
	}
	number, size, err := c.p.page()
	if err != nil {
		return nil, err
	}
	ids := splitComma(c.p["ImageId"])
	caller := s.world.Owner

	s.mu.Lock()
	var matched []imageBody
	for _, im := range s.sortedImages() {
		self := im.Owner == caller
		switch {
		case im.Region != region,
			!self && !slices.Contains(im.SharedWith, caller), // invisible to the caller
			alias == "self" && !self,
			alias == "others" && self,
			alias == "system" || alias == "marketplace", // the emulator has none
			len(ids) > 0 && !slices.Contains(ids, im.ID):
			continue
		}
		status, progress := im.statusAt(c.now)
		if !slices.Contains(statuses, status) || !matchTags(im.Tags, tags) {
			continue
		}
		matched = append(matched, s.imageBody(im, self, status, progress))
	}
	s.mu.Unlock()

	resp := &describeImagesResponse{RegionID: region, TotalCount: len(matched), PageNumber: number, PageSize: size}
	resp.Images.Image = append([]imageBody{}, pageOf(matched, number, size)...)
	return resp, nil
}

// imageBody renders one image. The caller holds s.mu.
func (s *Service) imageBody(im *image, self bool, status, progress string) imageBody {
	owner, _ := strconv.ParseInt(im.Owner, 10, 64)
	b := imageBody{
		ImageID:              im.ID,
		ImageName:            im.Name,
		Description:          im.Description,
		Status:               status,
		Progress:             progress,
		ImageOwnerAlias:      "others",
		ImageOwnerID:         owner,
		IsSupportIoOptimized: true,
		IsSupportCloudinit:   true,
		CreationTime:         im.created.UTC().Format(timestampLayout),
		Usage:                "none",
		OSType:               "linux",
		OSName:               "Alibaba Cloud Linux 3",
		OSNameEn:             "Alibaba Cloud Linux 3",
		Platform:             "Aliyun",
		Architecture:         "x86_64",
		BootMode:             "BIOS",
		Size:                 40,
	}
	if b.ImageName == "" {
		b.ImageName = im.ID
	}
	b.Tags.Tag = []tagBody{}
	if self {
		// Tags belong to the owner's account; a recipient does not see them.
		b.ImageOwnerAlias = "self"
		for _, k := range slices.Sorted(maps.Keys(im.Tags)) {
			b.Tags.Tag = append(b.Tags.Tag, tagBody{TagKey: k, TagValue: im.Tags[k]})
		}
	}
	b.DiskDeviceMappings.DiskDeviceMapping = []diskMapping{{
		Device:     "/dev/xvda",
		Type:       "system",
		Size:       "40",
		SnapshotID: "s-" + strings.TrimPrefix(im.ID, "m-"),
		Progress:   progress,
		Encrypted:  im.encrypted(),
	}}
	return b
}
